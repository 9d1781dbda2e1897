"""A gateway message apart from its transport, and the bytes its applicant signs.

Public: ``IncomingMessage``, ``canonical_message``.

The REST view builds an ``IncomingMessage`` from the posted JSON; a SOAP
adapter would build the same from an envelope (DOMAIN.md: keep the
transport apart from the handling). The signed bytes are the UTF-8 JSON of
the signed fields (``SIGNED_KEYS``) exactly as the client sent them — keys
sorted, separators ``,`` and ``:``, non-ASCII characters as themselves — so
the portal rebuilds them from the message and never trusts bytes it is
handed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from gateway.constants import SIGNED_KEYS


@dataclass(frozen=True)
class IncomingMessage:
    """A request as the client sent it: checked for form, not yet for sense."""

    message_id: uuid.UUID
    service_code: str
    office_code: str
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    measure_kind: str
    data: dict[str, Any]
    signature: bytes
    # The signed fields as posted (``SIGNED_KEYS``, those the client sent).
    signed_fields: dict[str, Any]

    @property
    def content(self) -> bytes:
        return canonical_message(self.signed_fields)


def canonical_message(fields: dict[str, Any]) -> bytes:
    """The exact bytes the applicant signs: the signed keys present in
    ``fields``, as they are, as canonical JSON."""
    body = {key: fields[key] for key in SIGNED_KEYS if key in fields}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
