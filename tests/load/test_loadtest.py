"""The load test runs end to end for a few seconds: its own PostgreSQL
database, gunicorn with production settings, a Celery worker on Redis and
Locust with a citizen, a clerk and an executor. Every kind of request is
made and none fails; memory is sampled for every process. No timing is
asserted (the figures are for docs/performance.md)."""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("REDIS_URL", "").startswith("redis"),
        reason="the load test needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
    ),
]

KINDS = {
    "bare: health",
    "login: citizen",
    "login: staff",
    "page: cabinet",
    "page: new request",
    "form: new request",
    "page: draft",
    "form: draft answers",
    "upload: document",
    "form: continue to signing",
    "page: sign request",
    "sign: citizen request",
    "page: request status",
    "page: desk",
    "form: create applicant",
    "form: start intake",
    "page: intake",
    "form: register",
    "page: issuance",
    "page: application",
    "form: issue result",
    "page: journal",
    "page: queue",
    "form: take next",
    "form: prepare result",
    "sign: executor result",
}


def load_database_url() -> str:
    """A database of the test's own beside the tests' one, named *bench*."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") or "portal"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}_bench_loadtest"))


def load_redis_url() -> str:
    """Redis db 9 of the tests' server (LOADTEST_REDIS_URL to change it): the
    stand purges its worker's queue, so never the database other tests use."""
    if os.environ.get("LOADTEST_REDIS_URL"):
        return os.environ["LOADTEST_REDIS_URL"]
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(os.environ["REDIS_URL"])._replace(path="/9"))


def test_the_load_test_makes_every_kind_of_request_without_an_error(tmp_path: Path) -> None:
    out = io.StringIO()

    call_command(
        "loadtest",
        "--users",
        "5",
        "--spawn-rate",
        "5",
        "--time",
        "12",
        "--workers",
        "2",
        "--database-url",
        load_database_url(),
        "--redis-url",
        load_redis_url(),
        "--out",
        str(tmp_path),
        stdout=out,
    )

    report = json.loads((tmp_path / "results-latest.json").read_text())
    (step,) = report["steps"]
    made = {kind["kind"]: kind for kind in step["kinds"]}
    assert KINDS <= set(made), f"not made: {sorted(KINDS - set(made))}\n{out.getvalue()}"
    assert step["total_failures"] == 0, "\n".join(step["failures"])
    roles = {process["role"] for process in step["processes"]}
    assert {"gunicorn master", "gunicorn worker", "celery master", "celery worker"} <= roles
    assert all(process["peak_rss_mb"] > 0 for process in step["processes"])
    assert step["states"].get("registered", 0) + step["states"].get("result_signed", 0) > 0
    assert "| sign: executor result |" in out.getvalue()
    assert (tmp_path / "results-latest.csv").exists()
