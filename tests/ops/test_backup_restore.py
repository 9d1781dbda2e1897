"""Backup and a tested restore (issue 6, acceptance 6): applications made
through the real flows — desk and portal, results signed with the test CA,
rendered PDFs, citizens' request signatures, attachments and desk scans —
are backed up, then restored into a new, empty PostgreSQL database and an
empty file storage, and every application, document and signature is found
intact there: row counts, every file's SHA-256, each CMS signature (pki's
verifier and ``openssl cms -verify``), each PDF against its verification page.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from config.celery import app as celery_app
from ops.backup import Manifest, row_counts, stored_names
from pki.cms import verify_detached
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Attachment, PresentedDocument, RenderedDocument, ResultDocument
from services.request_document import canonical_request
from tests.factories import ApplicantFactory
from tests.flows import desk_application, ground
from tests.services.test_cabinet_pages import ready_draft, submit
from tests.signing import trusted_test_ca

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are pg_dump archives"),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None, reason="pg_dump (postgresql-client) is not installed"
    ),
]

SCAN = b"%PDF-1.4\n1 0 obj << /Scan true >> endobj\ntrailer << >>\n%%EOF\n"


# --- a second database of our own, next to pytest's --------------------------------


def _server(database: str = "postgres") -> psycopg.Connection[Any]:
    settings_dict = connection.settings_dict
    return psycopg.connect(
        dbname=database,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=True,
    )


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty database named after the test database (``portal_h5`` →
    ``portal_h5_restore_<random>``), dropped afterwards."""
    name = f"{connection.settings_dict['NAME'].removeprefix('test_')}_restore_{uuid.uuid4().hex[:8]}"
    with _server() as server:
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_named(name: str) -> Iterator[None]:
    """The portal's default database is ``name`` for the block: the ORM, the
    views and the commands all work on it, as they would in production."""
    default = connections["default"]
    previous = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        yield
    finally:
        default.close()
        default.settings_dict["NAME"] = previous


# --- what the portal holds -------------------------------------------------------------


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    # The PDFs are rendered when signing commits; the test is not about the queue.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def portfolio(
    media: Path, clerk: User, executor: User, citizen: User, applicant: Applicant, aktau: Office
) -> list[Application]:
    """Applications of every kind the restore has to keep, made through the services."""
    portal = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)
    svc.application_take(application_id=portal.pk, executor=executor)
    svc.application_sign_result(
        application_id=portal.pk, executor=executor, result_text="Вы зарегистрированы как ищущий работу."
    )
    desk_application(
        clerk=clerk, executor=executor, applicant=ApplicantFactory(), service_code="S2", until=State.ISSUED
    )
    refused = desk_application(
        clerk=clerk, executor=executor, applicant=ApplicantFactory(), service_code="S1", until=State.IN_REVIEW
    )
    svc.application_refuse(
        application_id=refused.pk,
        executor=executor,
        ground_id=ground("unreliable-documents").pk,
        reason="Сведения о трудовой деятельности не подтверждены.",
    )
    scanned = svc.application_receive(clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S1")
    today = timezone.localdate()
    lines = [
        svc.ChecklistLine(
            document_id=document.pk,
            presented=True,
            number=f"N {index:06d}",
            issued_on=today - datetime.timedelta(days=100),
            expires_on=today + datetime.timedelta(days=365) if document.expires else None,
            scan=SimpleUploadedFile(
                f"scan{index}.pdf", SCAN + str(index).encode(), content_type="application/pdf"
            ),
        )
        for index, document in enumerate(svc.required_documents(scanned))
    ]
    svc.application_register_at_desk(application_id=scanned.pk, clerk=clerk, lines=lines)
    applications = list(Application.objects.order_by("pk"))
    assert RenderedDocument.objects.count() == ResultDocument.objects.count() == 3
    assert Attachment.objects.exists() and PresentedDocument.objects.exclude(scan="").exists()
    return applications


@pytest.fixture
def small_portfolio(
    media: Path, clerk: User, citizen: User, applicant: Applicant, aktau: Office
) -> list[Application]:
    """A desk application and a citizen's draft with a file: enough for the refusals."""
    svc.application_receive(clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S2")
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    svc.attachment_add(
        application_id=draft.pk,
        actor=citizen,
        document_id=svc.required_documents(draft)[0].pk,
        upload=SimpleUploadedFile("passport.pdf", SCAN, content_type="application/pdf"),
    )
    return list(Application.objects.order_by("pk"))


def facts() -> dict[str, Any]:
    """Everything that must come back, read from the current default database and storage."""
    return {
        "counts": row_counts(),
        "files": {
            name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
            for name in stored_names(default_storage)
        },
        "applications": list(Application.objects.order_by("pk").values_list("pk", "number", "state")),
        "request_signatures": {
            a.pk: hashlib.sha256(bytes(a.request_signature)).hexdigest()
            for a in Application.objects.exclude(request_signature=None)
        },
        "results": {
            r.pk: (r.content_sha256, hashlib.sha256(bytes(r.signature)).hexdigest())
            for r in ResultDocument.objects.all()
        },
        "rendered": {
            d.code: (d.pdf_sha256, hashlib.sha256(bytes(d.pdf)).hexdigest())
            for d in RenderedDocument.objects.all()
        },
        "attachments": {a.pk: (a.file.name, a.sha256) for a in Attachment.objects.all()},
        "scans": {p.pk: (p.scan.name, p.scan_sha256) for p in PresentedDocument.objects.exclude(scan="")},
    }


def openssl_verifies(data: bytes, signature: bytes, ca_pem: bytes, workdir: Path) -> bool:
    (workdir / "content").write_bytes(data)
    (workdir / "signature.p7s").write_bytes(signature)
    (workdir / "ca.pem").write_bytes(ca_pem)
    executable = shutil.which("openssl")
    assert executable is not None
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            executable, "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(workdir / "signature.p7s"), "-content", str(workdir / "content"),
            "-CAfile", str(workdir / "ca.pem"), "-purpose", "any", "-out", str(workdir / "out"),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    return done.returncode == 0 and b"Verification successful" in done.stderr


# --- the round trip ------------------------------------------------------------------


def test_a_backup_restored_into_an_empty_database_keeps_every_application_document_and_signature(
    portfolio: list[Application], citizen: User, empty_database: str, settings: Any, tmp_path: Path
) -> None:
    before = facts()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = Manifest.read(backup)
    assert manifest.counts["services.Application"] == len(portfolio)
    assert set(manifest.files) == set(before["files"]) and manifest.integrity_problems == []
    # The originals are out of reach: the files go, the restore has only the backup.
    shutil.rmtree(settings.MEDIA_ROOT)
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with database_named(empty_database):
        call_command("restore", str(backup))
        after = facts()
        ca = trusted_test_ca().certificate
        roots = [ca]
        results = list(ResultDocument.objects.order_by("pk"))
        for result in results:
            verified = verify_detached(
                data=bytes(result.content),
                signature=bytes(result.signature),
                trusted_roots=roots,
                at=result.signed_at,
            )
            assert f"{verified.certificate.serial_number:x}" == result.certificate_serial
        signed_requests = list(Application.objects.exclude(request_signature=None))
        assert signed_requests
        for application in signed_requests:
            verify_detached(
                data=canonical_request(application),
                signature=bytes(application.request_signature),
                trusted_roots=roots,
            )
        assert openssl_verifies(
            bytes(results[0].content),
            bytes(results[0].signature),
            ca.public_bytes(serialization.Encoding.PEM),
            tmp_path,
        )
        client = Client()
        client.cookies["django_language"] = "en"
        for document in RenderedDocument.objects.all():
            page = client.get(reverse("verify:document", args=[document.code])).content.decode()
            vouched = re.search(r'id="pdf-sha256">([0-9a-f]{64})<', page)
            assert vouched is not None and vouched.group(1) == hashlib.sha256(bytes(document.pdf)).hexdigest()
        client.force_login(citizen)
        for attachment in Attachment.objects.filter(application__applicant__user=citizen):
            response = client.get(
                reverse(
                    "cabinet-requests:attachment-download", args=[attachment.application_id, attachment.pk]
                )
            )
            assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == attachment.sha256  # type: ignore[attr-defined]

    assert after == before
    assert Path(settings.MEDIA_ROOT).is_dir()


def test_a_restore_refuses_a_database_that_is_not_empty(
    small_portfolio: list[Application], tmp_path: Path
) -> None:
    call_command("backup", str(tmp_path / "backup"))
    applications = Application.objects.count()

    with pytest.raises(
        CommandError, match="is not empty; restore into an empty one, or replace its contents with --force"
    ):
        call_command("restore", str(tmp_path / "backup"))

    assert Application.objects.count() == applications


def test_a_restore_refuses_production_unless_told_explicitly(
    small_portfolio: list[Application], tmp_path: Path, settings: Any, empty_database: str
) -> None:
    call_command("backup", str(tmp_path / "backup"))
    settings.PRODUCTION = True
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with database_named(empty_database):
        with pytest.raises(CommandError, match="--allow-production"):
            call_command("restore", str(tmp_path / "backup"))
        assert connection.introspection.table_names() == []

        call_command("restore", str(tmp_path / "backup"), allow_production=True)
        assert Application.objects.count() == len(small_portfolio)


def test_a_restore_refuses_a_backup_whose_dump_was_changed(
    small_portfolio: list[Application], tmp_path: Path, settings: Any, empty_database: str
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes() + b"\0")
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with database_named(empty_database):
        with pytest.raises(CommandError, match="does not match the manifest's SHA-256"):
            call_command("restore", str(backup))
        assert connection.introspection.table_names() == []


def test_a_forced_restore_replaces_what_the_database_and_the_storage_hold(
    small_portfolio: list[Application], clerk: User, tmp_path: Path, settings: Any, empty_database: str
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with database_named(empty_database):
        call_command("restore", str(backup))
        later = svc.application_receive(clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S2")
        stray = default_storage.save("attachments/stray", SimpleUploadedFile("stray", b"not in the backup"))

        call_command("restore", str(backup), force=True)

        assert not Application.objects.filter(pk=later.pk).exists()
        assert Application.objects.count() == len(small_portfolio)
        assert not default_storage.exists(stray)


def test_a_backup_goes_only_into_a_new_or_empty_directory(
    small_portfolio: list[Application], tmp_path: Path
) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "something").write_text("x")

    with pytest.raises(CommandError, match="is not empty; a backup goes into a new directory"):
        call_command("backup", str(tmp_path / "backup"))
