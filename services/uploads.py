"""Checks of the files a citizen attaches to a portal request (P5).

A file is judged by its content, never by its name: only PDF, JPEG and PNG
are accepted, recognised by their first bytes. The size and the number of
files per request are limited by settings (``UPLOAD_MAX_BYTES``,
``UPLOAD_MAX_FILES``). The name the citizen gave is kept for display only,
sanitised; it never reaches the disk.

Public: ``validate_upload``, ``check_file_count``, ``safe_display_name``,
``max_bytes``, ``max_files``, ``ACCEPTED_TYPES``.
"""

from __future__ import annotations

import posixpath
import unicodedata
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 10
DISPLAY_NAME_MAX = 100

# The magic bytes of the accepted formats and the type each one is stored as.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPTED_TYPES = tuple(content_type for _magic, content_type in _SIGNATURES)
_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    return int(getattr(settings, "UPLOAD_MAX_FILES", DEFAULT_MAX_FILES))


def human_size(size: int) -> str:
    """A limit as people read it: whole megabytes or kilobytes where exact."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return _("%(size)d MB") % {"size": size // (1024 * 1024)}
    if size >= 1024 and size % 1024 == 0:
        return _("%(size)d KB") % {"size": size // 1024}
    return ngettext("%(size)d byte", "%(size)d bytes", size) % {"size": size}


def safe_display_name(name: str | None, *, content_type: str = "") -> str:
    """The file's name for display: the last path part only (either slash),
    no control or format characters (no hidden right-to-left tricks), at most
    100 characters with the extension kept. Never used as a path."""
    raw = unicodedata.normalize("NFC", str(name or ""))
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    base = posixpath.basename(cleaned.replace("\\", "/")).strip().strip(".").strip()
    if not base:
        base = _("file") + _EXTENSIONS.get(content_type, "")
    if len(base) > DISPLAY_NAME_MAX:
        stem, dot, extension = base.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            base = f"{stem[: DISPLAY_NAME_MAX - len(extension) - 2]}….{extension}"
        else:
            base = base[: DISPLAY_NAME_MAX - 1] + "…"
    return base


def _sniff(head: bytes) -> str | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def _read_limited(file: IO[bytes] | Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell a file that is too big
    without reading all of it."""
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        parts: list[bytes] = []
        read = 0
        for chunk in file.chunks():
            parts.append(chunk)
            read += len(chunk)
            if read > limit:
                break
        data = b"".join(parts)
    else:
        data = file.read(limit + 1)
    if hasattr(file, "seek"):
        file.seek(0)
    return bytes(data[: limit + 1])


def validate_upload(file: Any) -> tuple[str, bytes]:
    """The file's content type (by its content) and its bytes, or a
    ``ValidationError`` saying what is wrong with it in plain words."""
    name = safe_display_name(getattr(file, "name", ""))
    limit = max_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s."),
            code="too_large",
            params={"name": name, "limit": human_size(limit)},
        )
    data = _read_limited(file, limit)
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s."),
            code="too_large",
            params={"name": name, "limit": human_size(limit)},
        )
    if not data:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    content_type = _sniff(data[:8])
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (checked by its content)."),
            code="wrong_type",
            params={"name": name},
        )
    return content_type, data


def check_file_count(existing: int) -> None:
    """One more file may be attached to a request that already has ``existing``."""
    limit = max_files()
    if existing >= limit:
        raise ValidationError(
            ngettext("At most %(count)d file per request.", "At most %(count)d files per request.", limit),
            code="too_many",
            params={"count": limit},
        )
