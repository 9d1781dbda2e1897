"""Fault: PostgreSQL stopped and started again under load.

The portal is served by gunicorn from a subprocess on a throwaway cluster;
clerks register walk-in applicants at the intake desk and read pages from
several threads while the cluster goes down and comes back. Every answer is
a page, a redirect or a 503 retry-later page — never a 500 — every
application in the database is whole, and the portal serves again by
itself once the cluster is back."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import (
    HTTP_PORT,
    ROOT,
    VENV_BIN,
    ThrowawayPostgres,
    port_open,
    stop_process,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.faults]

BASE = f"http://127.0.0.1:{HTTP_PORT}"
CLERK, PASSWORD = "clerk.akt", "demo-portal-2026"  # seed_demo's accounts
CLERKS = 4
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class Browser:
    """A client with its own cookies that does not follow redirects."""

    def __init__(self, language: str = "en") -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )
        self.language = language

    def request(self, path: str, data: dict[str, str] | None = None, **headers: str) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - a fixed local address
            BASE + path,
            data=body,
            headers={"Accept-Language": self.language, "Referer": BASE + path, **headers},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode(errors="replace"))

    def csrf(self, path: str) -> str:
        page = self.request(path)
        assert page.status == 200, (path, page.status)
        match = CSRF.search(page.body)
        assert match, path
        return match.group(1)

    def log_in(self) -> None:
        token = self.csrf("/staff/login/")
        answer = self.request(
            "/staff/login/", {"csrfmiddlewaretoken": token, "username": CLERK, "password": PASSWORD}
        )
        assert answer.status == 302, answer.body[:500]


@pytest.fixture
def portal(postgres_cluster: ThrowawayPostgres, tmp_path: Path) -> Iterator[ThrowawayPostgres]:
    """The portal under gunicorn on the throwaway cluster, migrated and seeded."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": postgres_cluster.url(),
        "REDIS_URL": "",  # tasks in-process: this test is about the database
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PKI_CA_DIR": str(tmp_path / "pki"),
        "PKI_STAFF_KEY_PASSWORD": "faults-staff-key-password",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOGIN_MAX_FAILURES": "1000",
        "LOGIN_IP_MAX_FAILURES": "1000",
    }
    manage = [str(VENV_BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, timeout=300, capture_output=True
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{HTTP_PORT}",
            "--workers", "2", "--threads", "4", "--timeout", "60",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until(lambda: server.poll() is not None or port_open(HTTP_PORT), timeout=60, what="gunicorn")
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield postgres_cluster
    finally:
        stop_process(server)
        log.close()


def whole_applications(cluster: ThrowawayPostgres) -> tuple[int, int]:
    """(applications, applications with everything intake writes: the intake
    step record and the audit entry of their receipt)."""
    rows = cluster.execute(
        "portal",
        """
        SELECT count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM services_steprecord s WHERE s.application_id = a.id)
                 AND EXISTS (
                   SELECT 1 FROM audit_auditentry e
                   WHERE e.target_id = a.id::text AND e.action = 'receive' AND e.succeeded))
        FROM services_application a
        """,
    )
    return rows[0][0], rows[0][1]


def test_a_database_restart_under_load_gives_retry_later_pages_no_half_written_application_and_recovers(
    portal: ThrowawayPostgres,
) -> None:
    cluster = portal
    applicant_ids = [row[0] for row in cluster.execute("portal", "SELECT id FROM applicants_applicant")]
    (service_id,) = cluster.execute("portal", "SELECT id FROM services_service WHERE code = 'S2'")[0]
    before, _whole = whole_applications(cluster)
    clerks = [Browser() for _ in range(CLERKS)]
    reader, reader_in_kazakh = Browser(), Browser(language="kk")
    for clerk in [*clerks, reader, reader_in_kazakh]:
        clerk.log_in()

    statuses: Counter[int] = Counter()
    created = Counter[str]()
    bad: list[Answer] = []
    stop = threading.Event()
    lock = threading.Lock()

    def work(clerk: Browser, number: int) -> None:
        token = clerk.csrf("/staff/desk/")
        turn = 0
        while not stop.is_set():
            turn += 1
            applicant = applicant_ids[(number + turn) % len(applicant_ids)]
            try:
                posted = clerk.request(
                    "/staff/desk/",
                    {
                        "csrfmiddlewaretoken": token,
                        "action": "start-intake",
                        "applicant": str(applicant),
                        "service": str(service_id),
                        "measure_kind": "",
                    },
                )
                read = clerk.request("/staff/desk/")
            except OSError:
                continue  # gunicorn itself never went away; a refused socket is no answer
            with lock:
                for answer in (posted, read):
                    statuses[answer.status] += 1
                    if answer.status not in (200, 302, 503):
                        bad.append(answer)
                if posted.status == 302 and "/staff/desk/intake/" in posted.headers.get("Location", ""):
                    created["intake"] += 1

    threads = [threading.Thread(target=work, args=(clerk, n)) for n, clerk in enumerate(clerks)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    cluster.pg_ctl("stop", "-m", "fast")
    # While it is down: a retry-later page in the reader's language, and a
    # problem document from the API.
    down_page = reader.request("/staff/journal/")
    # The client's key is looked up in the database, which is down.
    down_api = Browser().request(
        "/api/gateway/requests/", Accept="application/json", Authorization="Gateway some-key:some-secret"
    )
    down_in_kazakh = reader_in_kazakh.request("/staff/journal/")
    time.sleep(2)
    cluster.pg_ctl("start")
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    print(f"answers during the restart: {dict(statuses)}; applications created: {created['intake']}")  # noqa: T201
    assert not bad, [(answer.status, answer.body[:300]) for answer in bad]
    assert down_page.status == 503
    assert down_page.headers["Retry-After"].isdigit()
    assert "The service is temporarily unavailable" in down_page.body
    assert down_in_kazakh.status == 503
    assert down_in_kazakh.headers["Content-Language"] == "kk"
    assert '<html lang="kk">' in down_in_kazakh.body
    assert down_api.status == 503
    assert down_api.headers["Content-Type"].startswith("application/problem+json")
    assert down_api.headers["Retry-After"].isdigit()

    applications, whole = whole_applications(cluster)
    assert applications - before == created["intake"]
    assert whole == applications
    # It serves again by itself: the same sessions, no restart of gunicorn.
    assert clerks[0].request("/staff/desk/").status == 200
    assert Browser(language="ru").request("/staff/login/").status == 200
