"""The gateway's JSON parser. Public: ``GatewayJSONParser``.

A message is signed as UTF-8 JSON and its fields are kept in PostgreSQL,
so what can be neither is refused at the door as malformed JSON (400)
rather than failing later as a fault of the portal: a lone surrogate
(``"\\ud800"``: not UTF-8), a NUL character (PostgreSQL's text and jsonb
hold none), a number too large for a float (``1e400``: not JSON once
written back), and nesting deeper than any message has (Python's decoder
would run out of stack).
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A message is three levels deep; its form data a few more.
MAX_DEPTH = 16


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(_("nested deeper than %(depth)d levels") % {"depth": MAX_DEPTH})
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(_("a NUL character (\\u0000) in a string"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError(_("a lone surrogate (not UTF-8) in a string")) from exc
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(_("a number out of range"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _out_of_range(constant: str) -> Any:
    raise ValueError(_("%(constant)s is not a JSON number") % {"constant": constant})


class GatewayJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=_out_of_range)
        except RecursionError as exc:
            raise ParseError(_("nested deeper than %(depth)d levels") % {"depth": MAX_DEPTH}) from exc
        except ValueError as exc:
            raise ParseError(str(exc)) from exc
        _check(data)
        return data
