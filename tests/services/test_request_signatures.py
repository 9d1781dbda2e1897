"""P5–P8: a citizen's signed request is checked (P6), refused with its own
message and nothing submitted when the signature is not confirmed (P7), and
otherwise registered at once (P8). Also the trusted CAs and their
revocation lists, the canonical request, and the signing page."""

from __future__ import annotations

import base64
import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, User
from audit.models import AuditEntry
from pki.ca import CaFiles, create_ca, revoke
from pki.models import TrustedCA
from pki.selectors import current_crls, trusted_roots
from pki.tasks import refresh_crls, trusted_ca_ensure_test_ca, trusted_ca_refresh_crl
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Attachment, RequiredDocument, StepRecord
from services.request_document import FORMAT, canonical_request, canonical_request_text
from tests.factories import ApplicantFactory, UserFactory, valid_iin
from tests.signing import citizen_certificate, sign_request, trusted_test_ca

pytestmark = pytest.mark.django_db

CHANGED = "The request was changed after it was signed; please check it and sign it again."
ANOTHER_PERSON = "The certificate belongs to another person: its IIN does not match the applicant's."
EXPIRED = "The signer's certificate had expired."
REVOKED = "The signer's certificate has been revoked by the certification authority."
UNTRUSTED = "The signer's certificate was not issued by a trusted certification authority."
AUTH_KEY = (
    "This certificate is not for signing documents (it is an authentication key); "
    "please sign with your signing key."
)
DIFFERENT_DOCUMENT = (
    "The signature is for a different document, not for this request; please sign this request."
)
GARBAGE = "The file is not a signature the portal can read (a CMS/PKCS#7 signature is expected)."
CRL_STALE = (
    "The certification authority's revocation list is out of date, so the certificate "
    "cannot be checked now; please try again later."
)
CRL_NOT_LOADED = "The revocation list of the certificate authority has not been loaded yet; try again later."


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@pytest.fixture
def draft(citizen: User, applicant: Applicant, aktau: Office) -> Application:
    return svc.application_create_draft(
        actor=citizen,
        applicant_id=applicant.pk,
        office_id=aktau.pk,
        service_code="S1",
        data={"education": "secondary", "note": "Ищу работу водителем."},
    )


def assert_signature_refused(
    draft: Application,
    citizen: User,
    signature: bytes,
    message: str,
    *,
    code: str,
    signed_document: bytes | None = None,
) -> None:
    """Refused with exactly ``message``; the draft untouched; the refusal audited."""
    with pytest.raises(svc.SignatureRefused) as caught:
        svc.application_submit(
            application_id=draft.pk, actor=citizen, signature=signature, signed_document=signed_document
        )

    assert caught.value.message == message
    assert caught.value.code == code
    stored = Application.objects.get(pk=draft.pk)
    assert stored.state == State.DRAFT
    assert stored.number is None
    assert stored.request_signature is None
    assert not StepRecord.objects.filter(application=draft).exists()
    refusal = AuditEntry.objects.filter(action="submit").get()
    assert refusal.succeeded is False
    assert refusal.remark == message
    assert refusal.changes == {"refused": code}


def other_ca(tmp_path: Path, *, crl: str) -> tuple[CaFiles, TrustedCA]:
    """Another trusted CA, outside the session's; ``crl`` "stale" or "missing"."""
    ca = create_ca(directory=tmp_path / "other-ca", common_name="OTHER TEST CA")
    if crl == "stale":
        revoke(
            ca=ca,
            serials=[],
            last_update=utcnow() - datetime.timedelta(days=3),
            next_update=utcnow() - datetime.timedelta(days=1),
        )
    trusted = TrustedCA.objects.create(
        name="Other CA",
        certificate_pem=ca.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        crl_url=ca.crl_path.as_uri(),
    )
    trusted_ca_refresh_crl(trusted_ca_id=trusted.pk)
    return ca, trusted


# --- the happy path (P8) -------------------------------------------------------


def test_a_request_signed_by_the_applicant_is_submitted_and_registered_with_a_number(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    certificate = citizen_certificate(applicant)
    signature = sign_request(draft, certificate)

    registered = svc.application_submit(application_id=draft.pk, actor=citizen, signature=signature)

    stored = Application.objects.get(pk=draft.pk)
    assert registered.state == stored.state == State.REGISTERED
    assert stored.number is not None and stored.number.startswith("AKT-")
    assert bytes(stored.request_signature) == signature
    assert stored.steps.get(code="intake").finished_at is not None
    review = stored.steps.get(code="review")
    assert review.finished_at is None and review.started_at is not None
    submitted = AuditEntry.objects.get(action="submit")
    assert submitted.succeeded and submitted.to_state == State.SUBMITTED
    assert submitted.changes["certificate_serial"] == f"{certificate.serial:x}"
    assert AuditEntry.objects.get(action="register").remark == stored.number


# --- each way of not being confirmed, with its own message (P7) ----------------


def test_a_request_changed_after_signing_is_refused_and_stays_a_draft(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    signed = canonical_request(draft)
    signature = sign_request(draft, citizen_certificate(applicant))
    Application.objects.filter(pk=draft.pk).update(
        data={"education": "higher", "note": "Ищу работу водителем."}
    )

    assert_signature_refused(
        draft, citizen, signature, CHANGED, code="document_changed", signed_document=signed
    )


def test_a_signature_with_another_persons_certificate_is_refused(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    someone_else = citizen_certificate(applicant, iin=valid_iin())

    assert_signature_refused(
        draft, citizen, sign_request(draft, someone_else), ANOTHER_PERSON, code="iin_mismatch"
    )


def test_a_signature_with_an_expired_certificate_is_refused(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    expired = citizen_certificate(
        applicant,
        not_before=utcnow() - datetime.timedelta(days=730),
        not_after=utcnow() - datetime.timedelta(days=365),
    )

    assert_signature_refused(draft, citizen, sign_request(draft, expired), EXPIRED, code="expired")


def test_a_signature_with_a_revoked_certificate_is_refused(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    certificate = citizen_certificate(applicant)
    signature = sign_request(draft, certificate)
    revoke(ca=trusted_test_ca(), serials=[certificate.serial])
    refresh_crls()

    assert_signature_refused(draft, citizen, signature, REVOKED, code="revoked")


def test_a_signature_from_an_untrusted_ca_is_refused(
    draft: Application, citizen: User, applicant: Applicant, tmp_path: Path
) -> None:
    trusted_test_ca()
    stranger_ca = create_ca(directory=tmp_path / "untrusted", common_name="SOMEONE'S OWN CA")
    certificate = citizen_certificate(applicant, ca=stranger_ca)

    assert_signature_refused(draft, citizen, sign_request(draft, certificate), UNTRUSTED, code="untrusted")


def test_a_signature_made_with_an_authentication_key_is_refused(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    authentication = citizen_certificate(applicant, purpose="auth")

    assert_signature_refused(
        draft, citizen, sign_request(draft, authentication), AUTH_KEY, code="wrong_key_usage"
    )


def test_a_signature_over_a_different_document_is_refused(
    draft: Application, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    other_draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    other_document = canonical_request(other_draft)
    signature = sign_request(draft, citizen_certificate(applicant), data=other_document)

    assert_signature_refused(
        draft, citizen, signature, DIFFERENT_DOCUMENT, code="digest_mismatch", signed_document=other_document
    )


def test_garbage_instead_of_a_cms_signature_is_refused(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    citizen_certificate(applicant)

    assert_signature_refused(draft, citizen, b"0\x80 this is not CMS", GARBAGE, code="garbage")


# --- revocation lists ---------------------------------------------------------


def test_a_signature_is_refused_while_the_cas_revocation_list_is_out_of_date(
    draft: Application, citizen: User, applicant: Applicant, tmp_path: Path
) -> None:
    ca, trusted = other_ca(tmp_path, crl="stale")
    assert trusted.__class__.objects.get(pk=trusted.pk).crl_next_update < utcnow()

    signature = sign_request(draft, citizen_certificate(applicant, ca=ca))

    assert_signature_refused(draft, citizen, signature, CRL_STALE, code="crl_stale")


def test_a_signature_is_refused_until_the_cas_revocation_list_has_been_loaded(
    draft: Application, citizen: User, applicant: Applicant, tmp_path: Path
) -> None:
    ca, trusted = other_ca(tmp_path, crl="missing")
    assert TrustedCA.objects.get(pk=trusted.pk).crl_der is None

    signature = sign_request(draft, citizen_certificate(applicant, ca=ca))

    assert_signature_refused(draft, citizen, signature, CRL_NOT_LOADED, code="crl_not_loaded")


def test_a_failed_fetch_keeps_the_revocation_list_already_cached(tmp_path: Path) -> None:
    trusted = trusted_ca_ensure_test_ca()
    cached = bytes(trusted.crl_der)
    TrustedCA.objects.filter(pk=trusted.pk).update(crl_url=(tmp_path / "gone.crl").as_uri())

    assert trusted_ca_refresh_crl(trusted_ca_id=trusted.pk) is False

    trusted.refresh_from_db()
    assert bytes(trusted.crl_der) == cached
    assert "cannot fetch" in trusted.crl_error


def test_a_revocation_list_signed_by_another_ca_is_not_taken(tmp_path: Path) -> None:
    trusted = trusted_ca_ensure_test_ca()
    cached = bytes(trusted.crl_der)
    # The same name as the test CA, another key.
    impostor = create_ca(directory=tmp_path / "impostor")
    revoke(ca=impostor, serials=[1])
    TrustedCA.objects.filter(pk=trusted.pk).update(crl_url=impostor.crl_path.as_uri())

    assert trusted_ca_refresh_crl(trusted_ca_id=trusted.pk) is False

    trusted.refresh_from_db()
    assert bytes(trusted.crl_der) == cached
    assert "not signed by the authority's key" in trusted.crl_error


def test_the_test_ca_is_trusted_once_however_often_it_is_ensured() -> None:
    first = trusted_ca_ensure_test_ca()
    second = trusted_ca_ensure_test_ca()

    assert first.pk == second.pk
    assert TrustedCA.objects.count() == 1
    assert first.crl_url.startswith("file://") and first.crl_der is not None
    assert [root.subject for root in trusted_roots()] == [trusted_test_ca().certificate.subject]
    assert len(current_crls()) == 1


def test_a_switched_off_ca_is_not_trusted(draft: Application, citizen: User, applicant: Applicant) -> None:
    signature = sign_request(draft, citizen_certificate(applicant))
    TrustedCA.objects.update(is_active=False)

    assert_signature_refused(draft, citizen, signature, UNTRUSTED, code="untrusted")


def test_a_trusted_ca_must_be_a_certification_authority(applicant: Applicant) -> None:
    person = citizen_certificate(applicant)
    candidate = TrustedCA(name="Not a CA", certificate_pem=person.certificate_pem)

    with pytest.raises(ValidationError) as caught:
        candidate.full_clean()

    assert "not a certification authority" in str(caught.value.message_dict["certificate_pem"])


# --- the canonical request -----------------------------------------------------


def test_the_canonical_request_is_deterministic_json_of_what_the_applicant_asks(
    draft: Application, applicant: Applicant
) -> None:
    content = canonical_request(draft)

    assert content == canonical_request(Application.objects.get(pk=draft.pk))
    assert content.startswith(b'{"applicant":{"iin":"' + applicant.iin.encode())
    assert f'"format":"{FORMAT}"'.encode() in content
    assert f'"draft":{draft.pk}'.encode() in content
    assert '"note":"Ищу работу водителем."'.encode() in content
    assert b" " not in content.replace("Ищу работу водителем.".encode(), b"").replace(
        applicant.full_name.encode(), b""
    )
    assert "Ищу работу водителем." in canonical_request_text(draft)


def test_an_attachment_added_after_signing_breaks_the_signature(
    draft: Application, citizen: User, applicant: Applicant
) -> None:
    signed = canonical_request(draft)
    signature = sign_request(draft, citizen_certificate(applicant))
    Attachment.objects.create(
        application=draft,
        document=RequiredDocument.objects.filter(service=draft.service).first(),
        file="attachments/test/passport",
        sha256="ab" * 32,
        content_type="application/pdf",
        size=1234,
        original_name="passport.pdf",
    )

    assert '"sha256":"' + "ab" * 32 + '"' in canonical_request(draft).decode()
    assert_signature_refused(
        draft, citizen, signature, CHANGED, code="document_changed", signed_document=signed
    )


# --- the signing page ------------------------------------------------------------


@pytest.fixture
def page_client(client: Client) -> Client:
    """A browser that asked for English pages (the messages asserted are the English source)."""
    client.cookies["django_language"] = "en"
    return client


def sign_url(application: Application) -> str:
    return reverse("signing:sign", kwargs={"pk": application.pk})


def test_the_sign_page_shows_the_owner_the_document_and_the_sign_button(
    page_client: Client, draft: Application, citizen: User, applicant: Applicant
) -> None:
    page_client.force_login(citizen)

    response = page_client.get(sign_url(draft))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-document="{base64.b64encode(canonical_request(draft)).decode()}"' in page
    assert 'data-ncalayer="wss://127.0.0.1:13579/"' in page
    assert f'data-iin="{applicant.iin}"' in page
    assert "Sign and send" in page
    assert "Ищу работу водителем." in page
    assert "<script>" not in page  # CSP: scripts come from files only


def test_another_citizen_gets_not_found_on_someone_elses_sign_page(
    page_client: Client, draft: Application
) -> None:
    other = ApplicantFactory()
    page_client.force_login(UserFactory(username=other.iin, iin=other.iin))

    assert page_client.get(sign_url(draft)).status_code == 404
    assert page_client.post(sign_url(draft), {"signature": "MA=="}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(page_client: Client, draft: Application) -> None:
    response = page_client.get(sign_url(draft))

    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_a_refused_signature_is_shown_on_the_page_and_the_request_stays_a_draft(
    page_client: Client, draft: Application, citizen: User, applicant: Applicant
) -> None:
    page_client.force_login(citizen)
    someone_else = citizen_certificate(applicant, iin=valid_iin())
    signature = base64.b64encode(sign_request(draft, someone_else)).decode()

    response = page_client.post(sign_url(draft), {"signature": signature})

    assert response.status_code == 200
    page = response.content.decode()
    assert "The signature was not confirmed" in page
    assert "The certificate belongs to another person" in page
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT


def test_a_good_signature_posted_from_the_page_registers_the_request(
    page_client: Client, draft: Application, citizen: User, applicant: Applicant, settings: Any
) -> None:
    settings.NCALAYER_URL = "ws://127.0.0.1:13579/"
    page_client.force_login(citizen)
    document = canonical_request(draft)
    signature = sign_request(draft, citizen_certificate(applicant), data=document)

    response = page_client.post(
        sign_url(draft),
        {"signature": base64.b64encode(signature).decode(), "document": base64.b64encode(document).decode()},
    )

    stored = Application.objects.get(pk=draft.pk)
    assert stored.state == State.REGISTERED
    assert response.status_code == 302
    assert page_client.get(sign_url(draft)).status_code == 302  # no second signing


def test_a_sign_page_post_that_is_not_base64_is_refused_as_garbage(
    page_client: Client, draft: Application, citizen: User, applicant: Applicant
) -> None:
    page_client.force_login(citizen)
    citizen_certificate(applicant)

    response = page_client.post(sign_url(draft), {"signature": "%%% not base64 %%%"})

    assert GARBAGE in response.content.decode()
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT
    assert AuditEntry.objects.filter(action="submit", succeeded=False).count() == 1
