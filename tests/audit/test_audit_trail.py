"""The audit trail is append-only: an entry is never changed and never deleted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from applicants.models import Applicant, User
from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import ApplicantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> User:
    return UserFactory(username="clerk.aktau")


@pytest.fixture
def entry(actor: User) -> AuditEntry:
    applicant: Applicant = ApplicantFactory()
    return audit_record(
        actor=actor,
        action="applicant_update",
        target=applicant,
        changes={"phone": {"from": "+7 701 111 2233", "to": "+7 702 444 5566"}},
    )


def change_and_save(entry: AuditEntry) -> None:
    entry.action = "nothing_happened"
    entry.save()


def delete_the_instance(entry: AuditEntry) -> None:
    entry.delete()


def delete_through_the_queryset(entry: AuditEntry) -> None:
    AuditEntry.objects.filter(pk=entry.pk).delete()


def delete_everything(entry: AuditEntry) -> None:
    AuditEntry.objects.all().delete()


def update_through_the_queryset(entry: AuditEntry) -> None:
    AuditEntry.objects.filter(pk=entry.pk).update(action="nothing_happened")


def bulk_update(entry: AuditEntry) -> None:
    entry.remark = "rewritten"
    AuditEntry.objects.bulk_update([entry], ["remark"])


TAMPERING = [
    pytest.param(change_and_save, id="save"),
    pytest.param(delete_the_instance, id="instance.delete"),
    pytest.param(delete_through_the_queryset, id="queryset.delete"),
    pytest.param(delete_everything, id="all().delete"),
    pytest.param(update_through_the_queryset, id="queryset.update"),
    pytest.param(bulk_update, id="bulk_update"),
]


@pytest.mark.parametrize("tamper", TAMPERING)
def test_changing_or_deleting_an_audit_entry_is_refused(
    entry: AuditEntry, tamper: Callable[[AuditEntry], None]
) -> None:
    with pytest.raises(PermissionError):
        tamper(entry)


@pytest.mark.parametrize("tamper", TAMPERING)
def test_an_audit_entry_is_still_there_unchanged_after_a_refused_attempt(
    entry: AuditEntry, actor: User, tamper: Callable[[AuditEntry], None]
) -> None:
    # bulk_update opens an atomic block without a savepoint: give the attempt its own.
    with pytest.raises(PermissionError), transaction.atomic():
        tamper(entry)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "applicant_update"
    assert stored.remark == ""
    assert stored.actor == actor
    assert stored.changes == {"phone": {"from": "+7 701 111 2233", "to": "+7 702 444 5566"}}


def test_the_refusal_says_why(entry: AuditEntry) -> None:
    with pytest.raises(PermissionError, match="cannot be deleted"):
        entry.delete()


def test_a_new_entry_is_written_as_often_as_needed(entry: AuditEntry, actor: User) -> None:
    audit_record(actor=actor, action="applicant_update", target=entry, remark="a second entry")

    assert AuditEntry.objects.count() == 2


def test_an_entry_keeps_the_actor_as_recorded_when_the_user_is_deleted(
    entry: AuditEntry, actor: User
) -> None:
    label = f"clerk.aktau (#{actor.pk})"
    actor.delete()

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_label == label
