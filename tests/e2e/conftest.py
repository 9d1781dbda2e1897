"""Browser tests: Debian's Chromium, driven by pytest-playwright, against
pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django
refuses ORM calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set; it is
set before Django runs a query.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import asyncio  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from django.db import connection  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402
from pytest_django.live_server_helper import LiveServer  # noqa: E402

PASSWORD = "correct horse battery staple"  # the factories' password

# The marks of every browser test module (``pytestmark = BROWSER_TEST``):
# committed rows, so that the live server's thread sees them, and PostgreSQL.
BROWSER_TEST = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="browser tests run on PostgreSQL only (set DATABASE_URL=postgres://...)",
    ),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless; never a downloaded browser."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@contextmanager
def ncalayer_stand_in(keys: list[Any], settings: Any) -> Iterator[str]:
    """The development NCALayer stand-in holding ``keys`` (``StandIn``s), on
    a free local port, with the portal pointed at it; its address."""
    from services.management.commands import ncalayer_standin as standin

    ring = standin.KeyRing(keys=keys)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    bound = threading.Event()
    address: list[str] = []

    def ready(host: str, port: int) -> None:
        address.append(f"ws://{host}:{port}/")
        bound.set()

    async def serve() -> None:
        await standin.run_stand_in(ring, host="127.0.0.1", port=0, ready=ready, stop=stop)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert bound.wait(10), "the stand-in did not start"
    settings.NCALAYER_URL = address[0]
    try:
        yield address[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def log_in(page: Page, live_server: LiveServer, username: str) -> None:
    """Log in at the staff door, in English, as a person would."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Staff pages")).to_be_visible()


@pytest.fixture
def open_as(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> Iterator[Callable[[str], Page]]:
    """``open_as(username)``: a fresh browser context (own cookies), logged in."""
    contexts: list[BrowserContext] = []

    def open_(username: str) -> Page:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server, username)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_survive_playwright(request: pytest.FixtureRequest, django_db_setup: None) -> None:
    """Keep ``serialized_rollback`` working once Playwright runs.

    Playwright's sync API leaves an asyncio loop running in the test thread;
    from then on Django's connection handler (asgiref ``Local``, thread
    critical) hands out *other* connection objects than the ones the test
    database was created with, and those lack the migration data serialized
    at creation (``_test_serialized_contents``). Without it a transactional
    test's rollback restores nothing: after the first browser test the
    regions, services and groups of the data migrations are gone. This
    happens whenever the database is set up before the first browser test
    (any run with other tests), so the contents are carried over here.
    """
    from django.db import connections

    contents = {
        alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections
    }
    request.getfixturevalue("playwright")  # the loop starts running here
    for alias, serialized in contents.items():
        connection = connections[alias]
        if serialized is not None and getattr(connection, "_test_serialized_contents", None) is None:
            connection._test_serialized_contents = serialized  # type: ignore[attr-defined]
