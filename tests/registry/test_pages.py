"""The staff pages of the registers and referrals: scoped to the office,
constant queries per page, forms that keep what was typed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import User
from registry.constants import Register
from registry.models import Referral, RegisterEntry
from services import services as svc
from tests.factories import ApplicantFactory
from tests.registry.conftest import listed, login

pytestmark = pytest.mark.django_db


def referral_row(clerk: User, **kwargs: Any) -> Referral:
    application = svc.application_receive(
        clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S3", measure_kind="public_works"
    )
    return Referral.objects.create(
        application=application,
        applicant=application.applicant,
        office_id=application.office_id,
        kind="public_works",
        issued_on=timezone.localdate(),
        **kwargs,
    )


def test_the_register_page_lists_the_open_entries_of_the_clerks_office_only(
    client: Client, clerk: User, zhanaozen_clerk: User
) -> None:
    ours = listed(ApplicantFactory(last_name="Наш"), clerk=clerk)
    theirs = listed(ApplicantFactory(last_name="Чужой"), clerk=zhanaozen_clerk)

    page = login(client, clerk).get(reverse("services:registers")).content.decode()

    assert f'data-entry="{ours.pk}"' in page
    assert f'data-entry="{theirs.pk}"' not in page


def test_the_register_page_filters_by_register(client: Client, clerk: User) -> None:
    seeker = listed(ApplicantFactory(), clerk=clerk)
    unemployed = listed(ApplicantFactory(), clerk=clerk, register=Register.UNEMPLOYED)

    page = (
        login(client, clerk).get(reverse("services:registers"), {"register": "unemployed"}).content.decode()
    )

    assert f'data-entry="{unemployed.pk}"' in page
    assert f'data-entry="{seeker.pk}"' not in page


@pytest.mark.parametrize("rows", [10, 50])
def test_the_register_page_costs_the_same_queries_for_10_and_50_rows(
    client: Client, clerk: User, rows: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(rows):
        listed(ApplicantFactory(), clerk=clerk)
    login(client, clerk)
    client.get(reverse("services:registers"))  # warm the session and permission caches

    with django_assert_max_num_queries(8):
        response = client.get(reverse("services:registers"))

    assert response.content.decode().count("data-entry=") == rows


def test_the_register_page_pages_by_keyset(client: Client, clerk: User) -> None:
    entries = [listed(ApplicantFactory(), clerk=clerk) for _ in range(52)]
    login(client, clerk)

    first = client.get(reverse("services:registers"))
    second = client.get(reverse("services:registers"), {"before": first.context["next_before"]})

    assert first.content.decode().count("data-entry=") == 50
    assert {e.pk for e in second.context["entries"]} == {entries[0].pk, entries[1].pk}
    assert second.context["next_before"] is None


def test_a_clerk_closes_an_entry_on_its_page(client: Client, clerk: User) -> None:
    entry = listed(ApplicantFactory(), clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=3))

    response = login(client, clerk).post(
        reverse("services:register-entry-close", args=[entry.pk]),
        {"reason": "employed", "closed_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.closed_on == timezone.localdate() and entry.closed_by == clerk


def test_closing_before_the_entry_was_opened_shows_the_message_and_keeps_the_input(
    client: Client, clerk: User
) -> None:
    entry = listed(ApplicantFactory(), clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=3))
    typed = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()

    response = login(client, clerk).post(
        reverse("services:register-entry-close", args=[entry.pk]), {"reason": "employed", "closed_on": typed}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "An entry cannot be closed before it was opened" in page
    assert f'value="{typed}"' in page
    entry.refresh_from_db()
    assert entry.closed_on is None


def test_a_supervisor_may_close_entries_too(client: Client, clerk: User, supervisor: User) -> None:
    entry = listed(ApplicantFactory(), clerk=clerk)

    response = login(client, supervisor).post(
        reverse("services:register-entry-close", args=[entry.pk]),
        {"reason": "did_not_report", "closed_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    assert RegisterEntry.objects.get(pk=entry.pk).closed_by == supervisor


def test_an_entry_of_another_office_is_not_found(client: Client, clerk: User, zhanaozen_clerk: User) -> None:
    entry = listed(ApplicantFactory(), clerk=clerk)
    login(client, zhanaozen_clerk)

    assert client.get(reverse("services:register-entry-close", args=[entry.pk])).status_code == 404
    response = client.post(
        reverse("services:register-entry-close", args=[entry.pk]),
        {"reason": "employed", "closed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.closed_on is None


def test_an_executor_has_no_register_pages(client: Client, executor: User) -> None:
    assert login(client, executor).get(reverse("services:registers")).status_code == 403


# --- referrals -----------------------------------------------------------------


def test_the_referrals_page_lists_the_offices_referrals_only(
    client: Client, clerk: User, zhanaozen_clerk: User
) -> None:
    ours = referral_row(clerk)
    theirs = referral_row(zhanaozen_clerk)

    page = login(client, clerk).get(reverse("services:referrals")).content.decode()

    assert f'data-referral="{ours.pk}"' in page
    assert f'data-referral="{theirs.pk}"' not in page


@pytest.mark.parametrize("rows", [10, 50])
def test_the_referrals_page_costs_the_same_queries_for_10_and_50_rows(
    client: Client, clerk: User, rows: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(rows):
        referral_row(clerk)
    login(client, clerk)
    client.get(reverse("services:referrals"))

    with django_assert_max_num_queries(8):
        response = client.get(reverse("services:referrals"))

    assert response.content.decode().count("data-referral=") == rows


def test_a_clerk_records_an_outcome_on_its_page(client: Client, clerk: User) -> None:
    referral = referral_row(clerk)

    response = login(client, clerk).post(
        reverse("services:referral-outcome", args=[referral.pk]), {"outcome": "did_not_come", "reason": ""}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.outcome == "did_not_come"


def test_not_hired_without_a_reason_on_the_page_shows_the_message(client: Client, clerk: User) -> None:
    referral = referral_row(clerk)

    response = login(client, clerk).post(
        reverse("services:referral-outcome", args=[referral.pk]), {"outcome": "not_hired", "reason": ""}
    )

    assert response.status_code == 422
    assert "the reason is required for this outcome" in response.content.decode()
    referral.refresh_from_db()
    assert referral.outcome == "pending"


def test_a_referral_of_another_office_is_not_found(
    client: Client, clerk: User, zhanaozen_clerk: User
) -> None:
    referral = referral_row(clerk)

    response = login(client, zhanaozen_clerk).post(
        reverse("services:referral-outcome", args=[referral.pk]), {"outcome": "hired", "reason": ""}
    )

    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.outcome == "pending"
