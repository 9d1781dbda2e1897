"""IIN and BIN: format and check digit (DOMAIN.md).

Public: ``validate_iin``, ``validate_bin``, ``iin_birth_date_hint``, ``mask_iin``.
The check digit is the same for both numbers. The birth date and sex encoded
in an IIN are only a hint: since 2013 they are not guaranteed to match the
person, so they never make a number invalid.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for 11 digits, or None when the number is never issued."""
    digits = [int(c) for c in first_eleven]
    s = sum(d * w for d, w in zip(digits, _WEIGHTS_FIRST, strict=True)) % 11
    if s == 10:
        s = sum(d * w for d, w in zip(digits, _WEIGHTS_SECOND, strict=True)) % 11
        if s == 10:
            return None
    return s


def _validate_twelve_digits(value: str, *, kind: str) -> None:
    if not isinstance(value, str):
        raise ValidationError(_("The %(kind)s must be text."), code="type", params={"kind": kind})
    if not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("The %(kind)s must contain digits only; “%(value)s” has other characters."),
            code="not_digits",
            params={"kind": kind, "value": value},
        )
    if len(value) != 12:
        raise ValidationError(
            _("The %(kind)s must have 12 digits; “%(value)s” has %(length)d."),
            code="length",
            params={"kind": kind, "value": value, "length": len(value)},
        )
    expected = check_digit(value[:11])
    if expected is None or int(value[11]) != expected:
        raise ValidationError(
            _("The %(kind)s %(value)s has a wrong check digit (the last digit); please check it."),
            code="check_digit",
            params={"kind": kind, "value": value},
        )


def validate_iin(value: str) -> None:
    """Raise ValidationError saying what is wrong with an IIN."""
    _validate_twelve_digits(value, kind=str(_("IIN")))


def validate_bin(value: str) -> None:
    """Raise ValidationError saying what is wrong with a BIN."""
    _validate_twelve_digits(value, kind=str(_("BIN")))
    if value[4] not in "456":
        raise ValidationError(
            _("The BIN %(value)s has an unknown entity type digit (the fifth digit must be 4, 5 or 6)."),
            code="type_digit",
            params={"value": value},
        )


def iin_birth_date_hint(iin: str) -> datetime.date | None:
    """The birth date encoded in an IIN, or None when it does not make a date.

    Only a hint for pre-filling forms: never a reason to refuse a number.
    """
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(iin[6:7])
    if century is None:
        return None
    try:
        return datetime.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def mask_iin(iin: str) -> str:
    """``931002451325`` → ``9310••••1325``: enough to tell people apart, not to identify."""
    if len(iin) != 12:
        return "•" * len(iin)
    return f"{iin[:4]}••••{iin[8:]}"
