"""Target-group memberships decide eligibility for social jobs; they are
edited in the admin only, so every add, change and delete there is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, User
from audit.models import AuditEntry
from registry.models import TargetGroup, TargetGroupMembership
from tests.registry.conftest import in_group


def _admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


@pytest.mark.django_db
def test_adding_a_membership_in_the_admin_is_audited_with_its_actor(
    administrator: User, applicant: Applicant
) -> None:
    group = TargetGroup.objects.filter(is_active=True).first()
    assert group is not None

    response = _admin_client(administrator).post(
        reverse("admin:registry_targetgroupmembership_add"),
        {
            "applicant": applicant.pk,
            "group": group.pk,
            "since": "2026-01-05",
            "until": "",
            "document_note": "MSE-1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    membership = TargetGroupMembership.objects.get(applicant=applicant)
    [entry] = _entries("target_group_membership_add")
    assert entry.actor == administrator
    assert entry.target_id == str(membership.pk)
    assert entry.changes["since"] == "2026-01-05"


@pytest.mark.django_db
def test_changing_and_deleting_a_membership_in_the_admin_are_audited(
    administrator: User, applicant: Applicant
) -> None:
    membership = in_group(applicant, TargetGroup.objects.filter(is_active=True).first().code)  # type: ignore[union-attr]
    client = _admin_client(administrator)

    response = client.post(
        reverse("admin:registry_targetgroupmembership_change", args=[membership.pk]),
        {
            "applicant": applicant.pk,
            "group": membership.group_id,
            "since": membership.since.isoformat(),
            "until": "2026-12-31",
            "document_note": "",
        },
    )
    assert response.status_code == 302
    [change] = _entries("target_group_membership_change")
    assert change.changes == {"until": "2026-12-31"}

    response = client.post(
        reverse("admin:registry_targetgroupmembership_changelist"),
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TargetGroupMembership.objects.exists()
    [deletion] = _entries("target_group_membership_delete")
    assert deletion.actor == administrator
    assert deletion.target_id == str(membership.pk)
