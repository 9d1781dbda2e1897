"""Applicant writes are validated and audited; roles and logging in."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from applicants.constants import Role
from applicants.models import Applicant, User
from applicants.services import applicant_create, applicant_update
from audit.models import AuditEntry
from tests.factories import ApplicantFactory, UserFactory, valid_iin

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def actor() -> User:
    return UserFactory(username="clerk.records")


# --- applicant_create ----------------------------------------------------------------------


def test_creating_an_applicant_with_a_wrong_check_digit_is_refused(actor: User) -> None:
    with pytest.raises(ValidationError) as caught:
        applicant_create(actor=actor, iin="931002451326", last_name="Жумабаев", first_name="Ерлан")

    assert "iin" in caught.value.message_dict


def test_a_refused_applicant_leaves_no_row_and_no_audit_entry(actor: User) -> None:
    with pytest.raises(ValidationError):
        applicant_create(actor=actor, iin="93100245132A", last_name="Жумабаев", first_name="Ерлан")

    assert not Applicant.objects.exists()
    assert not AuditEntry.objects.exists()


def test_creating_an_applicant_records_who_did_it(actor: User) -> None:
    applicant = applicant_create(
        actor=actor, iin="931002451325", last_name="Жумабаев", first_name="Ерлан", phone=""
    )

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == ("applicant_create", actor, str(applicant.pk))
    assert entry.changes == {"last_name": "Жумабаев", "first_name": "Ерлан"}


# --- applicant_update ----------------------------------------------------------------------


def test_changing_a_phone_is_audited_with_the_old_and_the_new_value(actor: User) -> None:
    applicant = ApplicantFactory(phone="+7 701 111 2233")

    applicant_update(actor=actor, applicant_id=applicant.pk, phone="+7 702 444 5566")

    entry = AuditEntry.objects.get()
    assert entry.action == "applicant_update"
    assert entry.actor == actor
    assert entry.target_id == str(applicant.pk)
    assert entry.changes == {"phone": {"from": "+7 701 111 2233", "to": "+7 702 444 5566"}}


def test_a_changed_phone_is_saved(actor: User) -> None:
    applicant = ApplicantFactory(phone="+7 701 111 2233")

    applicant_update(actor=actor, applicant_id=applicant.pk, phone="+7 702 444 5566")

    applicant.refresh_from_db()
    assert applicant.phone == "+7 702 444 5566"


def test_an_update_that_changes_nothing_writes_no_audit_entry(actor: User) -> None:
    applicant = ApplicantFactory(phone="+7 701 111 2233", first_name="Ерлан")

    applicant_update(actor=actor, applicant_id=applicant.pk, phone="+7 701 111 2233", first_name="Ерлан")

    assert not AuditEntry.objects.exists()


def test_an_invalid_update_is_refused_and_leaves_the_applicant_and_the_trail_alone(actor: User) -> None:
    applicant = ApplicantFactory(email="")

    with pytest.raises(ValidationError):
        applicant_update(actor=actor, applicant_id=applicant.pk, email="not an address")

    applicant.refresh_from_db()
    assert applicant.email == ""
    assert not AuditEntry.objects.exists()


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "permission", "granted"),
    [
        (Role.CLERK, "services.register_application", True),
        (Role.CLERK, "services.sign_result", False),
        (Role.EXECUTOR, "services.take_application", True),
        (Role.EXECUTOR, "services.sign_result", True),
        (Role.EXECUTOR, "services.register_application", False),
        (Role.ADMINISTRATOR, "services.act_in_any_office", True),
        (Role.CLERK, "services.act_in_any_office", False),
    ],
)
def test_after_migrate_each_role_group_grants_its_permissions(
    role: Role, permission: str, granted: bool
) -> None:
    user = UserFactory(role=role.value)

    assert user.has_perm(permission) is granted


def test_the_administrator_may_read_the_audit_trail_but_not_change_or_delete_it() -> None:
    administrator = UserFactory(role=Role.ADMINISTRATOR.value)

    assert administrator.has_perm("audit.view_auditentry")
    assert not administrator.has_perm("audit.change_auditentry")
    assert not administrator.has_perm("audit.delete_auditentry")


# --- logging in ----------------------------------------------------------------------------


def test_a_citizen_logs_in_with_the_iin() -> None:
    iin = valid_iin()
    citizen = UserFactory(username="aigul.citizen", iin=iin)

    assert authenticate(username=iin, password=PASSWORD) == citizen


def test_a_citizen_may_type_spaces_around_the_iin() -> None:
    iin = valid_iin()
    citizen = UserFactory(username="aigul.citizen", iin=iin)

    assert authenticate(username=f" {iin} ", password=PASSWORD) == citizen


def test_a_staff_member_logs_in_with_the_username() -> None:
    staff = UserFactory(username="executor.aktau")

    assert authenticate(username="executor.aktau", password=PASSWORD) == staff


def test_a_wrong_password_is_refused() -> None:
    UserFactory(username="executor.aktau")

    assert authenticate(username="executor.aktau", password="wrong horse") is None


def test_a_wrong_password_is_refused_for_a_citizen_too() -> None:
    iin = valid_iin()
    UserFactory(username="aigul.citizen", iin=iin)

    assert authenticate(username=iin, password="wrong horse") is None


def test_an_unknown_login_is_refused() -> None:
    assert authenticate(username="nobody", password=PASSWORD) is None


def test_an_inactive_user_is_refused_even_with_the_right_password() -> None:
    UserFactory(username="executor.former", is_active=False)

    assert authenticate(username="executor.former", password=PASSWORD) is None
