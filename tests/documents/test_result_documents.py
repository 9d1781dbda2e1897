"""The A4 PDF of every signed result (issue 5, acceptance 1): rendered on
PostgreSQL, read back with pdftotext, page 1 of each kind kept as a PNG
under var/test-artefacts/documents/ for a person to look at; rendered once,
after the signing commits."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from config.celery import app as celery_app
from services import services as svc
from services.constants import ResultKind, State
from services.documents import KIND_TEXT, mask_name, result_document_render
from services.models import RenderedDocument
from services.tasks import render_missing_result_documents
from tests.documents.conftest import SignedResult, pdf_text, poppler, save_page_one
from tests.flows import desk_application

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="issue 5: documents are checked on PostgreSQL"
    ),
]

ALL_KINDS = list(ResultKind.values)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_result_kind_prints_its_number_both_titles_and_the_applicants_name(
    kind: str, signed_result: SignedResult
) -> None:
    result = signed_result(kind)

    document = result_document_render(result_id=result.pk)
    pdf = bytes(document.pdf)
    save_page_one(kind, pdf)
    text = pdf_text(pdf)

    assert result.application.number and result.application.number in text
    assert " ".join(KIND_TEXT[kind].title_kk.split()) in text
    assert " ".join(KIND_TEXT[kind].title_ru.split()) in text
    assert "Жумабаев Ерлан Болатович" in text


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_result_kind_fits_on_one_a4_page(kind: str, signed_result: SignedResult) -> None:
    pdf = bytes(result_document_render(result_id=signed_result(kind).pk).pdf)

    info = poppler("pdfinfo", "-", pdf=pdf)

    assert "595.276 x 841.89 pts (A4)" in info
    assert "Pages:           1" in info


def test_a_document_carries_the_letterhead_the_signer_the_content_hash_and_its_code(
    signed_result: SignedResult, executor: User, settings: pytest.FixtureRequest
) -> None:
    settings.PORTAL_BASE_URL = "https://portal.example.kz"  # type: ignore[attr-defined]
    result = signed_result(ResultKind.CERTIFICATE)

    document = result_document_render(result_id=result.pk)
    text = pdf_text(bytes(document.pdf))

    assert "Ақтау қ. жұмыспен қамту орталығы" in text
    assert "Центр занятости г. Актау" in text
    assert "14-шағын аудан" in text and "14-й микрорайон" in text
    assert executor.get_full_name() in text
    assert result.certificate_serial in text
    assert result.content_sha256[:32] in text and result.content_sha256[32:] in text
    assert document.grouped_code in text
    assert f"https://portal.example.kz/verify/{document.code}/" in text


def test_a_document_shows_the_signing_time_in_the_office_time_zone(
    signed_result: SignedResult, settings: pytest.FixtureRequest
) -> None:
    settings.TIME_ZONE = "UTC"  # type: ignore[attr-defined]
    result = signed_result(ResultKind.NOTIFICATION)

    text = pdf_text(bytes(result_document_render(result_id=result.pk).pdf))

    local = result.signed_at.astimezone(result.application.office.tz)
    assert f"{local:%d.%m.%Y %H:%M}" in text


def test_a_referral_names_the_employer_the_position_the_address_and_the_validity(
    signed_result: SignedResult,
) -> None:
    result = signed_result(ResultKind.REFERRAL_EMPLOYMENT)
    assert result.vacancy is not None and result.vacancy.closes_on is not None

    text = pdf_text(bytes(result_document_render(result_id=result.pk).pdf))

    assert "«Каспий Сервис» ЖШС" in text and "ТОО «Каспий Сервис»" in text
    assert "Электргазбен дәнекерлеуші" in text and "Электрогазосварщик" in text
    assert "г. Актау, 9-й мкр., здание 3" in text
    assert f"{result.vacancy.closes_on:%d.%m.%Y}" in text


def test_a_programme_referral_prints_the_programme_and_its_period(signed_result: SignedResult) -> None:
    result = signed_result(ResultKind.REFERRAL_PUBLIC_WORKS)
    assert result.programme is not None

    text = pdf_text(bytes(result_document_render(result_id=result.pk).pdf))

    assert "Общественные работы — благоустройство" in text
    assert f"{result.programme.starts_on:%d.%m.%Y} – {result.programme.ends_on:%d.%m.%Y}" in text


def test_a_refusal_states_its_ground_the_legal_reference_the_reason_and_how_to_appeal(
    signed_result: SignedResult,
) -> None:
    result = signed_result(ResultKind.REFUSAL)

    text = pdf_text(bytes(result_document_render(result_id=result.pk).pdf))

    assert "Недостоверность документов" in text
    assert "Құжаттардың және (немесе) олардағы деректердің" in text
    assert result.application.refusal_ground is not None
    assert " ".join(result.application.refusal_ground.legal_reference_ru.split()) in text
    assert "Сведения о трудовой деятельности не подтверждены." in text
    assert "Административным процедурно-процессуальным кодексом Республики Казахстан" in text
    assert "Әкімшілік рәсімдік-процестік кодексінде" in text


def test_the_document_shows_a_masked_iin_never_the_whole_one(
    signed_result: SignedResult, applicant: Applicant
) -> None:
    text = pdf_text(bytes(result_document_render(result_id=signed_result(ResultKind.CERTIFICATE).pk).pdf))

    assert applicant.masked_iin in text
    assert applicant.iin not in text


def test_rendering_twice_keeps_one_row_with_the_same_bytes_and_code(signed_result: SignedResult) -> None:
    result = signed_result(ResultKind.NOTIFICATION)

    first = result_document_render(result_id=result.pk)
    stored = bytes(RenderedDocument.objects.get(pk=first.pk).pdf)
    second = result_document_render(result_id=result.pk)

    assert RenderedDocument.objects.filter(result=result).count() == 1
    assert second.pk == first.pk and second.code == first.code
    assert bytes(RenderedDocument.objects.get(pk=first.pk).pdf) == stored


def test_a_stored_document_cannot_be_changed_other_than_revoked(signed_result: SignedResult) -> None:
    document = result_document_render(result_id=signed_result(ResultKind.NOTIFICATION).pk)

    document.pdf_sha256 = "0" * 64
    with pytest.raises(PermissionError):
        document.save()


def test_signing_renders_the_pdf_once_the_transaction_commits(
    clerk: User,
    executor: User,
    applicant: Applicant,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)  # the test is not about the queue
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S2", until=State.IN_REVIEW
    )
    assert not RenderedDocument.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        svc.application_sign_result(application_id=application.pk, executor=executor, result_text="Справка.")

    document = RenderedDocument.objects.get(result__application=application)
    assert bytes(document.pdf).startswith(b"%PDF-")


def test_a_signing_that_is_refused_renders_nothing(
    clerk: User,
    executor: User,
    second_executor: User,
    applicant: Applicant,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S2", until=State.IN_REVIEW
    )

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(svc.ServiceError):  # type: ignore[operator]
        svc.application_sign_result(application_id=application.pk, executor=second_executor, result_text="X")

    assert not RenderedDocument.objects.exists()


def test_a_name_is_masked_to_the_surname_and_initials() -> None:
    assert mask_name("Жумабаев Ерлан Болатович") == "Жумабаев Е. Б."
    assert mask_name("Әлиева Айгүл") == "Әлиева А."
    assert mask_name("  ") == ""


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_the_citizen_downloads_the_pdf_of_their_result_once_it_is_rendered(
    client: Client, citizen: User, signed_result: SignedResult
) -> None:
    result = signed_result(ResultKind.NOTIFICATION)
    page = reverse("cabinet-requests:detail", args=[result.application_id])
    url = reverse("cabinet-requests:result-pdf", args=[result.application_id])
    _login(client, citizen)

    assert "being prepared" in client.get(page).content.decode()
    document = result_document_render(result_id=result.pk)
    response = client.get(url)

    assert url in client.get(page).content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(RenderedDocument.objects.get(pk=document.pk).pdf)


def test_another_citizen_cannot_download_the_pdf(
    client: Client, signed_result: SignedResult, django_user_model: type[User]
) -> None:
    result = signed_result(ResultKind.NOTIFICATION)
    result_document_render(result_id=result.pk)
    stranger = django_user_model.objects.create_user(username="950101300038", iin="950101300038")

    response = _login(client, stranger).get(
        reverse("cabinet-requests:result-pdf", args=[result.application_id])
    )

    assert response.status_code == 404


def test_staff_of_the_office_download_the_pdf_from_the_request_page(
    client: Client, clerk: User, signed_result: SignedResult
) -> None:
    result = signed_result(ResultKind.CERTIFICATE)
    page = reverse("services:application", args=[result.application_id])
    _login(client, clerk)
    assert "being prepared" in client.get(page).content.decode()
    result_document_render(result_id=result.pk)

    response = client.get(reverse("services:result-pdf", args=[result.application_id]))

    assert reverse("services:result-pdf", args=[result.application_id]) in client.get(page).content.decode()
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_staff_of_another_office_cannot_download_the_pdf(
    client: Client, zhanaozen_clerk: User, signed_result: SignedResult
) -> None:
    result = signed_result(ResultKind.CERTIFICATE)
    result_document_render(result_id=result.pk)

    response = _login(client, zhanaozen_clerk).get(
        reverse("services:result-pdf", args=[result.application_id])
    )

    assert response.status_code == 404


def test_a_result_whose_rendering_task_was_lost_is_rendered_by_the_periodic_task(
    signed_result: SignedResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)  # the test is not about the queue
    # Signed inside the test's transaction: its on-commit rendering never ran.
    result = signed_result(ResultKind.NOTIFICATION)
    assert not RenderedDocument.objects.exists()

    assert render_missing_result_documents() == 0  # just signed: its own task may still come
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3), tick=False):
        assert render_missing_result_documents() == 1
        assert render_missing_result_documents() == 0

    assert RenderedDocument.objects.get().result_id == result.pk
