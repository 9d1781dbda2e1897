"""The public home page and the admin walk-through of the state machine."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, User
from services.constants import State
from services.models import Application, RefusalGround, Service

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_three_services_with_their_norms(client: Client, aktau: object) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = response.content.decode()
    for service in Service.objects.all():
        assert service.name_en in text
    assert text.count(">10 minutes<") == 3
    assert text.count(">15 minutes<") == 3
    assert text.count(">5 minutes<") == 3
    assert "Served at the chancellery only" in text  # S2


def test_the_home_page_is_in_russian_by_default_and_in_kazakh_on_request(
    client: Client, aktau: object
) -> None:
    russian = client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    kazakh = client.get("/").content.decode()

    assert 'lang="ru"' in russian and "Регистрация лиц, ищущих работу" in russian
    assert 'lang="kk"' in kazakh and "Жұмыс іздеген адамдарды тіркеу" in kazakh


def test_the_home_page_says_so_when_no_reglament_is_in_force(client: Client, region: object) -> None:
    # Only the historical 2017 versions exist: they ended with the 2020 repeal.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.content.decode().count("No reglament of this service is in force today.") == 3


def test_the_home_page_keeps_a_constant_number_of_queries(
    client: Client, aktau: object, zhanaozen: object, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        client.get("/")


def test_the_health_endpoint_reports_the_database(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_an_administrator_walks_an_application_through_every_step_in_the_admin(
    client: Client, administrator: User, applicant: Applicant
) -> None:
    client.force_login(administrator)
    s2 = Service.objects.get(code="S2")

    response = client.post(
        reverse("admin:services_application_receive"),
        {"applicant": applicant.pk, "service": s2.pk, "measure_kind": ""},
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.state == State.RECEIVED

    def transition(name: str, data: dict[str, object] | None = None) -> None:
        url = reverse("admin:services_application_transition", args=[application.pk, name])
        assert client.get(url).status_code == 200
        response = client.post(url, data or {})
        assert response.status_code == 302, response.content.decode()[-3000:]

    transition("register")
    transition("take")
    transition("sign_result", {"result_text": "Справка о регистрации в качестве безработного."})
    page = client.get(reverse("admin:services_application_change", args=[application.pk]))
    assert page.status_code == 200
    transition("issue", {"recipient_document": "N 012345678", "journal_signed": "on"})

    application.refresh_from_db()
    assert application.state == State.ISSUED
    assert application.steps.filter(finished_at__isnull=False).count() == 3


def test_a_refused_admin_transition_shows_the_reason_and_changes_nothing(
    client: Client, administrator: User, applicant: Applicant
) -> None:
    client.force_login(administrator)
    client.post(
        reverse("admin:services_application_receive"),
        {"applicant": applicant.pk, "service": Service.objects.get(code="S1").pk},
    )
    application = Application.objects.get()
    ground = RefusalGround.objects.get(code="incomplete-package")  # an S2 ground

    response = client.post(
        reverse("admin:services_application_transition", args=[application.pk, "refuse_intake"]),
        {"ground": ground.pk, "reason": "нет документа"},
    )

    assert response.status_code == 200  # the form again, with the error
    assert (
        "Select a valid choice" in response.content.decode()
        or "Выберите корректный" in response.content.decode()
    )
    application.refresh_from_db()
    assert application.state == State.RECEIVED
