"""S3-compatible file storage by a setting (issue 6, Production): with
``S3_BUCKET`` set, attachments and scans go to the bucket as private objects
and come back through the portal's own download views (which read through
the storage API, never a filesystem path). The bucket is a real S3 server
(moto's), started on a spare port by the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from applicants.models import Applicant, User
from config.storage import S3_BACKEND, default_storage_from
from ops.backup import stored_names
from ops.health import readiness
from reglament.models import Office
from services import services as svc
from services.documents import result_document_render
from services.models import Attachment, ResultDocument
from tests.services.test_cabinet_pages import PDF, ready_draft, submit

pytestmark = pytest.mark.django_db

PORTS = range(8151, 8160)
BUCKET = "portal-files"


def spare_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no spare port in {PORTS.start}-{PORTS.stop - 1}")


@dataclass
class Bucket:
    environment: dict[str, str]

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.environment["S3_ENDPOINT_URL"],
            aws_access_key_id=self.environment["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=self.environment["S3_SECRET_ACCESS_KEY"],
            region_name=self.environment["S3_REGION"],
        )


@pytest.fixture
def bucket(settings: Any) -> Iterator[Bucket]:
    """A real S3-compatible server on loopback with an empty bucket, and the
    portal's storage set from the same environment production would use."""
    port = spare_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        environment = {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "portal-test-key",
            "S3_SECRET_ACCESS_KEY": "portal-test-secret",  # noqa: S105 - the throwaway server's
            "S3_PREFIX": "media",
        }
        made = Bucket(environment)
        made.client().create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": default_storage_from(environment)}
        yield made
    finally:
        server.stop()


def test_without_a_bucket_the_files_stay_on_the_filesystem() -> None:
    assert default_storage_from({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_bucket_named_in_the_environment_selects_private_s3_storage() -> None:
    storage = default_storage_from({"S3_BUCKET": "files", "S3_ENDPOINT_URL": "https://s3.example.kz"})

    assert storage["BACKEND"] == S3_BACKEND == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "files"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["querystring_auth"] is True


def test_a_bad_endpoint_or_half_a_key_pair_fails_loudly() -> None:
    with pytest.raises(ImproperlyConfigured, match="S3_ENDPOINT_URL"):
        default_storage_from({"S3_BUCKET": "files", "S3_ENDPOINT_URL": "s3.example.kz"})
    with pytest.raises(ImproperlyConfigured, match="S3_SECRET_ACCESS_KEY"):
        default_storage_from({"S3_BUCKET": "files", "S3_ACCESS_KEY_ID": "key"})


def test_an_attachment_goes_to_the_bucket_as_a_private_object_and_comes_back_through_the_cabinet(
    bucket: Bucket, citizen: User, applicant: Applicant, aktau: Office, client: Client
) -> None:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    attachment = svc.attachment_add(
        application_id=draft.pk,
        actor=citizen,
        document_id=svc.required_documents(draft)[0].pk,
        upload=SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf"),
    )

    s3 = bucket.client()
    key = f"media/{attachment.file.name}"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PDF
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)
    client.cookies["django_language"] = "en"
    client.force_login(citizen)
    response = client.get(reverse("cabinet-requests:attachment-download", args=[draft.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_a_portal_request_with_files_in_the_bucket_is_signed_decided_and_its_pdf_downloaded(
    bucket: Bucket, citizen: User, applicant: Applicant, aktau: Office, executor: User, client: Client
) -> None:
    application = submit(ready_draft(citizen, applicant, aktau), citizen, applicant)
    svc.application_take(application_id=application.pk, executor=executor)
    svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Зарегистрирован."
    )
    document = result_document_render(result_id=ResultDocument.objects.get(application=application).pk)

    client.cookies["django_language"] = "en"
    client.force_login(citizen)
    pdf = client.get(reverse("cabinet-requests:result-pdf", args=[application.pk]))
    assert pdf.status_code == 200
    assert pdf.content == bytes(document.pdf) and pdf.content.startswith(b"%PDF-")
    # Every attachment lives in the bucket (files of removed ones go once their removal commits).
    assert {a.file.name for a in Attachment.objects.filter(application=application)} <= set(
        stored_names(default_storage)
    )
    for attachment in Attachment.objects.filter(application=application):
        response = client.get(
            reverse("cabinet-requests:attachment-download", args=[application.pk, attachment.pk])
        )
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_readiness_asks_the_bucket(bucket: Bucket) -> None:
    assert readiness()["storage"] == "ok"
