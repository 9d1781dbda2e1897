"""bench_all runs every benchmark at tiny sizes and prints one table with a
row for every figure, each beside its reference measured in the same run.
The load test's rows are checked by tests/load (it runs the whole stand)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from services.constants import ResultKind

pytestmark = [
    pytest.mark.postgres,
    # bench_staff_pages commits and TRUNCATEs; the migrations' rows come back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the staff-pages fill is PostgreSQL SQL"),
]

ROW = r"^\| {benchmark} \| {figure} \| [\d,.]+ ?\S* \| {reference} \| [\d,.]+ \| [\d.]+x \| [^|]+ \| (yes|NO|—) \|$"


def test_bench_all_prints_every_benchmark_beside_its_reference_in_one_table(tmp_path: Path) -> None:
    out = io.StringIO()

    call_command(
        "bench_all",
        "--staff-sizes",
        "200,300",
        "--staff-requests",
        "1",
        "--documents-repeat",
        "1",
        "--skip",
        "load",
        "--force",
        "--out",
        str(tmp_path),
        stdout=out,
    )

    text = out.getvalue()
    expected = [
        ("staff pages", rf"{page} at {size}, median", "bare Django page")
        for size in (200, 300)
        for page in ("queue", "journal", "dashboard")
    ]
    expected.append(("staff pages", r"queue x bare at 300", r"queue x bare at 200"))
    expected += [("documents", rf"{kind} PDF, median", "bare WeasyPrint page") for kind in ResultKind.values]
    expected += [
        ("documents", rf"{kind} PDF vs its static page", "same page as static HTML")
        for kind in ResultKind.values
    ]
    for benchmark, figure, reference in expected:
        pattern = ROW.format(benchmark=benchmark, figure=figure, reference=reference)
        assert re.search(pattern, text, re.MULTILINE), f"no row {benchmark} / {figure}:\n{text}"
    (saved,) = tmp_path.glob("bench-all-*.json")
    assert len(json.loads(saved.read_text())) == len(expected)
