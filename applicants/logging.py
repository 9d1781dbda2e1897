"""A logging filter that masks anything shaped like an IIN or BIN."""

from __future__ import annotations

import logging
import re

from applicants.identifiers import mask_iin

_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def mask_identifiers(text: str) -> str:
    return _TWELVE_DIGITS.sub(lambda m: mask_iin(m.group(0)), text)


class MaskIinFilter(logging.Filter):
    """Rewrites the record's message so no 12-digit identifier reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_identifiers(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
