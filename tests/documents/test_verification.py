"""The public verification page and revocation (issue 5, acceptance 2):
valid says valid, revoked says revoked with its date and reason, a PDF with
one byte changed does not match, the right .p7s verifies, an unknown code is
a 404 page; only a supervisor of the office revokes, with a reason; the page
shows no IIN and no full name."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applicants.constants import Role
from applicants.models import Applicant, User
from audit.models import AuditEntry
from reglament.models import Office
from services.constants import ResultKind
from services.documents import result_document_render
from services.models import RenderedDocument
from tests.documents.conftest import SignedResult, english_client
from tests.factories import UserFactory
from tests.signing import trusted_test_ca

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(signed_result: SignedResult) -> RenderedDocument:
    document = result_document_render(result_id=signed_result(ResultKind.CERTIFICATE).pk)
    return RenderedDocument.objects.select_related("result").get(pk=document.pk)


def _page(client: Client, document: RenderedDocument, **files: SimpleUploadedFile) -> str:
    url = reverse("verify:document", args=[document.code])
    response = client.post(url, files) if files else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _pdf(data: bytes, name: str = "result.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_the_page_of_a_valid_document_says_valid_with_its_facts(
    client: Client, issued: RenderedDocument, executor: User
) -> None:
    page = _page(client, issued)

    assert 'data-status="valid"' in page
    assert "This document was issued by the employment centre and is valid." in page
    assert issued.result.application.number in page
    assert "Certificate of registration as unemployed" in page
    assert executor.get_full_name() in page
    assert issued.pdf_sha256 in page
    assert "Жумабаев Е. Б." in page


def test_the_page_shows_no_iin_and_no_full_name(
    client: Client, issued: RenderedDocument, applicant: Applicant
) -> None:
    page = _page(client, issued)

    assert applicant.iin not in page
    assert applicant.masked_iin not in page
    assert "Ерлан" not in page and "Болатович" not in page


def test_a_code_typed_in_lower_case_with_its_dash_finds_the_document(
    client: Client, issued: RenderedDocument
) -> None:
    response = client.get(reverse("verify:document", args=[issued.grouped_code.lower()]))

    assert response.status_code == 200


def test_an_unknown_code_is_a_clean_404_page(client: Client, db: None) -> None:
    response = client.get(reverse("verify:document", args=["ZZZZZ-ZZZZZ"]))

    assert response.status_code == 404
    assert "No such document" in response.content.decode()


def test_a_malformed_code_is_a_404_too(client: Client, db: None) -> None:
    assert client.get("/verify/<script>/").status_code == 404


def test_the_issued_pdf_uploaded_matches(client: Client, issued: RenderedDocument) -> None:
    page = _page(client, issued, pdf=_pdf(bytes(issued.pdf)))

    assert 'data-matches="yes"' in page
    assert "The file matches the issued document." in page


def test_a_pdf_with_one_byte_changed_does_not_match(client: Client, issued: RenderedDocument) -> None:
    changed = bytearray(bytes(issued.pdf))
    changed[len(changed) // 2] ^= 0x01

    page = _page(client, issued, pdf=_pdf(bytes(changed)))

    assert 'data-matches="no"' in page
    assert "does not match the issued document" in page


def test_a_file_that_is_not_a_pdf_is_refused_with_a_message(client: Client, issued: RenderedDocument) -> None:
    response = client.post(
        reverse("verify:document", args=[issued.code]), {"pdf": _pdf(b"\x89PNG\r\n\x1a\nnot a pdf", "x.png")}
    )

    assert response.status_code == 200
    assert "must be a PDF file" in response.content.decode()
    assert "data-matches" not in response.content.decode()


def test_a_pdf_over_the_size_limit_is_refused(
    client: Client, issued: RenderedDocument, settings: pytest.FixtureRequest
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024  # type: ignore[attr-defined]

    page = _page(client, issued, pdf=_pdf(b"%PDF-" + b"0" * 2048))

    assert "is larger than 1 KB" in page


def test_the_right_signature_verifies(client: Client, issued: RenderedDocument) -> None:
    trusted_test_ca()
    p7s = SimpleUploadedFile("result.json.p7s", bytes(issued.result.signature))

    page = _page(client, issued, pdf=_pdf(bytes(issued.pdf)), signature=p7s)

    assert 'data-valid="yes"' in page
    assert "The signature is valid" in page


def test_a_signature_of_other_content_is_not_confirmed(
    client: Client, issued: RenderedDocument, signed_result: SignedResult
) -> None:
    trusted_test_ca()
    other = signed_result(ResultKind.NOTIFICATION)
    p7s = SimpleUploadedFile("other.p7s", bytes(other.signature))

    page = _page(client, issued, pdf=_pdf(bytes(issued.pdf)), signature=p7s)

    assert 'data-valid="no"' in page
    assert "does not match the document" in page


def test_a_garbage_signature_is_not_confirmed_and_not_a_500(client: Client, issued: RenderedDocument) -> None:
    page = _page(client, issued, pdf=_pdf(bytes(issued.pdf)), signature=SimpleUploadedFile("x.p7s", b"hello"))

    assert 'data-valid="no"' in page


def _revoke(client: Client, user: User, document: RenderedDocument, reason: str = "Выдан ошибочно."):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.post(
        reverse("services:result-revoke", args=[document.result.application_id]), {"reason": reason}
    )


def test_a_supervisor_of_the_office_revokes_and_the_page_says_revoked(
    client: Client, issued: RenderedDocument, supervisor: User
) -> None:
    response = _revoke(client, supervisor, issued, "Выдан по ошибке: неверная дата.")

    assert response.status_code == 302
    page = _page(english_client(), issued)
    assert 'data-status="revoked"' in page
    assert "Выдан по ошибке: неверная дата." in page
    document = RenderedDocument.objects.get(pk=issued.pk)
    assert document.revoked_at is not None and document.revoked_by == supervisor
    assert AuditEntry.objects.filter(action="document_revoke", succeeded=True, actor=supervisor).exists()


def test_the_staff_page_offers_revocation_to_the_supervisor_only(
    client: Client, issued: RenderedDocument, supervisor: User, clerk: User
) -> None:
    url = reverse("services:application", args=[issued.result.application_id])
    revoke_url = reverse("services:result-revoke", args=[issued.result.application_id])

    client.force_login(supervisor)
    assert revoke_url in client.get(url).content.decode()
    client.force_login(clerk)
    assert revoke_url not in client.get(url).content.decode()


def test_a_supervisor_of_another_office_cannot_revoke(
    client: Client, issued: RenderedDocument, zhanaozen: Office
) -> None:
    other = UserFactory(username="supervisor.zhanaozen", office=zhanaozen, role=Role.SUPERVISOR)

    response = _revoke(client, other, issued)

    assert response.status_code == 404
    assert RenderedDocument.objects.get(pk=issued.pk).revoked_at is None


def test_a_clerk_cannot_revoke(client: Client, issued: RenderedDocument, clerk: User) -> None:
    response = _revoke(client, clerk, issued)

    assert response.status_code == 403
    assert RenderedDocument.objects.get(pk=issued.pk).revoked_at is None


def test_a_revocation_without_a_reason_is_refused_and_audited(
    client: Client, issued: RenderedDocument, supervisor: User
) -> None:
    response = _revoke(client, supervisor, issued, "   ")

    assert response.status_code == 302
    assert RenderedDocument.objects.get(pk=issued.pk).revoked_at is None
    assert AuditEntry.objects.filter(action="document_revoke", succeeded=False).exists()
    page = english_client().get(reverse("verify:document", args=[issued.code])).content.decode()
    assert 'data-status="valid"' in page


# --- rate limits of the public page -----------------------------------------------


def _from(address: str) -> Client:
    client = english_client()
    client.defaults["REMOTE_ADDR"] = address
    return client


def test_lookups_past_the_limit_of_one_address_get_a_429_page_and_others_are_served(
    issued: RenderedDocument, settings: Any
) -> None:
    settings.VERIFY_LOOKUPS_PER_MINUTE = 3
    url = reverse("verify:document", args=[issued.code])
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    with time_machine.travel(
        datetime.datetime(2031, 5, 6, 10, 0, 5, tzinfo=datetime.UTC), tick=False
    ) as clock:
        client = _from(address)
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]

        refused = client.get(url)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert "checked from your address too often" in refused.content.decode()
        assert client.get(reverse("verify:document", args=["ZZZZZ-ZZZZZ"])).status_code == 429
        assert _from("203.0.113.9").get(url).status_code == 200

        clock.shift(datetime.timedelta(seconds=61))
        assert client.get(url).status_code == 200


def test_uploaded_checks_have_their_own_lower_limit(issued: RenderedDocument, settings: Any) -> None:
    settings.VERIFY_LOOKUPS_PER_MINUTE = 10
    settings.VERIFY_CHECKS_PER_MINUTE = 1
    url = reverse("verify:document", args=[issued.code])
    with time_machine.travel(datetime.datetime(2031, 5, 6, 11, 0, 5, tzinfo=datetime.UTC), tick=False):
        client = _from(f"192.0.2.{secrets.randbelow(250) + 1}")
        assert client.post(url, {"pdf": _pdf(issued.pdf)}).status_code == 200
        assert client.post(url, {"pdf": _pdf(issued.pdf)}).status_code == 429
        assert client.get(url).status_code == 200


def test_with_the_cache_unreachable_the_page_is_served(issued: RenderedDocument, settings: Any) -> None:
    settings.VERIFY_LOOKUPS_PER_MINUTE = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = _from("198.51.100.250")
    url = reverse("verify:document", args=[issued.code])

    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
