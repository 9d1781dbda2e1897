"""Result documents on paper (issue 5): the A4 PDF of every signed result,
its public verification code, its revocation, and the checks the public
verification page runs on uploaded files.

Public writes (keyword-only, one transaction each, audited):
``result_document_render`` — render the PDF of a signed result once and
store it (idempotent, safe under concurrent runs); ``rendered_document_revoke``
— a supervisor of the office revokes it with a reason.

Public helpers: ``render_result_pdf`` and ``result_html`` (the rendering alone,
for the benchmark), ``result_template``, ``verify_url``, ``mask_name``,
``check_uploaded_pdf``, ``check_uploaded_signature`` (``PdfCheck``,
``SignatureCheck``) and the ``DocumentError`` family.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applicants.models import User
from audit.services import audit_record
from pki.errors import SignatureError
from services.constants import ResultKind
from services.models import (
    VERIFICATION_ALPHABET,
    VERIFICATION_CODE_LENGTH,
    RenderedDocument,
    ResultDocument,
)
from services.pdf import render_to_pdf


class DocumentError(Exception):
    """A refused action on a result document; ``message`` is shown as is."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(DocumentError):
    code = "not_permitted"


class WrongOffice(DocumentError):
    code = "wrong_office"


class InvalidInput(DocumentError):
    code = "invalid"


# --- the fixed bilingual text of each kind ------------------------------------
# The paper goes to employers, banks and courts whatever language the portal
# showed: its fixed text is Kazakh and Russian side by side (as the receipt
# and the journal are), not a translation of the English source.


@dataclass(frozen=True)
class KindText:
    template: str
    title_kk: str
    title_ru: str
    body_kk: str
    body_ru: str


_REFERRAL = "documents/result_referral.html"
KIND_TEXT: dict[str, KindText] = {
    ResultKind.NOTIFICATION: KindText(
        "documents/result_notification.html",
        "Жұмыс іздеуші ретінде тіркеу туралы хабарлама",
        "Уведомление о регистрации в качестве лица, ищущего работу",
        "Сіз жұмыспен қамту орталығында жұмыс іздеуші ретінде тіркелдіңіз.",
        "Вы зарегистрированы в центре занятости в качестве лица, ищущего работу.",
    ),
    ResultKind.CERTIFICATE: KindText(
        "documents/result_certificate.html",
        "Жұмыссыз ретінде тіркеу туралы анықтама",
        "Справка о регистрации в качестве безработного",
        "Осы анықтама азаматтың жұмыспен қамту орталығында жұмыссыз ретінде тіркелгенін растайды.",
        "Настоящая справка подтверждает, что гражданин зарегистрирован в центре занятости "
        "в качестве безработного.",
    ),
    ResultKind.REFERRAL_EMPLOYMENT: KindText(
        _REFERRAL,
        "Жұмысқа орналасуға жолдама",
        "Направление на трудоустройство",
        "Жұмыспен қамту орталығы азаматты төменде көрсетілген бос жұмыс орнына жолдайды.",
        "Центр занятости направляет гражданина на указанную ниже вакансию.",
    ),
    ResultKind.REFERRAL_YOUTH_PRACTICE: KindText(
        _REFERRAL,
        "Жастар практикасына жолдама",
        "Направление на молодёжную практику",
        "Жұмыспен қамту орталығы азаматты төменде көрсетілген жастар практикасына жолдайды.",
        "Центр занятости направляет гражданина на указанную ниже молодёжную практику.",
    ),
    ResultKind.REFERRAL_SOCIAL_JOBS: KindText(
        _REFERRAL,
        "Әлеуметтік жұмыс орындарына жолдама",
        "Направление на социальные рабочие места",
        "Жұмыспен қамту орталығы азаматты төменде көрсетілген әлеуметтік жұмыс орнына жолдайды.",
        "Центр занятости направляет гражданина на указанное ниже социальное рабочее место.",
    ),
    ResultKind.REFERRAL_PUBLIC_WORKS: KindText(
        _REFERRAL,
        "Қоғамдық жұмыстарға жолдама",
        "Направление на общественные работы",
        "Жұмыспен қамту орталығы азаматты төменде көрсетілген қоғамдық жұмыстарға жолдайды.",
        "Центр занятости направляет гражданина на указанные ниже общественные работы.",
    ),
    ResultKind.REFUSAL: KindText(
        "documents/result_refusal.html",
        "Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
        "Мотивированный отказ в оказании государственной услуги",
        "Мемлекеттік қызметті көрсетуден төменде көрсетілген негіз бойынша бас тартылады.",
        "В оказании государственной услуги отказано по указанному ниже основанию.",
    ),
}


def result_template(kind: str) -> str:
    return KIND_TEXT[kind].template


def verify_url(code: str) -> str:
    """The absolute address the QR code leads to."""
    return f"{settings.PORTAL_BASE_URL}{reverse('verify:document', args=[code])}"


def _qr_data_uri(url: str) -> str:
    # SVG keeps the modules sharp at any print resolution.
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=0))


def mask_name(full_name: str) -> str:
    """A name for public pages: the surname, then the first letter of each
    given name — "Жумабаев Ерлан Болатович" → "Жумабаев Е. Б."."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])


def signed_fields(result: ResultDocument) -> dict[str, Any]:
    """What the executor signed (``services.services._canonical_result``)."""
    try:
        body = json.loads(bytes(result.content))
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _load(result_id: int) -> ResultDocument:
    return ResultDocument.objects.select_related(
        "application__office__calendar",
        "application__applicant",
        "application__service",
        "application__refusal_ground",
        "signed_by",
        "vacancy__employer",
        "programme__employer",
    ).get(pk=result_id)


def _context(result: ResultDocument, *, code: str) -> dict[str, Any]:
    application = result.application
    office = application.office
    text = KIND_TEXT[result.kind]
    signed = signed_fields(result)
    url = verify_url(code)
    half = len(code) // 2
    return {
        "office": office,
        "tz": office.tz,
        "application": application,
        "applicant": application.applicant,
        # The name as it was signed: a later change of the record does not rewrite the paper.
        "applicant_name": (signed.get("applicant") or {}).get("name") or application.applicant.full_name,
        "service": application.service,
        "result": result,
        "kind": text,
        "text": signed.get("text") or "",
        "signer": result.signed_by.get_full_name() or result.signed_by.get_username(),
        "ground": application.refusal_ground if result.kind == ResultKind.REFUSAL else None,
        "vacancy": result.vacancy,
        "programme": result.programme,
        "verify_url": url,
        "verify_code": f"{code[:half]}-{code[half:]}",
        "qr": _qr_data_uri(url),
    }


def render_result_pdf(*, result_id: int, code: str) -> bytes:
    """The PDF of one signed result carrying ``code``: read, laid out, printed."""
    result = _load(result_id)
    return render_to_pdf(result_template(result.kind), _context(result, code=code), language="kk")


def result_html(*, result_id: int, code: str) -> str:
    """The HTML ``render_result_pdf`` prints (for the benchmark's baseline)."""
    result = _load(result_id)
    with translation.override("kk"):
        return render_to_string(result_template(result.kind), _context(result, code=code))


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(VERIFICATION_ALPHABET) for _i in range(VERIFICATION_CODE_LENGTH))
        # 31^10 ≈ 8·10^14 codes: a clash is a curiosity, but never a 500.
        if not RenderedDocument.objects.filter(code=code).exists():
            return code


def result_document_render(*, result_id: int) -> RenderedDocument:
    """Render and store the PDF of a signed result, once.

    The result row is locked for the whole run: a second run (a retried or
    duplicated task) waits, then finds the stored document and returns it
    untouched — a document is never rendered again once stored."""
    with transaction.atomic():
        ResultDocument.objects.select_for_update().filter(pk=result_id).values_list("pk", flat=True).get()
        existing = RenderedDocument.objects.filter(result_id=result_id).defer("pdf").first()
        if existing is not None:
            return existing
        code = _new_code()
        pdf = render_result_pdf(result_id=result_id, code=code)
        rendered = RenderedDocument.objects.create(
            result_id=result_id,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            code=code,
            rendered_at=timezone.now(),
        )
        audit_record(
            actor=None,
            action="document_render",
            target=rendered,
            remark=code,
            changes={"pdf_sha256": rendered.pdf_sha256, "size": len(pdf)},
        )
    return rendered


def _revoke(document_id: int, supervisor: User, reason: str) -> RenderedDocument:
    document = (
        RenderedDocument.objects.select_for_update(of=("self",))
        .select_related("result__application")
        .defer("pdf")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise InvalidInput(_("There is no such document."))
    if not supervisor.is_active or not supervisor.has_perm("services.revoke_rendereddocument"):
        raise NotPermitted(_("Your role does not allow you to revoke documents."))
    application = document.result.application
    if application.office_id != supervisor.office_id and not supervisor.has_perm(
        "services.act_in_any_office"
    ):
        raise WrongOffice(_("The document belongs to another office; you can act only within your own."))
    if document.is_revoked:
        raise InvalidInput(_("The document is already revoked."))
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput(
            _("Write the reason for the revocation: anyone checking the document will read it.")
        )
    document.revoked_at = timezone.now()
    document.revoked_by = supervisor
    document.revocation_reason = cleaned[:2000]
    document.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit_record(
        actor=supervisor, action="document_revoke", target=document, remark=document.revocation_reason
    )
    return document


def rendered_document_revoke(*, document_id: int, supervisor: User, reason: str) -> RenderedDocument:
    """A supervisor of the document's office revokes it with a reason; the
    verification page then says so. A refusal changes nothing and is audited."""
    try:
        with transaction.atomic():
            return _revoke(document_id, supervisor, reason)
    except DocumentError as exc:
        target = RenderedDocument.objects.filter(pk=document_id).defer("pdf").first()
        if target is not None:
            audit_record(
                actor=supervisor,
                action="document_revoke",
                target=target,
                remark=exc.message,
                changes={"refused": exc.code},
                succeeded=False,
            )
        raise


# --- the public checks of uploaded files ------------------------------------------

SIGNATURE_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class PdfCheck:
    matches: bool
    sha256: str


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    message: str
    signer: str = ""


def check_uploaded_pdf(*, document: RenderedDocument, data: bytes) -> PdfCheck:
    """Whether an uploaded file is, byte for byte, the PDF that was issued."""
    sha = hashlib.sha256(data).hexdigest()
    return PdfCheck(matches=secrets.compare_digest(sha, document.pdf_sha256), sha256=sha)


def _der(data: bytes) -> bytes:
    """A .p7s as DER; a PEM or bare base64 one is decoded."""
    if data[:1] == b"\x30":
        return data
    text = b"".join(line for line in data.strip().splitlines() if not line.startswith(b"-----"))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return data


def check_uploaded_signature(
    *, document: RenderedDocument, data: bytes, at: datetime.datetime | None = None
) -> SignatureCheck:
    """Whether an uploaded .p7s is a valid signature of the content the
    executor signed for this document, by the certificate named on it: the
    chain to a trusted authority, the certificate's validity when it was
    signed, revocation, a signing key (``pki.selectors.verify_trusted``)."""
    from pki.selectors import verify_trusted

    result = document.result
    try:
        verified = verify_trusted(data=bytes(result.content), signature=_der(data), at=at or result.signed_at)
    except SignatureError as exc:
        return SignatureCheck(valid=False, message=str(exc))
    except (ValueError, TypeError):
        return SignatureCheck(
            valid=False,
            message=_(
                "The file is not a signature the portal can read (a CMS/PKCS#7 signature is expected)."
            ),
        )
    if verified.serial != result.certificate_serial.lower():
        return SignatureCheck(
            valid=False,
            message=_(
                "The signature is valid, but it was made with another certificate than the one "
                "that signed this document."
            ),
            signer=verified.common_name,
        )
    return SignatureCheck(
        valid=True,
        message=_("The signature is valid: it was made over this document's signed content by its signer."),
        signer=verified.common_name,
    )
