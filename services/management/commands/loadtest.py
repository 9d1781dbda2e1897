"""``manage.py loadtest``: the portal under load (issue 6, item 1).

Creates and migrates its own PostgreSQL database (a name with "bench"),
seeds citizens and staff with keys of the test CA, serves the portal with
gunicorn (production settings, plain HTTP on 127.0.0.1) and a Celery
worker on its own Redis database, runs Locust headless (citizens, clerks
and executors at once), samples the memory of every gunicorn and Celery
process, stops everything and prints throughput, p50/p95/p99 and errors
per kind of request, the peak memory of each process and whether the aims
hold. The figures are also written to ``var/loadtest/results-*.json|csv``.
``--find`` steps the number of users up until an aim is missed. See
docs/performance.md; the work is in ``loadtest/runner.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from loadtest import runner

FIND_STEPS = [5, 10, 20, 40, 60, 80, 120]


def _steps(raw: str) -> list[int]:
    try:
        steps = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--find takes numbers of users separated by commas, not {raw!r}") from exc
    if not steps or min(steps) < 1:
        raise CommandError("--find: every step needs at least one user.")
    return sorted(steps)


class Command(BaseCommand):
    help = (
        "Run the load test on loopback: its own PostgreSQL database, gunicorn, a Celery worker and "
        "Locust; print latency, errors and memory against the aims (see docs/performance.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, default=20, help="Simulated users, 3:1:1 citizens:clerks:executors (20)."
        )
        parser.add_argument("--spawn-rate", type=float, default=5.0, help="Users started per second (5).")
        parser.add_argument("--time", type=int, default=60, help="Seconds of load per run or step (60).")
        parser.add_argument(
            "--find",
            nargs="?",
            const=",".join(str(n) for n in FIND_STEPS),
            default=None,
            metavar="N,N,...",
            help="Step the users up (default steps %(const)s) until an aim is missed; report the highest that met them.",
        )
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4).")
        parser.add_argument("--celery-concurrency", type=int, default=2, help="Celery worker processes (2).")
        parser.add_argument(
            "--database-url",
            default=os.environ.get(
                "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_load"
            ),
            help="The load test's own database, dropped and recreated (name must contain 'bench').",
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/9"),
            help="Redis for the worker's broker and the cache (never the one in use elsewhere).",
        )
        parser.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (a free one).")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "loadtest")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("loadtest refuses to run with PORTAL_ENV=production.")
        steps = _steps(options["find"]) if options["find"] else [options["users"]]
        if min(steps) < 1 or options["time"] < 5 or options["spawn_rate"] <= 0:
            raise CommandError("--users must be at least 1, --time at least 5 s, --spawn-rate above 0.")
        config = runner.Config(
            database_url=options["database_url"],
            redis_url=options["redis_url"],
            out=options["out"].resolve(),
            users=steps,
            spawn_rate=options["spawn_rate"],
            seconds=options["time"],
            workers=options["workers"],
            celery_concurrency=options["celery_concurrency"],
            port=options["port"],
            find=options["find"] is not None,
        )
        try:
            report = runner.run(config, say=self._say)
        except runner.LoadTestError as exc:
            raise CommandError(str(exc)) from exc
        self._say("")
        for line in runner.report_lines(report):
            self._say(line)
        for path in runner.save(report, config.out):
            self._say(f"written: {path}")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
