"""Reads of result documents (issue 5). Public: ``rendered_document_for``,
``rendered_document_by_code``, ``normalised_code``, ``verification_facts``,
``results_awaiting_document``.

Staff and citizens reach a document only through an application they may
already see (``services.selectors``); the public page reaches it by its
code alone and gets the few facts it may show (``VerificationFacts``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from reglament.models import Office
from services.documents import mask_name, signed_fields
from services.models import VERIFICATION_ALPHABET, VERIFICATION_CODE_LENGTH, RenderedDocument, ResultDocument


def rendered_document_for(*, result: ResultDocument | None) -> RenderedDocument | None:
    """The stored PDF's row of a result (without the bytes), or None while it is being prepared."""
    if result is None:
        return None
    return RenderedDocument.objects.filter(result=result).defer("pdf").select_related("revoked_by").first()


def results_awaiting_document(*, signed_before: datetime.datetime, limit: int = 500) -> list[int]:
    """Ids of signed results that still have no PDF, oldest first: those
    whose rendering task was lost (a broker or worker down at the time)."""
    return list(
        ResultDocument.objects.filter(rendered__isnull=True, signed_at__lt=signed_before)
        .order_by("signed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def normalised_code(raw: str) -> str | None:
    """A code as typed from paper: case, spaces and dashes do not matter."""
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != VERIFICATION_CODE_LENGTH or any(ch not in VERIFICATION_ALPHABET for ch in code):
        return None
    return code


def rendered_document_by_code(*, code: str) -> RenderedDocument | None:
    normalised = normalised_code(code)
    if normalised is None:
        return None
    return (
        RenderedDocument.objects.defer("pdf")
        .select_related("result__application__office__calendar", "result__signed_by")
        .filter(code=normalised)
        .first()
    )


@dataclass(frozen=True)
class VerificationFacts:
    """What the public page shows: nothing personal beyond a masked name."""

    kind_label: str
    number: str
    signed_at: datetime.datetime
    office: Office
    signer: str
    certificate_serial: str
    masked_name: str
    pdf_sha256: str
    revoked_at: datetime.datetime | None
    revocation_reason: str


def verification_facts(*, document: RenderedDocument) -> VerificationFacts:
    result = document.result
    application = result.application
    name = (signed_fields(result).get("applicant") or {}).get("name") or ""
    return VerificationFacts(
        kind_label=str(result.get_kind_display()),
        number=application.number or "",
        signed_at=result.signed_at,
        office=application.office,
        signer=result.signed_by.get_full_name() or result.signed_by.get_username(),
        certificate_serial=result.certificate_serial,
        masked_name=mask_name(str(name)),
        pdf_sha256=document.pdf_sha256,
        revoked_at=document.revoked_at,
        revocation_reason=document.revocation_reason,
    )
