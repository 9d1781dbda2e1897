"""Hostile text for the property-based tests of the forms (issue 6,
Security): strategies of very long strings, control characters (C0, C1,
NUL), bidirectional overrides, zero-width characters, HTML and script
that would break out of an element or an attribute, ``javascript:`` URLs,
SQL fragments and LIKE wildcards, format strings and path traversal.

``MARKERS`` are the fragments that must never come back unescaped: each
HTML payload here carries one, so a page that shows a payload raw is
caught whatever text hypothesis put around it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HTML_PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "'><svg onload=window.__pwned=1>",
    "</textarea><script>window.__pwned=1</script>",
    '" autofocus onfocus="window.__pwned=1" x="',
]
MARKERS = ["<script>window.__pwned", "<img src=x onerror", "<svg onload", 'onfocus="window.__pwned']
OTHER_PAYLOADS = [
    "javascript:window.__pwned=1",
    "'; DROP TABLE applicants_applicant; --",
    "' OR '1'='1",
    "%",
    "_",
    "%_%\\",
    "%s %d %(name)s {0} {} {{ 7|add:7 }} {% debug %}",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "\u202eevil\u202c",
    "\u2066\u2067\u2068\u2069\u200f",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x1f\x7f",
    "\x80\x85\x9b\x9f",
    "\r\nSet-Cookie: pwned=1",
    "١٢٣٤٥٦٧٨٩٠١٢",
    "９３１００２４５１３２５",
    "-1",
    "99999999999999999999999999",
    "1e400",
    "NaN",
    "0001-01-01T00:00:00+14:00|1",
    "9999-12-31T23:59:59-14:00|99999999999999999999",
    "0000-00-00",
    "🙂" * 50,
]
PAYLOADS = HTML_PAYLOADS + OTHER_PAYLOADS

# Every code point a form post can carry (lone surrogates cannot be sent as
# UTF-8; the gateway's JSON, where they can, is tested in test_api_hostile_bodies).
_characters = st.characters(exclude_categories=("Cs",))
_controls = st.sampled_from([chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]])
_special = st.sampled_from(list("\u202a\u202b\u202c\u202d\u202e\u200b\u200c\u200d\u2060\ufeff<>\"'&%_\\"))

hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(_characters, max_size=8), _controls, _special)).map(
        "".join
    ),
    st.text(st.one_of(_characters, _controls, _special), max_size=40),
    st.integers(min_value=1000, max_value=20000).map(lambda n: "A" * n),
    st.sampled_from(HTML_PAYLOADS).map(lambda p: p * 300),
)

# Modest example counts: each example is a few requests on PostgreSQL.
HOSTILE = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def shown_raw(html: str) -> list[str]:
    """The markers a page shows unescaped (none, if it escapes what it shows)."""
    return [marker for marker in MARKERS if marker in html]
