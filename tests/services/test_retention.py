"""Retention of uploaded files (issue 6, personal data): the citizens'
attachments and the desk's scans of a closed application go once it has
been closed longer than ATTACHMENT_RETENTION_DAYS; an open application
keeps its files whatever their age; the rows stay as tombstones with their
SHA-256; one audit entry per application; a dry run changes nothing; a
second run finds nothing (PostgreSQL, time-machine)."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from audit.models import AuditEntry
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Attachment, PresentedDocument
from services.retention import RETENTION_ACTION, applications_past_retention, attachments_purge
from tests.factories import ApplicantFactory
from tests.flows import desk_application, ground
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
DAYS = 30


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ATTACHMENT_RETENTION_DAYS = DAYS
    return Path(settings.MEDIA_ROOT)


def portal_request(citizen: User, applicant: Applicant, office: Office) -> Application:
    """An S1 draft with its answers and every mandatory document attached."""
    application = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=office.pk, service_code="S1"
    )
    svc.draft_update(application_id=application.pk, actor=citizen, data=S1_ANSWERS)
    for required in svc.required_documents(application):
        if required.mandatory:
            svc.attachment_add(
                application_id=application.pk,
                actor=citizen,
                document_id=required.pk,
                upload=SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf"),
            )
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def delivered(citizen: User, applicant: Applicant, aktau: Office, executor: User) -> Application:
    """A portal request signed, reviewed and delivered (P10): closed (issued) now."""
    application = portal_request(citizen, applicant, aktau)
    signature = sign_request(application, citizen_certificate(applicant))
    svc.application_submit(application_id=application.pk, actor=citizen, signature=signature)
    svc.application_take(application_id=application.pk, executor=executor)
    return svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Вы зарегистрированы."
    )


def with_scan(application: Application) -> PresentedDocument:
    """The desk's checklist line with a scanned copy, as the intake desk keeps it."""
    document = svc.required_documents(application)[0]
    line = PresentedDocument(application=application, document=document, presented=True, number="N 1")
    line.scan.save("scan", ContentFile(PDF), save=False)
    line.scan_sha256 = "0" * 64
    line.save()
    return line


@pytest.fixture
def issued_at_desk(clerk: User, executor: User) -> tuple[Application, PresentedDocument]:
    application = desk_application(
        clerk=clerk, applicant=ApplicantFactory(), executor=executor, until=State.ISSUED
    )
    return application, with_scan(application)


def stored(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def files_of(application: Application) -> list[Path]:
    paths = [Path(a.file.path) for a in application.attachments.all() if a.file]
    paths += [Path(d.scan.path) for d in application.presented_documents.all() if d.scan]
    return paths


def purge_at(moment: datetime.datetime, run: Callable[..., Any], **kwargs: Any) -> Any:
    with time_machine.travel(moment, tick=False):
        return run(**kwargs)


def test_a_delivered_requests_files_stay_just_inside_the_retention_period(
    delivered: Application, _media: Path
) -> None:
    files = files_of(delivered)
    assert delivered.state == State.ISSUED and files

    inside = delivered.issued_at + datetime.timedelta(days=DAYS) - datetime.timedelta(seconds=1)
    assert purge_at(inside, attachments_purge) == []

    assert all(path.exists() for path in files)
    assert not Attachment.objects.filter(application=delivered, removed_at__isnull=False).exists()


def test_a_delivered_requests_files_go_just_outside_the_retention_period(
    delivered: Application, _media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    files = files_of(delivered)
    outside = delivered.issued_at + datetime.timedelta(days=DAYS, seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        (report,) = purge_at(outside, attachments_purge)

    assert report.application_id == delivered.pk and report.attachments == len(files)
    assert not any(path.exists() for path in files)
    assert stored(_media) == []
    for attachment in Attachment.objects.filter(application=delivered):
        assert attachment.removed_at == outside
        assert attachment.file.name == ""
        assert len(attachment.sha256) == 64  # the tombstone: what was there, and its digest


def test_a_scan_of_an_application_issued_at_the_desk_goes_after_the_period(
    issued_at_desk: tuple[Application, PresentedDocument], django_capture_on_commit_callbacks: Any
) -> None:
    application, line = issued_at_desk
    path = Path(line.scan.path)
    assert application.issued_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        purge_at(application.issued_at + datetime.timedelta(days=DAYS, seconds=1), attachments_purge)

    line.refresh_from_db()
    assert not path.exists()
    assert line.scan.name == "" and line.scan_removed_at is not None and line.scan_sha256 == "0" * 64


def test_open_applications_keep_their_files_however_old(
    citizen: User,
    applicant: Applicant,
    aktau: Office,
    clerk: User,
    executor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = portal_request(citizen, applicant, aktau)
    waiting = desk_application(
        clerk=clerk, applicant=ApplicantFactory(), executor=executor, until=State.RESULT_SIGNED
    )
    with_scan(waiting)
    files = files_of(draft) + files_of(waiting)

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_at(timezone.now() + datetime.timedelta(days=10 * 365), attachments_purge) == []

    assert files and all(path.exists() for path in files)


def test_an_intake_refused_long_ago_loses_its_scans(
    clerk: User, django_capture_on_commit_callbacks: Any
) -> None:
    application = desk_application(clerk=clerk, applicant=ApplicantFactory())
    line = with_scan(application)
    application = svc.application_refuse_intake(
        application_id=application.pk,
        actor=clerk,
        ground_id=ground("expired-document").pk,
        reason="Удостоверение личности просрочено.",
    )
    assert application.state == State.INTAKE_REFUSED and application.decided_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        purge_at(application.decided_at + datetime.timedelta(days=DAYS, seconds=1), attachments_purge)

    line.refresh_from_db()
    assert line.scan_removed_at is not None
    assert stored(Path(line.scan.storage.location)) == []


def test_one_audit_entry_per_application_and_a_second_run_finds_nothing(
    delivered: Application, issued_at_desk: tuple[Application, PresentedDocument]
) -> None:
    desk, _line = issued_at_desk
    later = timezone.now() + datetime.timedelta(days=DAYS + 1)

    first = purge_at(later, attachments_purge)
    second = purge_at(later, attachments_purge)

    assert sorted(r.application_id for r in first) == sorted([delivered.pk, desk.pk])
    assert second == []
    entries = AuditEntry.objects.filter(action=RETENTION_ACTION)
    assert sorted(int(e.target_id) for e in entries) == sorted([delivered.pk, desk.pk])
    entry = entries.get(target_id=str(delivered.pk))
    assert entry.actor is None and entry.to_state == State.ISSUED
    assert [a["sha256"] for a in entry.changes["attachments"]] == list(
        delivered.attachments.order_by("pk").values_list("sha256", flat=True)
    )
    assert purge_at(later, applications_past_retention, now=later).count() == 0


def test_the_command_dry_run_lists_what_would_go_and_changes_nothing(
    delivered: Application, _media: Path
) -> None:
    before = stored(_media)
    out = StringIO()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=DAYS + 1), tick=False):
        call_command("purge_attachments", "--dry-run", stdout=out)

    assert f"#{delivered.pk} {delivered.number}" in out.getvalue()
    assert "would remove" in out.getvalue()
    assert stored(_media) == before
    assert not Attachment.objects.filter(removed_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action=RETENTION_ACTION).exists()


def test_the_command_removes_and_reports_without_naming_anyone(
    delivered: Application, _media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()

    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=DAYS + 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("purge_attachments", stdout=out)

    assert "1 application(s)" in out.getvalue()
    assert delivered.applicant.last_name not in out.getvalue()
    assert delivered.applicant.iin not in out.getvalue()
    assert stored(_media) == []


def test_the_cabinet_shows_a_removed_file_as_removed_under_the_retention_rule(
    client: Client, citizen: User, delivered: Application, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        purge_at(timezone.now() + datetime.timedelta(days=DAYS + 1), attachments_purge)
    attachment = delivered.attachments.first()
    assert attachment is not None and attachment.removed_at is not None
    client.cookies["django_language"] = "en"
    client.force_login(citizen)

    page = client.get(reverse("cabinet-requests:detail", args=[delivered.pk]))
    download = client.get(
        reverse("cabinet-requests:attachment-download", args=[delivered.pk, attachment.pk]), follow=True
    )

    removed_on = timezone.localtime(attachment.removed_at).strftime("%d.%m.%Y")
    assert page.status_code == 200
    assert f"removed on {removed_on} under the retention rule" in html.unescape(page.content.decode())
    assert download.status_code == 200
    assert f"This file was removed on {removed_on} under the retention rule." in html.unescape(
        download.content.decode()
    )


def test_the_staff_page_shows_a_removed_scan(
    client: Client, clerk: User, issued_at_desk: tuple[Application, PresentedDocument]
) -> None:
    application, _line = issued_at_desk
    purge_at(timezone.now() + datetime.timedelta(days=DAYS + 1), attachments_purge)
    client.cookies["django_language"] = "en"
    client.force_login(clerk)

    page = client.get(reverse("services:application", args=[application.pk]))

    assert page.status_code == 200
    assert "under the retention rule" in html.unescape(page.content.decode())
