"""Audit records cannot be changed or deleted through any page, API, the
admin or the database (issue 6, Security)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, User
from applicants.services import ensure_role_groups
from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import ApplicantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORIGINAL = {"phone": {"from": "+7 701 111 2233", "to": "+7 702 444 5566"}}


@pytest.fixture
def entry(clerk: User) -> AuditEntry:
    applicant: Applicant = ApplicantFactory()
    return audit_record(actor=clerk, action="applicant_update", target=applicant, changes=ORIGINAL)


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def browser_of(user: User) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


def assert_unchanged(entry: AuditEntry) -> None:
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "applicant_update"
    assert stored.remark == ""
    assert stored.changes == ORIGINAL
    assert stored.actor_id == entry.actor_id


@pytest.fixture(params=["administrator", "superuser"])
def admin_user(request: pytest.FixtureRequest) -> User:
    user: User = request.getfixturevalue(request.param)
    return user


# --- the admin ------------------------------------------------------------------


def test_the_audit_changelist_opens_and_offers_no_delete_action(admin_user: User, entry: AuditEntry) -> None:
    response = browser_of(admin_user).get(reverse("admin:audit_auditentry_changelist"))

    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()


def test_the_audit_change_page_is_read_only(admin_user: User, entry: AuditEntry) -> None:
    response = browser_of(admin_user).get(reverse("admin:audit_auditentry_change", args=[entry.pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert 'name="_save"' not in response.content.decode()


def test_posting_to_the_change_page_changes_nothing(admin_user: User, entry: AuditEntry) -> None:
    response = browser_of(admin_user).post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]),
        {"action": "nothing_happened", "remark": "rewritten", "changes": "{}", "_save": "Save"},
    )

    assert response.status_code == 403
    assert_unchanged(entry)


def test_the_delete_page_is_refused_and_the_entry_stays(admin_user: User, entry: AuditEntry) -> None:
    browser = browser_of(admin_user)
    url = reverse("admin:audit_auditentry_delete", args=[entry.pk])

    assert browser.get(url).status_code == 403
    assert browser.post(url, {"post": "yes"}).status_code == 403
    assert_unchanged(entry)


def test_the_delete_selected_action_is_refused_and_the_entry_stays(
    admin_user: User, entry: AuditEntry
) -> None:
    browser_of(admin_user).post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert_unchanged(entry)


def test_the_add_page_is_refused(admin_user: User, entry: AuditEntry) -> None:
    browser = browser_of(admin_user)
    url = reverse("admin:audit_auditentry_add")

    assert browser.get(url).status_code == 403
    assert browser.post(url, {"action": "forged", "actor_label": "nobody"}).status_code == 403
    assert not AuditEntry.objects.filter(action="forged").exists()


def test_no_role_holds_a_permission_to_add_change_or_delete_audit_entries(db: None) -> None:
    ensure_role_groups()
    writes = Permission.objects.filter(
        content_type__app_label="audit",
        codename__in=["add_auditentry", "change_auditentry", "delete_auditentry"],
    )

    assert not writes.filter(group__isnull=False).exists()


def test_a_supervisor_reads_the_trail_but_cannot_write_it(supervisor: User, entry: AuditEntry) -> None:
    supervisor.is_staff = True
    supervisor.save(update_fields=["is_staff"])
    browser = browser_of(supervisor)

    assert browser.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert (
        browser.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert_unchanged(entry)


# --- pages and the API ------------------------------------------------------------


def test_no_page_or_api_route_outside_the_admin_is_about_the_audit_trail() -> None:
    from tests.test_role_access import SITE_ROUTES

    assert [route.key for route in SITE_ROUTES if "audit" in f"{route.key} {route.route}".lower()] == []


# --- the database itself (PostgreSQL) ---------------------------------------------------


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


@needs_postgresql
@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE audit_auditentry SET remark = 'rewritten' WHERE id = %s", id="update"),
        pytest.param("DELETE FROM audit_auditentry WHERE id = %s", id="delete"),
        pytest.param("UPDATE audit_auditentry SET actor_id = NULL, action = 'x' WHERE id = %s", id="sneaky"),
    ],
)
def test_raw_sql_cannot_change_or_delete_an_entry(entry: AuditEntry, statement: str) -> None:
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])

    assert_unchanged(entry)


@needs_postgresql
def test_deleting_the_actor_still_clears_the_link_and_keeps_the_label(entry: AuditEntry, clerk: User) -> None:
    label = entry.actor_label
    clerk.delete()

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_id is None
    assert stored.actor_label == label
    assert stored.changes == ORIGINAL
