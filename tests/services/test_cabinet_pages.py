"""The citizen's cabinet (P5, P8–P10) as mounted by config.urls: the list,
a new request, the draft's form and documents, the timeline and the signed
result. Only the owner sees a request; uploads are judged by content, size
and count; a draft survives leaving the page; every state change of a
portal request e-mails its applicant once."""

from __future__ import annotations

import datetime
import html
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from audit.models import AuditEntry
from config.celery import app as celery_app
from registry.constants import MeasureKind
from registry.models import Employer, Vacancy
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Attachment, Notification, RequiredDocument
from services.uploads import safe_display_name
from tests.factories import ApplicantFactory, UserFactory
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
S1_ANSWERS = {
    "education_level": "vocational",
    "specialty": "Электрик",
    "work_history": "ТОО «Мангистаумунайгаз», 2015–2023, электромонтёр",
    "desired_job": "Электромонтёр",
    "desired_pay": "250 000",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files of each test in a directory of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def page_client(client: Client) -> Client:
    """A browser that asked for English pages (the messages asserted are the English source)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def owner(page_client: Client, citizen: User) -> Client:
    page_client.force_login(citizen)
    return page_client


@pytest.fixture
def stranger(page_client: Client) -> Client:
    other = ApplicantFactory()
    user = UserFactory(username=other.iin, iin=other.iin)
    other.user = user
    other.save(update_fields=["user"])
    page_client.force_login(user)
    return page_client


def make_draft(citizen: User, applicant: Applicant, office: Office, **kwargs: Any) -> Application:
    return svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=office.pk, service_code="S1", **kwargs
    )


@pytest.fixture
def draft(citizen: User, applicant: Applicant, aktau: Office) -> Application:
    return make_draft(citizen, applicant, aktau)


def document(application: Application, position: int = 0) -> RequiredDocument:
    return svc.required_documents(application)[position]


def attach(
    application: Application, citizen: User, *, position: int = 0, name: str = "passport.pdf"
) -> Attachment:
    return svc.attachment_add(
        application_id=application.pk,
        actor=citizen,
        document_id=document(application, position).pk,
        upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
    )


def ready_draft(citizen: User, applicant: Applicant, office: Office) -> Application:
    """An S1 draft with every answer and every mandatory document."""
    application = make_draft(citizen, applicant, office)
    svc.draft_update(
        application_id=application.pk,
        actor=citizen,
        data={**S1_ANSWERS, "desired_pay": 250000},
    )
    for position, required in enumerate(svc.required_documents(application)):
        if required.mandatory:
            attach(application, citizen, position=position)
    return Application.objects.get(pk=application.pk)


def submit(application: Application, citizen: User, applicant: Applicant) -> Application:
    signature = sign_request(application, citizen_certificate(applicant))
    return svc.application_submit(application_id=application.pk, actor=citizen, signature=signature)


@pytest.fixture
def decided(citizen: User, applicant: Applicant, aktau: Office, executor: User) -> Application:
    """A portal request signed, registered, reviewed and delivered (P10)."""
    application = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)
    svc.application_take(application_id=application.pk, executor=executor)
    return svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Вы зарегистрированы как ищущий работу."
    )


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def upload(
    client: Client, application: Application, required: RequiredDocument, file: SimpleUploadedFile
) -> Any:
    return client.post(
        reverse("cabinet-requests:attachment-upload", args=[application.pk]),
        {"document": str(required.pk), f"doc{required.pk}-file": file},
    )


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- every page renders for its owner ---------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_cabinet_page_renders_for_its_owner_in_russian_and_kazakh(
    client: Client,
    citizen: User,
    applicant: Applicant,
    aktau: Office,
    decided: Application,
    language: str,
) -> None:
    draft = ready_draft(citizen, applicant, aktau)
    client.cookies["django_language"] = language
    client.force_login(citizen)
    urls = [
        reverse("cabinet:home"),
        reverse("cabinet-requests:list"),
        reverse("cabinet-requests:new"),
        reverse("cabinet-requests:edit", args=[draft.pk]),
        reverse("signing:sign", args=[draft.pk]),
        reverse("cabinet-requests:detail", args=[decided.pk]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode(), url


def test_the_cabinet_is_mounted_under_cabinet_and_the_service_pages_under_services() -> None:
    assert reverse("cabinet:home") == reverse("cabinet-requests:list") == "/cabinet/"
    assert reverse("cabinet:login") == "/cabinet/login/"
    assert reverse("cabinet-requests:detail", args=[7]) == "/cabinet/requests/7/"
    assert reverse("signing:sign", args=[7]) == "/cabinet/requests/7/sign/"
    assert reverse("services-public:service", args=["S1"]) == "/services/S1/"


def test_the_home_page_links_to_the_service_pages_and_the_citizen_login(
    page_client: Client, aktau: Office
) -> None:
    page = text(page_client.get(reverse("home")))

    for code in ("S1", "S2", "S3"):
        assert f'href="{reverse("services-public:service", args=[code])}"' in page
    assert f'href="{reverse("cabinet:login")}"' in page
    assert f'href="{reverse("cabinet:register")}"' in page
    assert f'href="{reverse("cabinet-requests:new")}?service=S1"' in page
    assert f'href="{reverse("cabinet-requests:new")}?service=S2"' not in page  # chancellery only


def test_the_header_shows_the_logged_in_citizen_with_a_logout_button(owner: Client, citizen: User) -> None:
    page = text(owner.get(reverse("home")))

    assert citizen.get_full_name() in page
    assert f'action="{reverse("cabinet:logout")}"' in page
    assert f'href="{reverse("cabinet:home")}"' in page
    assert "Log in to your cabinet" not in page


def test_the_list_shows_number_service_status_next_step_and_due_time(
    owner: Client,
    decided: Application,
    draft: Application,
    citizen: User,
    applicant: Applicant,
    aktau: Office,
) -> None:
    registered = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)

    page = text(owner.get(reverse("cabinet-requests:list")))

    assert f'<span class="number">{registered.number}</span>' in page
    assert f'<span class="number">{decided.number}</span>' in page
    assert f"Draft #{draft.pk}" in page
    assert 'class="badge state state-registered">Registered<' in page
    assert 'class="badge state state-issued">Issued<' in page
    assert "Waiting for the executor to start the review" in page
    assert "Nothing: download the signed result" in page
    due = registered.due_at.astimezone(aktau.tz).strftime("%d.%m.%Y %H:%M")
    assert due in page
    assert f'href="{reverse("cabinet-requests:new")}"' in page


def test_the_new_request_page_offers_s1_and_s3_and_sends_s2_to_the_offices(
    owner: Client, aktau: Office, zhanaozen: Office
) -> None:
    page = text(owner.get(reverse("cabinet-requests:new")))

    assert 'value="S1"' in page and 'value="S3"' in page
    assert 'value="S2"' not in page
    assert 'data-desk-only="S2"' in page
    assert "served at the chancellery only" in page
    assert aktau.name in page and zhanaozen.name in page
    assert "Where the offices are" in page


def test_the_detail_shows_the_timeline_in_the_offices_time_and_the_result_downloads(
    owner: Client, decided: Application, aktau: Office
) -> None:
    page = text(owner.get(reverse("cabinet-requests:detail", args=[decided.pk])))

    assert f'<span class="number fs-5" id="request-number">{decided.number}</span>' in page
    assert 'class="badge state state-issued">Issued<' in page
    for step in decided.steps.all():
        assert f'data-step="{step.code}" data-status="done"' in page
        assert step.due_at.astimezone(aktau.tz).strftime("%d.%m.%Y %H:%M") in page
        assert step.finished_at is not None
        assert step.finished_at.astimezone(aktau.tz).strftime("%d.%m.%Y %H:%M") in page
    for procedure in decided.reglament_version.procedures.all():
        assert f"norm {procedure.norm_minutes} minutes" in page
    assert "Вы зарегистрированы как ищущий работу." in page
    assert f'href="{reverse("cabinet-requests:result-document", args=[decided.pk])}"' in page
    assert f'href="{reverse("cabinet-requests:result-signature", args=[decided.pk])}"' in page


def test_a_running_step_shows_its_due_time_and_a_countdown(
    owner: Client, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    registered = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)

    page = text(owner.get(reverse("cabinet-requests:detail", args=[registered.pk])))

    assert 'data-step="review" data-status="running"' in page
    assert "working minute" in page
    assert 'data-step="issuance" data-status="waiting"' in page


def test_the_result_and_its_detached_signature_download_byte_for_byte(
    owner: Client, decided: Application
) -> None:
    result = decided.result

    document = owner.get(reverse("cabinet-requests:result-document", args=[decided.pk]))
    signature = owner.get(reverse("cabinet-requests:result-signature", args=[decided.pk]))

    assert document.content == bytes(result.content)
    assert document["Content-Disposition"] == f'attachment; filename="result-{decided.number}.json"'
    assert signature.content == bytes(result.signature)
    assert signature["Content-Type"] == "application/pkcs7-signature"
    assert signature["Content-Disposition"].endswith('.json.p7s"')


def test_there_is_no_result_to_download_before_the_decision(
    owner: Client, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    registered = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)

    assert owner.get(reverse("cabinet-requests:result-document", args=[registered.pk])).status_code == 404
    assert owner.get(reverse("cabinet-requests:result-signature", args=[registered.pk])).status_code == 404


# --- only the owner; anonymous to the citizen login; no cabinet for staff ------------------


def someone_elses_urls(
    draft: Application, attachment: Attachment, decided: Application
) -> list[tuple[str, str]]:
    return [
        ("get", reverse("cabinet-requests:detail", args=[decided.pk])),
        ("get", reverse("cabinet-requests:edit", args=[draft.pk])),
        ("post", reverse("cabinet-requests:edit", args=[draft.pk])),
        ("get", reverse("cabinet-requests:attachment-download", args=[draft.pk, attachment.pk])),
        ("post", reverse("cabinet-requests:attachment-delete", args=[draft.pk, attachment.pk])),
        ("post", reverse("cabinet-requests:attachment-upload", args=[draft.pk])),
        ("get", reverse("cabinet-requests:result-document", args=[decided.pk])),
        ("get", reverse("cabinet-requests:result-signature", args=[decided.pk])),
        ("get", reverse("signing:sign", args=[draft.pk])),
        ("post", reverse("signing:sign", args=[draft.pk])),
    ]


def test_another_citizen_gets_not_found_on_every_cabinet_url_of_someone_elses_request(
    stranger: Client, draft: Application, citizen: User, decided: Application
) -> None:
    attachment = attach(draft, citizen)

    for method, url in someone_elses_urls(draft, attachment, decided):
        response = getattr(stranger, method)(url)
        assert response.status_code == 404, (method, url)

    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert Application.objects.get(pk=draft.pk).data == {}


def test_an_anonymous_visitor_is_sent_to_the_citizen_login_from_every_cabinet_page(
    page_client: Client, draft: Application, citizen: User
) -> None:
    attachment = attach(draft, citizen)
    urls = [
        reverse("cabinet:home"),
        reverse("cabinet-requests:new"),
        reverse("cabinet-requests:edit", args=[draft.pk]),
        reverse("cabinet-requests:detail", args=[draft.pk]),
        reverse("cabinet-requests:attachment-download", args=[draft.pk, attachment.pk]),
        reverse("signing:sign", args=[draft.pk]),
    ]

    for url in urls:
        response = page_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{reverse('cabinet:login')}?next="), url


def test_a_staff_member_has_no_cabinet(page_client: Client, clerk: User, draft: Application) -> None:
    page_client.force_login(clerk)

    assert page_client.get(reverse("cabinet:home")).status_code == 403
    assert page_client.get(reverse("cabinet-requests:new")).status_code == 403
    assert page_client.get(reverse("cabinet-requests:edit", args=[draft.pk])).status_code == 403
    assert page_client.get(reverse("signing:sign", args=[draft.pk])).status_code == 404


# --- uploads: refused with a clear message and nothing stored ------------------------------


def assert_upload_refused(
    response: Any, message: str, draft: Application, media: Path, *, files: int = 0
) -> None:
    assert response.status_code == 422
    page = text(response)
    assert 'id="upload-error-summary"' in page
    assert message in page
    assert Attachment.objects.filter(application=draft).count() == files
    assert len(stored_files(media)) == files


def test_a_text_file_renamed_to_pdf_is_refused_by_its_content(
    owner: Client, draft: Application, _media: Path
) -> None:
    fake = SimpleUploadedFile(
        "passport.pdf", b"I am only text pretending to be a PDF.", content_type="application/pdf"
    )

    response = upload(owner, draft, document(draft, 1), fake)

    assert_upload_refused(
        response, "“passport.pdf” is not a PDF, JPEG or PNG file (checked by its content).", draft, _media
    )


def test_an_oversized_file_is_refused_with_the_limit(
    owner: Client, draft: Application, settings: Any, _media: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 2048, content_type="application/pdf")

    response = upload(owner, draft, document(draft, 1), big)

    assert_upload_refused(response, "“scan.pdf” is larger than 1 KB.", draft, _media)


def test_the_limits_are_shown_beside_the_upload(owner: Client, draft: Application, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    settings.UPLOAD_MAX_FILES = 4

    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))

    assert "a PDF, JPEG or PNG file of at most 5 MB" in page
    assert "At most 4 files per request" in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page


def test_one_file_too_many_is_refused(
    owner: Client, draft: Application, citizen: User, settings: Any, _media: Path
) -> None:
    settings.UPLOAD_MAX_FILES = 1
    attach(draft, citizen)

    response = upload(
        owner, draft, document(draft, 1), SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    )

    assert_upload_refused(response, "At most 1 file per request.", draft, _media, files=1)


def test_a_file_name_with_dot_dot_slash_is_stored_under_a_random_name_and_shown_by_its_last_part(
    owner: Client, draft: Application, _media: Path
) -> None:
    sneaky = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    sneaky.name = "../../../etc/passwd.pdf"  # the name as the browser sent it

    response = upload(owner, draft, document(draft, 1), sneaky)

    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert attachment.original_name == "passwd.pdf"
    stored = stored_files(_media)
    assert len(stored) == 1
    assert stored[0].parent == _media / "attachments" / str(draft.pk)
    assert "passwd" not in stored[0].name and ".." not in attachment.file.name
    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))
    assert "passwd.pdf" in page and "../" not in page


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system.ini.pdf", "system.ini.pdf"),
        ("../..", "file.pdf"),
        ("invoice\u202egpj.pdf", "invoicegpj.pdf"),
    ],
)
def test_the_displayed_name_keeps_only_the_last_part_without_hidden_characters(name: str, shown: str) -> None:
    assert safe_display_name(name, content_type="application/pdf") == shown


def test_a_good_upload_is_listed_with_download_and_remove(
    owner: Client, draft: Application, _media: Path
) -> None:
    response = upload(owner, draft, document(draft, 1), SimpleUploadedFile("id card.pdf", PDF))
    attachment = Attachment.objects.get(application=draft)
    assert response["Location"].endswith(f"#document-{attachment.document_id}")

    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))
    download = reverse("cabinet-requests:attachment-download", args=[draft.pk, attachment.pk])
    assert f'href="{download}"' in page
    assert owner.get(download).getvalue() == PDF

    owner.post(reverse("cabinet-requests:attachment-delete", args=[draft.pk, attachment.pk]))
    assert not Attachment.objects.filter(application=draft).exists()


# --- filing S1 and S3 through the pages; the draft survives leaving the page -----------------


def test_filing_s1_through_the_pages_keeps_the_answers_and_files_for_the_next_visit(
    owner: Client, aktau: Office, applicant: Applicant
) -> None:
    response = owner.post(reverse("cabinet-requests:new"), {"service": "S1", "office": str(aktau.pk)})

    draft = Application.objects.get(applicant=applicant)
    assert (draft.state, draft.service.code, draft.channel) == (State.DRAFT, "S1", "portal")
    assert response["Location"] == reverse("cabinet-requests:edit", args=[draft.pk])

    saved = owner.post(
        reverse("cabinet-requests:edit", args=[draft.pk]),
        {**S1_ANSWERS, "office": str(aktau.pk), "save": "1"},
    )
    assert saved.status_code == 302
    upload(owner, draft, document(draft, 1), SimpleUploadedFile("passport.pdf", PDF))

    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))
    assert 'value="Электрик"' in page
    assert 'value="Электромонтёр"' in page
    assert 'value="250000"' in page
    assert '<option value="vocational" selected>' in page
    assert "ТОО «Мангистаумунайгаз», 2015–2023, электромонтёр" in page
    assert "passport.pdf" in page
    assert "Your answers were last saved on" in page
    assert Application.objects.get(pk=draft.pk).data["desired_pay"] == 250000


def test_filing_s3_through_the_pages_keeps_the_chosen_vacancy(
    owner: Client, aktau: Office, applicant: Applicant
) -> None:
    employer = Employer.objects.create(name_ru="ТОО «Каспий Сервис»", bin="081140000436")
    vacancy = Vacancy.objects.create(
        employer=employer,
        office=aktau,
        position_ru="Сварщик",
        monthly_salary=300000,
        places=2,
        opened_on=timezone.localdate() - datetime.timedelta(days=3),
    )

    owner.post(
        reverse("cabinet-requests:new"),
        {"service": "S3", "office": str(aktau.pk), "measure_kind": MeasureKind.EMPLOYMENT},
    )
    draft = Application.objects.get(applicant=applicant)
    assert (draft.service.code, draft.measure_kind) == ("S3", MeasureKind.EMPLOYMENT)
    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))
    assert "Сварщик" in page and "ТОО «Каспий Сервис»" in page

    owner.post(
        reverse("cabinet-requests:edit", args=[draft.pk]),
        {
            "office": str(aktau.pk),
            "measure_kind": MeasureKind.EMPLOYMENT,
            "vacancy": str(vacancy.pk),
            "save": "1",
        },
    )

    assert Application.objects.get(pk=draft.pk).data == {"vacancy": vacancy.pk}
    page = owner.get(reverse("cabinet-requests:edit", args=[draft.pk])).content.decode()
    assert f'value="{vacancy.pk}"' in page
    assert "checked" in page.split(f'value="{vacancy.pk}"')[1].split(">")[0]


def test_s3_needs_a_kind_of_measure_and_the_error_summary_links_to_it(owner: Client, aktau: Office) -> None:
    response = owner.post(reverse("cabinet-requests:new"), {"service": "S3", "office": str(aktau.pk)})

    assert response.status_code == 422
    page = text(response)
    assert 'id="error-summary"' in page
    assert (
        '<a class="alert-link" href="#id_measure_kind_0">Choose the kind of active employment measure.</a>'
        in page
    )
    assert not Application.objects.exists()


def test_s2_posted_anyway_is_refused_with_the_reglaments_word(owner: Client, aktau: Office) -> None:
    response = owner.post(reverse("cabinet-requests:new"), {"service": "S2", "office": str(aktau.pk)})

    assert response.status_code == 422
    assert "is served at the chancellery only; please visit an office." in text(response)
    assert not Application.objects.exists()


def test_a_malformed_answer_is_named_beside_its_field_and_nothing_is_saved(
    owner: Client, draft: Application, aktau: Office
) -> None:
    response = owner.post(
        reverse("cabinet-requests:edit", args=[draft.pk]),
        {**S1_ANSWERS, "desired_pay": "a lot", "office": str(aktau.pk)},
    )

    assert response.status_code == 422
    page = text(response)
    assert '<a class="alert-link" href="#id_desired_pay">Give the pay in whole tenge' in page
    assert 'value="a lot"' in page  # kept as typed
    assert Application.objects.get(pk=draft.pk).data == {}


def test_continue_to_signing_lists_what_is_missing(owner: Client, draft: Application, aktau: Office) -> None:
    response = owner.post(
        reverse("cabinet-requests:edit", args=[draft.pk]), {"office": str(aktau.pk), "continue": "1"}
    )

    assert response.status_code == 422
    page = text(response)
    assert 'id="readiness-problems"' in page
    assert "Answer “Specialty or profession”." in page
    assert f"Attach “{document(draft, 1).name}”." in page


def test_continue_to_signing_goes_to_the_signing_page_when_the_draft_is_ready(
    owner: Client, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    draft = ready_draft(citizen, applicant, aktau)

    response = owner.post(
        reverse("cabinet-requests:edit", args=[draft.pk]),
        {**S1_ANSWERS, "office": str(aktau.pk), "continue": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("signing:sign", args=[draft.pk])


def test_a_signed_request_can_no_longer_be_edited(owner: Client, decided: Application) -> None:
    response = owner.get(reverse("cabinet-requests:edit", args=[decided.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet-requests:detail", args=[decided.pk])


# --- the list's cost does not grow with the number of requests ------------------------------


def test_the_request_list_keeps_a_constant_number_of_queries(
    owner: Client, citizen: User, applicant: Applicant, aktau: Office, django_assert_num_queries: Any
) -> None:
    url = reverse("cabinet-requests:list")
    for _ in range(2):
        make_draft(citizen, applicant, aktau)
    submit(ready_draft(citizen, applicant, aktau), citizen, applicant)
    owner.get(url)  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert owner.get(url).status_code == 200

    for _ in range(17):
        make_draft(citizen, applicant, aktau)
    assert Application.objects.filter(applicant=applicant).count() == 20
    with django_assert_num_queries(len(few.captured_queries)):
        page = owner.get(url)
    assert page.content.decode().count('class="card mb-3 cabinet-request"') == 20


# --- e-mail to the applicant at every change (P5, P10) --------------------------------------


def test_a_portal_requests_applicant_gets_one_email_per_action(
    citizen: User,
    applicant: Applicant,
    aktau: Office,
    executor: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)  # the test is not about the queue
    applicant.email = "erlan@example.kz"
    applicant.save(update_fields=["email"])
    draft = ready_draft(citizen, applicant, aktau)
    assert mail.outbox == []  # saving a draft is no change of state

    def states_mailed(action: Any) -> list[str]:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return [message.subject for message in mail.outbox[before:]]

    on_submit = states_mailed(lambda: submit(draft, citizen, applicant))
    number = Application.objects.get(pk=draft.pk).number
    on_take = states_mailed(lambda: svc.application_take(application_id=draft.pk, executor=executor))
    on_sign = states_mailed(
        lambda: svc.application_sign_result(application_id=draft.pk, executor=executor, result_text="Готово.")
    )

    # Submission is registered at once (P8) and a portal result is delivered
    # when it is signed (P10): one e-mail per action, about where it landed.
    assert (len(on_submit), len(on_take), len(on_sign)) == (1, 1, 1)
    mailed = AuditEntry.objects.filter(
        pk__in=Notification.objects.filter(application=draft).values("audit_entry_id")
    ).order_by("pk")
    assert [entry.to_state for entry in mailed] == [State.REGISTERED, State.IN_REVIEW, State.ISSUED]
    assert len(mail.outbox) == 3
    assert all(message.to == ["erlan@example.kz"] for message in mail.outbox)
    assert all(number in message.subject for message in mail.outbox)
    assert reverse("cabinet-requests:detail", args=[draft.pk]) in mail.outbox[-1].body


def test_only_the_answers_that_may_stay_empty_are_marked_optional(owner: Client, draft: Application) -> None:
    page = text(owner.get(reverse("cabinet-requests:edit", args=[draft.pk])))

    assert page.count("(optional)") == 1
    work_history = page.index('for="id_work_history"')
    assert "(optional)" in page[work_history : page.index("</label>", work_history)]
