"""The staff-pages benchmark runs end to end on a small table: it fills
PostgreSQL, serves the project with gunicorn and times every page; and it
refuses databases that are not meant for it."""

from __future__ import annotations

import io
import re
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    # The command commits (gunicorn reads from another process) and TRUNCATEs;
    # the rows the migrations seeded are restored afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fill is PostgreSQL SQL"),
]

TIMING_LINE = r"^\s+{page}\s+(\d+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$"


def test_the_benchmark_times_the_queue_the_journal_and_the_dashboard_beside_a_bare_page() -> None:
    out = io.StringIO()

    # --force: pytest's throwaway database is named after the project's
    # (test_portal in CI), not *bench*.
    call_command("bench_staff_pages", "--sizes", "200", "--requests", "3", "--force", stdout=out)

    text = out.getvalue()
    for page in ("bare", "queue", "journal", "dashboard"):
        line = re.search(TIMING_LINE.format(page=page), text, re.MULTILINE)
        assert line is not None, f"no timing line for {page}:\n{text}"
        rows, median, p95, ratio = (float(g) for g in line.groups())
        assert rows > 0, f"{page} showed no rows:\n{text}"
        assert 0 < median <= p95
        assert ratio > 0
    assert "200 applications" in text
    assert re.search(r"Queue at 200 applications: [\d.]+ ms, [\d.]+x the bare page", text)


def test_the_benchmark_refuses_a_database_whose_name_does_not_say_bench() -> None:
    with (
        mock.patch.dict(connection.settings_dict, {"NAME": "portal"}),
        pytest.raises(CommandError, match="would lose every application"),
    ):
        call_command("bench_staff_pages", "--sizes", "200", stdout=io.StringIO())


def test_the_benchmark_refuses_to_run_in_production(settings: Any) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("bench_staff_pages", "--sizes", "200", "--force", stdout=io.StringIO())
