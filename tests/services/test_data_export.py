"""The export of what the centre holds about one applicant (issue 6,
personal data): complete against the model graph, the files in the ZIP
byte for byte, other people shown by role and office only, scoped (the
citizen's own; a supervisor of an office where the person has an
application; an administrator), audited, and logged without a name or an
IIN (PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.constants import Role
from applicants.models import Applicant, LoginAttempt, User
from audit.models import AuditEntry
from registry.models import Referral
from reglament.models import Office
from services import services as svc
from services.data_export import (
    APPLICANT_SECTIONS,
    APPLICATION_SECTIONS,
    COVERED_MODELS,
    EXPORT_ACTION,
    EXPORTED_UNDER_APPLICANT,
    FORMAT_VERSION,
    RESULT_SECTIONS,
    applicant_data,
)
from services.models import Application, Notification, ResultDocument
from tests.factories import ApplicantFactory, UserFactory
from tests.flows import desk_application
from tests.registry.conftest import in_group
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
S1_ANSWERS = {
    "education_level": "vocational",
    "specialty": "Электрик",
    "work_history": "ТОО «Мангистаумунайгаз», 2015–2023, электромонтёр",
    "desired_job": "Электромонтёр",
    "desired_pay": 250000,
}
EXECUTOR_SURNAME = "Исполнителева"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def delivered(citizen: User, applicant: Applicant, aktau: Office, executor: User, clerk: User) -> Application:
    """The applicant's S1 request filed on the portal, signed, reviewed,
    delivered (P10) and so entered on the register of job seekers; in a
    target group; with a referral; with a login attempt."""
    executor.last_name = EXECUTOR_SURNAME
    executor.save(update_fields=["last_name"])
    application = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    svc.draft_update(application_id=application.pk, actor=citizen, data=S1_ANSWERS)
    for required in svc.required_documents(application):
        if required.mandatory:
            svc.attachment_add(
                application_id=application.pk,
                actor=citizen,
                document_id=required.pk,
                upload=SimpleUploadedFile("паспорт.pdf", PDF, content_type="application/pdf"),
            )
    application.refresh_from_db()
    signature = sign_request(application, citizen_certificate(applicant))
    svc.application_submit(application_id=application.pk, actor=citizen, signature=signature)
    svc.application_take(application_id=application.pk, executor=executor)
    application = svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Вы зарегистрированы."
    )
    in_group(applicant, "youth")
    referred = svc.application_receive(
        clerk=clerk, applicant_id=applicant.pk, service_code="S3", measure_kind="public_works"
    )
    Referral.objects.create(
        application=referred,
        applicant=applicant,
        office_id=referred.office_id,
        kind="public_works",
        issued_on=referred.created_at.date(),
    )
    LoginAttempt.objects.create(username=applicant.iin, ip="10.0.0.7", succeeded=True)
    if not application.notifications.exists():  # e-mails go on commit, after the test's transaction
        last = AuditEntry.objects.filter(action="deliver", target_id=str(application.pk)).get()
        Notification.objects.create(application=application, audit_entry_id=last.pk, sent_at=timezone.now())
    return application


def unzip(content: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("data.json")), archive


def post_export(browser: Client, url: str) -> Any:
    browser.cookies["django_language"] = "en"
    return browser.post(url)


def staff_url(applicant: Applicant) -> str:
    return reverse("services:applicant-data-export", args=[applicant.pk])


# --- completeness -------------------------------------------------------------------------


def linked_models() -> set[type[models.Model]]:
    """Every model with a foreign key or a one-to-one link to an applicant,
    an application or a signed result."""
    parents = (Applicant, Application, ResultDocument)
    return {
        model
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if model_field.is_relation and model_field.related_model in parents
    }


def test_every_model_linked_to_an_applicant_or_an_application_is_in_the_export() -> None:
    missing = sorted(m._meta.label for m in linked_models() - COVERED_MODELS)

    assert missing == [], f"models linked to an applicant or an application but not exported: {missing}"


def test_each_section_follows_a_real_link_to_its_parent() -> None:
    for sections, parent in (
        (APPLICANT_SECTIONS, Applicant),
        (APPLICATION_SECTIONS, Application),
        (RESULT_SECTIONS, ResultDocument),
    ):
        for name, (model, link, _many) in sections.items():
            assert model._meta.get_field(link).related_model is parent, name
    for model in EXPORTED_UNDER_APPLICANT:
        assert model in {m for m, _link, _many in APPLICANT_SECTIONS.values()}


def test_the_export_holds_every_kind_of_record_of_the_applicant(
    delivered: Application, applicant: Applicant, citizen: User
) -> None:
    data = applicant_data(applicant=Applicant.objects.get(pk=applicant.pk))

    assert data["format"] == "employment-portal.applicant-data" and data["version"] == FORMAT_VERSION
    assert data["applicant"]["iin"] == applicant.iin
    assert data["account"]["username"] == citizen.username
    assert "password" not in data["account"]
    (portal,) = [a for a in data["applications"] if a["id"] == delivered.pk]
    assert portal["state"] == "issued" and portal["state_label"] == "Issued"
    assert portal["data"]["specialty"] == "Электрик"
    assert len(data["applications"]) == 2  # the portal request and the desk's S3
    assert [s["code"] for s in portal["steps"]] == ["intake", "review", "issuance"]
    assert all(s["due_at"] and s["norm_minutes"] for s in portal["steps"])
    assert portal["attachments"] and all(len(a["sha256"]) == 64 for a in portal["attachments"])
    assert portal["result"]["kind"] == delivered.result.kind
    assert "rendered_document" in portal["result"]
    assert portal["notifications"]
    assert portal["request_signature"]["file"].endswith(".p7s")
    assert data["register_entries"] and data["referrals"] and data["target_group_memberships"]
    assert data["login_attempts"] == [
        {"at": data["login_attempts"][0]["at"], "ip": "10.0.0.7", "succeeded": True}
    ]
    actions = {entry["action"] for entry in data["audit_trail"]}
    assert {"create_draft", "attach", "submit", "take", "sign_result", "deliver"} <= actions


def test_staff_appear_by_role_and_office_only(
    delivered: Application, applicant: Applicant, executor: User
) -> None:
    data = applicant_data(applicant=Applicant.objects.get(pk=applicant.pk))
    text = json.dumps(data, ensure_ascii=False)

    (portal,) = [a for a in data["applications"] if a["id"] == delivered.pk]
    assert portal["executor"] == {"role": "executor", "office": "AKT"}
    taken = next(e for e in data["audit_trail"] if e["action"] == "take")
    assert taken["actor"] == {"role": "executor", "office": "AKT"}
    assert next(e for e in data["audit_trail"] if e["action"] == "submit")["actor"] == "applicant"
    assert EXECUTOR_SURNAME not in text
    assert executor.username not in text


def test_the_zip_holds_every_file_it_names_byte_for_byte(
    delivered: Application, applicant: Applicant, citizen: User
) -> None:
    response = post_export(logged_in(citizen), reverse("cabinet-requests:data-export"))

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data, archive = unzip(response.content)
    assert data["files"]
    for entry in data["files"]:
        content = archive.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    (portal,) = [a for a in data["applications"] if a["id"] == delivered.pk]
    for attachment in portal["attachments"]:
        assert archive.read(attachment["file"]["file"]) == PDF
    assert archive.read(portal["result"]["content"]["file"]) == bytes(delivered.result.content)


# --- who may export whom ------------------------------------------------------------------


def logged_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_citizen_downloads_only_their_own_data(delivered: Application, applicant: Applicant) -> None:
    other = ApplicantFactory()
    other_user = UserFactory(username=other.iin, iin=other.iin)
    other.user = other_user
    other.save(update_fields=["user"])

    response = post_export(logged_in(other_user), reverse("cabinet-requests:data-export"))

    data, _archive = unzip(response.content)
    assert data["applicant"]["iin"] == other.iin
    assert data["applications"] == []
    assert applicant.iin not in response.content.decode("latin-1")


def test_a_citizen_account_without_an_applicant_record_gets_not_found(db: None) -> None:
    iin = ApplicantFactory.build().iin
    lone = UserFactory(username=iin, iin=iin)

    assert post_export(logged_in(lone), reverse("cabinet-requests:data-export")).status_code == 404


def test_a_supervisor_of_an_office_where_the_person_has_an_application_may_export(
    delivered: Application, applicant: Applicant, supervisor: User
) -> None:
    response = post_export(logged_in(supervisor), staff_url(applicant))

    assert response.status_code == 200
    assert unzip(response.content)[0]["applicant"]["id"] == applicant.pk


def test_a_supervisor_of_another_office_gets_not_found(
    delivered: Application, applicant: Applicant, zhanaozen: Office
) -> None:
    elsewhere = UserFactory(username="supervisor.zhanaozen", office=zhanaozen, role=Role.SUPERVISOR)

    assert post_export(logged_in(elsewhere), staff_url(applicant)).status_code == 404
    assert not AuditEntry.objects.filter(action=EXPORT_ACTION).exists()


def test_a_clerk_is_refused_and_an_administrator_may_export_anyone(
    applicant: Applicant, clerk: User, administrator: User, zhanaozen_clerk: User
) -> None:
    desk_application(clerk=zhanaozen_clerk, applicant=applicant)

    assert post_export(logged_in(clerk), staff_url(applicant)).status_code == 403
    assert post_export(logged_in(administrator), staff_url(applicant)).status_code == 200


# --- audit and logs -----------------------------------------------------------------------


@pytest.fixture
def console_output() -> Iterator[io.StringIO]:
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert isinstance(console, logging.StreamHandler)
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        yield buffer
    finally:
        console.setStream(previous)


def test_every_export_is_audited_and_logged_without_a_name_or_an_iin(
    delivered: Application, applicant: Applicant, citizen: User, supervisor: User, console_output: io.StringIO
) -> None:
    post_export(logged_in(citizen), reverse("cabinet-requests:data-export"))
    post_export(logged_in(supervisor), staff_url(applicant))
    call_command("export_applicant_data", "--iin", applicant.iin, stdout=io.StringIO())

    entries = AuditEntry.objects.filter(action=EXPORT_ACTION).order_by("pk")
    assert [(e.remark, e.actor) for e in entries] == [
        ("cabinet", citizen),
        ("staff", supervisor),
        ("command", None),
    ]
    assert all(e.target_id == str(applicant.pk) for e in entries)
    assert all(len(e.changes["sha256"]) == 64 for e in entries)
    logged = console_output.getvalue()
    assert f"Personal data of applicant #{applicant.pk} exported (cabinet) by User#{citizen.pk}" in logged
    assert applicant.iin not in logged
    assert applicant.last_name not in logged


def test_the_command_writes_the_zip_or_the_json(
    applicant: Applicant, tmp_path: Path, delivered: Application
) -> None:
    zipped = tmp_path / "out.zip"
    out = io.StringIO()

    call_command(
        "export_applicant_data", "--iin", applicant.iin, "--output", str(zipped), stderr=io.StringIO()
    )
    call_command("export_applicant_data", "--iin", applicant.iin, stdout=out)

    assert unzip(zipped.read_bytes())[0]["applicant"]["iin"] == applicant.iin
    assert json.loads(out.getvalue())["applicant"]["iin"] == applicant.iin


def test_the_command_names_an_unknown_iin_masked(db: None) -> None:
    iin = ApplicantFactory.build().iin

    with pytest.raises(CommandError) as raised:
        call_command("export_applicant_data", "--iin", iin)

    assert iin not in str(raised.value)
    assert f"{iin[:4]}••••{iin[8:]}" in str(raised.value)


def test_the_cabinet_and_the_supervisors_request_page_offer_the_export(
    delivered: Application, citizen: User, supervisor: User, clerk: User
) -> None:
    cabinet = logged_in(citizen)
    cabinet.cookies["django_language"] = "en"
    request_page = reverse("services:application", args=[delivered.pk])
    export_url = staff_url(delivered.applicant)

    assert "Download my data" in cabinet.get(reverse("cabinet-requests:list")).content.decode()
    assert export_url in logged_in(supervisor).get(request_page).content.decode()
    assert export_url not in logged_in(clerk).get(request_page).content.decode()
