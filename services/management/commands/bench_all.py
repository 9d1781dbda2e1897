"""Every benchmark in one run, one table (issue 6, item 7).

Runs, in this order and with sizes that finish in a few minutes:

1. ``bench_staff_pages`` — the queue, the journal and the dashboard over
   HTTP beside a bare Django page of 50 rows (reference), at each size;
2. ``bench_documents`` — each result document's PDF beside WeasyPrint
   printing a bare one-page document in the same fonts (reference);
3. ``loadtest`` — citizens, clerks and executors at once on gunicorn,
   PostgreSQL, Redis and Celery; p95 of each group of requests beside the
   p95 of ``/health/`` (a Django view doing one ``SELECT 1``) under the same
   load (reference), errors and peak memory per process.

and prints one table: benchmark, figure, reference, ratio, aim, met. Each
benchmark's figures come from its own measuring code (``measure`` of the
commands, ``loadtest.runner.run``), so the numbers are the same as when the
commands run alone. The figures are also written to
``var/bench/bench-all-*.json``. Full sizes: ``--staff-sizes 1000,1000000
--staff-requests 30 --documents-repeat 20 --load-users 20 --load-time 60``
(see docs/benchmarks.md). Like ``bench_staff_pages``, it empties the
application tables of its database: run it on a database named *bench*.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from loadtest import runner
from services.management.commands import bench_documents, bench_staff_pages

COVERED = {"bench_all", "bench_staff_pages", "bench_documents"}


@dataclass
class Row:
    benchmark: str
    figure: str
    value: float
    reference_name: str
    reference: float | None
    aim: str
    met: bool | None
    unit: str = "ms"

    @property
    def ratio(self) -> float | None:
        return self.value / self.reference if self.reference else None


def _sizes(raw: str) -> str:
    bench_staff_pages._sizes(raw)  # the same check as the command's own
    return raw


class Command(BaseCommand):
    help = (
        "Run every benchmark (staff pages, result documents, load test) at moderate sizes and print one "
        "table of figures against their bare-Django or bare-library reference measured in the same run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--staff-sizes", type=_sizes, default="1000,20000", help="bench_staff_pages --sizes."
        )
        parser.add_argument("--staff-requests", type=int, default=10, help="bench_staff_pages --requests.")
        parser.add_argument("--documents-repeat", type=int, default=5, help="bench_documents --repeat.")
        parser.add_argument("--load-users", type=int, default=10, help="loadtest --users.")
        parser.add_argument("--load-time", type=int, default=30, help="loadtest --time (seconds).")
        parser.add_argument(
            "--load-database-url",
            default=os.environ.get("LOADTEST_DATABASE_URL", runner.Config.database_url),
            help="loadtest --database-url.",
        )
        parser.add_argument(
            "--load-redis-url",
            default=os.environ.get("LOADTEST_REDIS_URL", runner.Config.redis_url),
            help="loadtest --redis-url.",
        )
        parser.add_argument("--load-workers", type=int, default=4, help="loadtest --workers.")
        parser.add_argument(
            "--skip",
            default="",
            help="Comma-separated benchmarks to leave out: staff_pages, documents, load.",
        )
        parser.add_argument("--force", action="store_true", help="bench_staff_pages --force.")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "bench")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("bench_all refuses to run with PORTAL_ENV=production.")
        skip = {part.strip() for part in options["skip"].split(",") if part.strip()}
        unknown = skip - {"staff_pages", "documents", "load"}
        if unknown:
            raise CommandError(f"--skip: unknown benchmark(s) {', '.join(sorted(unknown))}.")
        rows: list[Row] = []
        if "staff_pages" not in skip:
            rows += self._staff_pages(options)
        if "documents" not in skip:
            rows += self._documents(options)
        if "load" not in skip:
            rows += self._load(options)
        self._print(rows)
        missing = sorted(name for name in get_commands() if name.startswith("bench_") and name not in COVERED)
        if missing:
            self._say(f"Not covered by bench_all (add them): {', '.join(missing)}")
        self._save(rows, options["out"])

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    # --- the benchmarks ------------------------------------------------------------

    def _staff_pages(self, options: dict[str, Any]) -> list[Row]:
        self._say("== bench_staff_pages")
        command = bench_staff_pages.Command(stdout=self.stdout, stderr=self.stderr)  # type: ignore[arg-type]
        results = command.measure(
            sizes=bench_staff_pages._sizes(options["staff_sizes"]),
            requests=options["staff_requests"],
            office="AKT",
            force=options["force"],
        )
        rows = []
        for size, timings in results.items():
            bare = timings["bare"].median
            for page in ("queue", "journal", "dashboard"):
                value = timings[page].median
                aim, met = ("within 2x bare", value <= 2 * bare) if page == "queue" else ("none set", None)
                rows.append(
                    Row(
                        "staff pages",
                        f"{page} at {size:,}, median",
                        value,
                        "bare Django page",
                        bare,
                        aim,
                        met,
                    )
                )
        small, large = min(results), max(results)
        if small != large:
            ratio_small = results[small]["queue"].median / results[small]["bare"].median
            ratio_large = results[large]["queue"].median / results[large]["bare"].median
            rows.append(
                Row(
                    "staff pages",
                    f"queue x bare at {large:,}",
                    ratio_large,
                    f"queue x bare at {small:,}",
                    ratio_small,
                    "no slower (within 10 %)",
                    ratio_large <= ratio_small * bench_staff_pages.NOISE,
                    unit="x",
                )
            )
        return rows

    def _documents(self, options: dict[str, Any]) -> list[Row]:
        self._say("== bench_documents")
        command = bench_documents.Command(stdout=io.StringIO())
        timings = command.measure(repeat=options["documents_repeat"], office_code="AKT")
        bare = bench_documents.median_ms(timings["bare"])
        rows = []
        for name, values in timings.items():
            if name == "bare" or name.endswith(bench_documents.STATIC):
                continue
            value = bench_documents.median_ms(values)
            static = bench_documents.median_ms(timings[f"{name}{bench_documents.STATIC}"])
            rows.append(
                Row(
                    "documents",
                    f"{name} PDF, median",
                    value,
                    "bare WeasyPrint page",
                    bare,
                    "within 1.5x",
                    value <= 1.5 * bare,
                )
            )
            # The same page as fixed HTML: WeasyPrint's own cost of this layout,
            # so the ratio is what the portal's data and template add.
            rows.append(
                Row(
                    "documents",
                    f"{name} PDF vs its static page",
                    value,
                    "same page as static HTML",
                    static,
                    "none set",
                    None,
                )
            )
        return rows

    def _load(self, options: dict[str, Any]) -> list[Row]:
        self._say("== loadtest")
        config = runner.Config(
            database_url=options["load_database_url"],
            redis_url=options["load_redis_url"],
            users=[options["load_users"]],
            seconds=options["load_time"],
            workers=options["load_workers"],
            out=Path(settings.BASE_DIR) / "var" / "loadtest",
        )
        try:
            report = runner.run(config, say=self._say)
        except runner.LoadTestError as exc:
            raise CommandError(str(exc)) from exc
        runner.save(report, config.out)
        (step,) = report.steps
        kinds = {k.kind: k for k in step.kinds}
        bare = kinds.get("bare: health")
        reference = bare.p95_ms if bare else None
        rows = []
        for group, prefixes, aim in (
            ("pages", ("page:", "form:", "upload:"), runner.AIM_PAGE_P95_MS),
            ("signing", ("sign:",), runner.AIM_SIGN_P95_MS),
            ("login", ("login:",), runner.LOGIN_AIM_P95_MS),
        ):
            members = [k for k in step.kinds if k.kind.startswith(prefixes)]
            if not members:
                continue
            worst = max(members, key=lambda k: k.p95_ms)
            rows.append(
                Row(
                    "load",
                    f"{group}: worst p95 ({worst.kind}), {step.users} users",
                    worst.p95_ms,
                    "bare: health p95",
                    reference,
                    f"p95 < {aim:.0f} ms" if aim is not None else "none set",
                    worst.p95_ms < aim if aim is not None else None,
                )
            )
        rows.append(
            Row(
                "load",
                f"errors of {step.total_requests} requests",
                step.total_failures,
                "",
                None,
                "0",
                step.total_failures == 0,
                unit="",
            )
        )
        rows.append(Row("load", "throughput", step.per_second, "", None, "none set", None, unit="req/s"))
        if step.processes:
            peak = max(step.processes, key=lambda p: p.peak_rss_mb)
            rows.append(
                Row(
                    "load",
                    f"peak RSS ({peak.role} {peak.pid}) of {len(step.processes)} processes",
                    peak.peak_rss_mb,
                    "",
                    None,
                    f"< {runner.AIM_RSS_MB:.0f} MB each",
                    peak.peak_rss_mb < runner.AIM_RSS_MB,
                    unit="MB",
                )
            )
        return rows

    # --- the table -----------------------------------------------------------------

    def _print(self, rows: list[Row]) -> None:
        self._say("")
        self._say("| benchmark | figure | value | reference | ref. value | ratio | aim | met |")
        self._say("| --- | --- | ---: | --- | ---: | ---: | --- | --- |")
        for row in rows:
            reference = f"{row.reference:.1f}" if row.reference is not None else "—"
            ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "—"
            met = "—" if row.met is None else ("yes" if row.met else "NO")
            value = (
                f"{row.value:.2f}"
                if row.unit == "x"
                else f"{row.value:,.0f}"
                if not row.unit
                else f"{row.value:,.1f}"
            )
            unit = f" {row.unit}" if row.unit and row.unit != "x" else ("x" if row.unit == "x" else "")
            self._say(
                f"| {row.benchmark} | {row.figure} | {value}{unit} | {row.reference_name or '—'} | "
                f"{reference} | {ratio} | {row.aim} | {met} |"
            )

    def _save(self, rows: list[Row], out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = out / f"bench-all-{stamp}.json"
        path.write_text(
            json.dumps([{**asdict(row), "ratio": row.ratio} for row in rows], ensure_ascii=False, indent=1)
        )
        self._say(f"written: {path}")
