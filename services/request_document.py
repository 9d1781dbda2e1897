"""The document a citizen signs for a portal request (P5) — the exact bytes.

Public: ``canonical_request``, ``canonical_request_text``, ``FORMAT``.

The signature is detached, so the portal must be able to rebuild the signed
bytes from the database at any time: deterministic UTF-8 JSON (sorted keys,
no spaces, no ASCII escaping) of what the request says — who asks which
office for which service, the form as filled, and a fingerprint of every
attached file (its SHA-256, size and type, not its name). Changing any of it
after signing breaks the signature, which is the point. The format is
versioned: a change to what goes in gets a new ``FORMAT``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.models import Application

FORMAT = "employment-portal/request/1"


def _attachments(application: Application) -> list[dict[str, Any]]:
    # The attachments relation arrives with the citizen cabinet; until then a
    # request has none.
    related = getattr(application, "attachments", None)
    if related is None:
        return []
    return [
        {
            "document": getattr(attachment, "document_id", None),
            "sha256": attachment.sha256,
            "size": attachment.size,
            "content_type": attachment.content_type,
        }
        for attachment in related.order_by("pk")
    ]


def _body(application: Application) -> dict[str, Any]:
    applicant = application.applicant
    return {
        "format": FORMAT,
        "draft": application.pk,
        "service": application.service.code,
        "office": application.office.code,
        "applicant": {"iin": applicant.iin, "name": applicant.full_name},
        "measure_kind": application.measure_kind or None,
        "data": application.data or {},
        "attachments": _attachments(application),
    }


def canonical_request(application: Application) -> bytes:
    """The exact bytes the applicant signs (and the portal verifies against)."""
    return json.dumps(_body(application), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def canonical_request_text(application: Application) -> str:
    """The same content laid out for reading (indented, one field a line),
    to show the applicant what they sign; the signed bytes are
    ``canonical_request``."""
    return json.dumps(_body(application), ensure_ascii=False, sort_keys=True, indent=2)
