"""Hostile query strings on every page that reads one (issue 6, Security):
the queue, the issuance list, the journal, the registers, the referrals,
the reports and their exports, the dashboard, the desk's IIN search, the
citizen's new-request page, the login pages' ``next``, the public service
and verification pages. Whatever hypothesis puts in the parameters — NUL
and other control characters, very long text, SQL, wildcards, format
strings, script — the page answers without a 5xx and shows nothing of it
unescaped."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from applicants.models import User
from tests.security.hostile import HOSTILE, hostile_text, shown_raw

pytestmark = pytest.mark.django_db

# page: (the user who may open it, the parameters it reads). A parameter a
# page does not read is sent too: it must be ignored harmlessly.
PAGES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "/staff/desk/": ("clerk", ("iin",)),
    "/staff/desk/iin-check/": ("clerk", ("iin",)),
    "/staff/issuance/": ("clerk", ("after",)),
    "/staff/journal/": ("clerk", ("day", "after")),
    "/staff/journal.pdf": ("clerk", ("day",)),
    "/staff/registers/": ("clerk", ("register", "before")),
    "/staff/referrals/": ("clerk", ("outcome", "before")),
    "/staff/queue/": ("executor", ("after",)),
    "/staff/dashboard/": ("supervisor", ("start", "end")),
    "/staff/reports/": ("supervisor", ("start", "end", "office")),
    "/staff/reports/export.csv": ("supervisor", ("start", "end", "office")),
    "/cabinet/requests/new/": ("citizen", ("service",)),
    "/cabinet/": ("citizen", ("page",)),
    "/staff/login/": (None, ("next",)),
    "/cabinet/login/": (None, ("next",)),
    "/services/S1/": (None, ("lang",)),
}


@pytest.fixture
def browser_of(
    clerk: User, executor: User, supervisor: User, citizen: User
) -> Callable[[str | None], Client]:
    users = {"clerk": clerk, "executor": executor, "supervisor": supervisor, "citizen": citizen}

    def browser(role: str | None) -> Client:
        client = Client()
        client.cookies["django_language"] = "en"
        if role is not None:
            client.force_login(users[role])
        return client

    return browser


@pytest.mark.parametrize("path", list(PAGES))
@given(values=st.lists(hostile_text, min_size=1, max_size=3), extra=hostile_text)
@HOSTILE
def test_a_hostile_query_string_never_makes_a_server_error(
    path: str, values: list[str], extra: str, browser_of: Callable[[str | None], Client]
) -> None:
    role, names = PAGES[path]
    query = {name: values[i % len(values)] for i, name in enumerate(names)}
    query["zz" + extra[:20]] = extra

    response = browser_of(role).get(path, query)

    assert response.status_code < 500, (path, query)
    if response.get("Content-Type", "").startswith("text/html"):
        assert not shown_raw(response.content.decode()), (path, query)


@given(code=hostile_text.filter(lambda c: c.strip() != ""))
@HOSTILE
def test_a_hostile_verification_code_is_not_found(code: str) -> None:
    client = Client()
    client.cookies["django_language"] = "en"

    response = client.get(f"/verify/{quote(code, safe='')}/")

    assert response.status_code in (200, 404), code
    assert not shown_raw(response.content.decode()), code


# The values that have made pages fail elsewhere, each in each parameter:
# hypothesis may not draw every pairing in a modest run.
KNOWN_BAD = [
    "\x00",
    "a\x00b",
    "9" * 30,
    "-1",
    "0001-01-01T00:00:00+14:00|1",
    "9999-12-31T23:59:59-14:00|" + "9" * 30,
    "0001-01-01",
    "9999-12-31",
    "A" * 20000,
    "%",
]


@pytest.mark.parametrize(
    ("path", "name"), [(path, name) for path, (_role, names) in PAGES.items() for name in names]
)
def test_known_bad_values_in_each_parameter_never_make_a_server_error(
    path: str, name: str, browser_of: Callable[[str | None], Client]
) -> None:
    role, _names = PAGES[path]
    client = browser_of(role)
    for value in KNOWN_BAD:
        response = client.get(path, {name: value})
        assert response.status_code < 500, (path, name, value)
