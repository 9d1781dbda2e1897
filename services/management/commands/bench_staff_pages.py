"""Benchmark of the staff pages people use all day, at the size of two years
of a region's work.

Acceptance: a benchmark fills the database with 1,000,000 applications
spread over offices, states and two years, and prints the median response
time of the queue, the journal and the dashboard at that size and at 1,000
applications, side by side with a bare Django page listing 50 rows of one
table on the same server in the same run. Aim: the queue within 2x the bare
page, and no slower at 1,000,000 than at 1,000.

For each size the command empties the application tables (TRUNCATE), loads
the demo data (``seed_demo``), fills the tables with set-based SQL, runs
VACUUM ANALYZE, and times the pages over HTTP against gunicorn serving the
project from the same database. The bare page is added by a settings module
and a URLconf written into a temporary directory; nothing is written into
the project. It refuses production and any database whose name lacks
"bench" (unless ``--force``). See docs/benchmarks.md.
"""

from __future__ import annotations

import datetime
import http.client
import io
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from applicants.constants import Role
from applicants.models import User
from reglament.constants import ServiceCode
from reglament.models import Office
from reglament.selectors import reglament_version_in_force
from services.constants import State
from services.management.commands.seed_demo import DEMO_PASSWORD, OFFICES
from services.models import Service

# --- the shape of the data ------------------------------------------------------
# Mostly issued, like real life. The waiting states are shares of the table,
# with floors: the office shown always has more than a page of waiting
# requests and the same day in its journal, so the pages show the same rows
# at every size and the sizes differ in the tables, not in the pages.
REGISTERED_SHARE = 0.015  # waiting in the queues of all offices
SIGNED_SHARE = 0.01  # results waiting to be collected at the desk
MIN_QUEUE = 120  # all offices; the office shown gets half: more than one page of 50
TODAY_JOURNAL = 200  # results handed over today in the office shown
REVIEWS_PER_OFFICE = 3  # requests an executor has taken and is working on
PORTAL_SHARE = 0.25  # of issued S1/S3 requests, where the reglament allows the portal
HISTORY_DAYS = 730
QUEUE_DAYS = 7  # age of the oldest request waiting in a queue
COLLECT_DAYS = 30  # age of the oldest signed result not yet collected
SLOTS = 10  # the office shown gets half of these, the other demo offices the rest

WARM_UPS = 3
PAGES = ("bare", "queue", "journal", "dashboard")
AIM_BARE_RATIO = 2.0
NOISE = 1.10  # "no slower" allows 10 % of run-to-run noise

# The tables the fill writes. Emptied with them: every table that hangs from
# them by a foreign key, found in the catalogue (SQL_DEPENDENTS), so that a
# table added later is emptied too rather than breaking the TRUNCATE.
FILLED = (
    "applicants_applicant",
    "services_application",
    "services_steprecord",
    "services_resultdocument",
    "services_journalentry",
    "services_registrationcounter",
)

LAST_NAMES = (
    "Ахметов Садыкова Есенов Жумабаева Иванов Нурланова Касымов Утегенова Бекова Сериков "
    "Абдуллаева Жаксылыков Оспанова Ким"
).split()
FIRST_NAMES = (
    "Айгерим Нурлан Дана Ерлан Асель Болат Мария Тимур Гульнара Арман Жанар Сергей Сауле Дархан"
).split()
PATRONYMICS = ["Болатович", "Серикқызы", "Нурланович", "Ермековна", "", "Ахметұлы", "Петровна"]

# Every statement below is built from these constants only; values travel as
# query parameters.

SQL_APPLICANTS = """
INSERT INTO applicants_applicant
    (iin, last_name, first_name, patronymic, birth_date, phone, email, address, created_at, updated_at)
SELECT lpad(k::text, 12, '0'),
       (%(last_names)s::text[])[1 + mod(k, cardinality(%(last_names)s::text[]))],
       (%(first_names)s::text[])[1 + mod(k * 7, cardinality(%(first_names)s::text[]))],
       (%(patronymics)s::text[])[1 + mod(k * 3, cardinality(%(patronymics)s::text[]))],
       date '1965-01-01' + mod(k * 37, 365 * 40),
       '+7 701 ' || lpad(mod(k, 10000000)::text, 7, '0'),
       '', '', %(now)s, %(now)s
FROM generate_series(1, %(count)s) AS k
"""

# One row per application, planned from its index i: the first rows are the
# office's day (today's journal, the executors' taken requests, the queue,
# results waiting), the rest two years of issued requests. Rows are inserted
# in order of creation, so ids grow with time as they do in production, and
# numbered per office and year after the office's counter.
SQL_APPLICATIONS = """
WITH offices AS (
    SELECT * FROM unnest(%(office_ids)s::bigint[], %(office_codes)s::text[], %(executors)s::bigint[],
                         %(clerks)s::bigint[])
        WITH ORDINALITY AS o(id, code, executor_id, clerk_id, pos)
), services AS (
    SELECT s.*, n.intake, n.review, n.issuance
    FROM unnest(%(service_ids)s::bigint[], %(service_codes)s::text[], %(version_ids)s::bigint[],
                %(via_portal)s::boolean[]) WITH ORDINALITY AS s(id, code, version_id, via_portal, pos)
    JOIN (
        SELECT version_id,
               max(norm_minutes) FILTER (WHERE code = 'intake') AS intake,
               max(norm_minutes) FILTER (WHERE code = 'review') AS review,
               max(norm_minutes) FILTER (WHERE code = 'issuance') AS issuance
        FROM reglament_procedure GROUP BY version_id
    ) AS n ON n.version_id = s.version_id
), raw AS (
    SELECT i, random() AS u, random() AS v, random() AS w,
           CASE WHEN i <= %(today)s THEN 'today'
                WHEN i <= %(today)s + %(reviews)s THEN 'in_review'
                WHEN i <= %(today)s + %(reviews)s + %(registered)s THEN 'registered'
                WHEN i <= %(today)s + %(reviews)s + %(registered)s + %(signed)s THEN 'result_signed'
                ELSE 'issued' END AS kind
    FROM generate_series(1, %(count)s) AS i
), placed AS (
    SELECT r.*,
           CASE WHEN r.kind = 'today' THEN 1
                WHEN r.kind = 'in_review' THEN 1 + mod(r.i, %(office_count)s)
                ELSE (%(slots)s::int[])[1 + mod(r.i, %(slot_count)s)] END AS office_pos,
           CASE WHEN r.w < 0.45 THEN 1 WHEN r.w < 0.80 THEN 2 ELSE 3 END AS service_pos,
           -- review 15 min to a day; collection 10 min to 3 days; intake 5 to 15 min
           interval '1 minute' * (15 + floor(r.v * 1425)) AS review_gap,
           interval '1 minute' * (10 + floor(r.u * r.v * 4310)) AS collect_gap,
           interval '1 minute' * (5 + mod(floor(r.w * 100)::int, 11)) AS intake_gap
    FROM raw AS r
), timed AS (
    SELECT p.*,
           CASE p.kind
               WHEN 'today' THEN %(today_start)s + (%(now)s - %(today_start)s) * (p.i::float / (%(today)s + 1))
               WHEN 'issued' THEN %(history_start)s + (%(today_start)s - %(history_start)s) * p.u
           END AS issued,
           CASE p.kind
               WHEN 'result_signed' THEN %(now)s - interval '1 day' * %(collect_days)s * p.u
           END AS signed,
           CASE p.kind
               WHEN 'registered' THEN %(now)s - interval '1 day' * %(queue_days)s * p.u
               WHEN 'in_review' THEN %(now)s - interval '2 hours' * p.u
           END AS waiting_since
    FROM placed AS p
), stamped AS (
    SELECT t.*, o.id AS office_id, o.code AS office_code, o.executor_id, o.clerk_id,
           s.id AS service_id, s.code AS service_code, s.version_id, s.review, s.issuance,
           CASE WHEN t.kind = 'issued' AND s.via_portal AND t.w * 7 - floor(t.w * 7) < %(portal_share)s
                THEN 'portal' ELSE 'desk' END AS channel
    FROM timed AS t
    JOIN offices AS o ON o.pos = t.office_pos
    JOIN services AS s ON s.pos = t.service_pos
), dated AS (
    SELECT x.*,
           CASE WHEN x.issued IS NULL THEN x.signed
                WHEN x.channel = 'portal' THEN x.issued  -- P10: delivered when signed
                ELSE x.issued - x.collect_gap END AS decided
    FROM stamped AS x
), registered AS (
    SELECT d.*, coalesce(d.waiting_since, d.decided - d.review_gap) AS registered_at
    FROM dated AS d
), numbered AS (
    SELECT g.*,
           extract(year FROM g.registered_at AT TIME ZONE %(tz)s)::int AS year
    FROM registered AS g
), final AS (
    SELECT m.*,
           coalesce(c.last_number, 0)
               + row_number() OVER (PARTITION BY m.office_id, m.year ORDER BY m.registered_at, m.i) AS seq
    FROM numbered AS m
    LEFT JOIN services_registrationcounter AS c ON c.office_id = m.office_id AND c.year = m.year
)
INSERT INTO services_application (
    service_id, office_id, applicant_id, channel, state, reglament_version_id, number, number_year,
    number_seq, measure_kind, data, created_at, created_by_id, registered_at, executor_id, result_text,
    refusal_reason, due_at, decided_at, issued_at
)
SELECT f.service_id, f.office_id, %(first_applicant)s + mod(f.i - 1, %(applicants)s), f.channel,
       CASE f.kind WHEN 'today' THEN 'issued' ELSE f.kind END,
       f.version_id,
       f.office_code || '-' || f.year || '-' || lpad(f.seq::text, greatest(6, length(f.seq::text)), '0'),
       f.year, f.seq,
       CASE WHEN f.service_code = 'S3'
            THEN (%(measures)s::text[])[1 + mod(f.i, cardinality(%(measures)s::text[]))] ELSE '' END,
       '{}'::jsonb,
       f.registered_at - f.intake_gap,
       CASE WHEN f.channel = 'desk' THEN f.clerk_id END,
       f.registered_at,
       CASE WHEN f.kind = 'registered' THEN NULL ELSE f.executor_id END,
       CASE WHEN f.decided IS NULL THEN '' ELSE 'Зарегистрирован; результат подписан.' END,
       '',
       CASE f.kind
           WHEN 'registered' THEN f.registered_at + interval '1 minute' * f.review
           WHEN 'in_review' THEN f.registered_at + interval '1 minute' * f.review
           WHEN 'result_signed' THEN f.decided + interval '1 minute' * f.issuance
       END,
       f.decided,
       f.issued
FROM final AS f
ORDER BY f.registered_at - f.intake_gap, f.i
"""

# G2: intake (clerk, ends at registration), review (executor, ends at the
# decision), issuance (clerk, ends when handed over; at once for the portal).
SQL_STEPS = """
WITH offices AS (
    SELECT * FROM unnest(%(office_ids)s::bigint[], %(clerks)s::bigint[]) AS o(id, clerk_id)
)
INSERT INTO services_steprecord
    (application_id, procedure_id, code, performer_id, norm_minutes, started_at, due_at, finished_at)
SELECT a.id, p.id, s.code, s.performer_id, p.norm_minutes, s.started_at,
       s.started_at + interval '1 minute' * p.norm_minutes, s.finished_at
FROM services_application AS a
JOIN offices AS o ON o.id = a.office_id
CROSS JOIN LATERAL (VALUES
    ('intake', a.created_at, a.registered_at, CASE WHEN a.channel = 'desk' THEN o.clerk_id END),
    ('review', a.registered_at, a.decided_at, a.executor_id),
    ('issuance', a.decided_at, a.issued_at,
     CASE WHEN a.channel = 'desk' AND a.issued_at IS NOT NULL THEN o.clerk_id END)
) AS s(code, started_at, finished_at, performer_id)
JOIN reglament_procedure AS p ON p.version_id = a.reglament_version_id AND p.code = s.code
WHERE a.id > %(after_id)s AND s.started_at IS NOT NULL
"""

# Placeholder results: the bytes are not a real signature and are never
# verified by the pages measured; the journal shows their kind.
SQL_RESULTS = """
INSERT INTO services_resultdocument
    (application_id, kind, content, content_sha256, signature, certificate_serial, signed_by_id, signed_at)
SELECT a.id,
       CASE s.code WHEN 'S1' THEN 'notification' WHEN 'S2' THEN 'certificate'
                   ELSE 'referral_' || a.measure_kind END,
       convert_to(a.number, 'UTF8'),
       encode(sha256(convert_to(a.number, 'UTF8')), 'hex'),
       '\\x00'::bytea, 'BENCH', a.executor_id, a.decided_at
FROM services_application AS a
JOIN services_service AS s ON s.id = a.service_id
WHERE a.id > %(after_id)s AND a.decided_at IS NOT NULL
"""

SQL_JOURNAL = """
WITH offices AS (
    SELECT * FROM unnest(%(office_ids)s::bigint[], %(clerks)s::bigint[]) AS o(id, clerk_id)
)
INSERT INTO services_journalentry
    (application_id, office_id, issued_at, issued_by_id, recipient_name, recipient_document)
SELECT a.id, a.office_id, a.issued_at, o.clerk_id,
       concat_ws(' ', p.last_name, p.first_name, nullif(p.patronymic, '')),
       'N' || lpad(p.id::text, 9, '0')
FROM services_application AS a
JOIN offices AS o ON o.id = a.office_id
JOIN applicants_applicant AS p ON p.id = a.applicant_id
WHERE a.id > %(after_id)s AND a.state = 'issued' AND a.channel = 'desk'
ORDER BY a.issued_at, a.id
"""

# Numbers never repeat: the counters continue after the numbers the fill gave.
SQL_COUNTERS = """
INSERT INTO services_registrationcounter (office_id, year, last_number)
SELECT office_id, number_year, max(number_seq)
FROM services_application
WHERE number_year IS NOT NULL
GROUP BY office_id, number_year
ON CONFLICT (office_id, year)
DO UPDATE SET last_number = greatest(services_registrationcounter.last_number, excluded.last_number)
"""

# The filled tables and, recursively, the tables whose foreign keys point at them.
SQL_DEPENDENTS = """
WITH RECURSIVE hanging(name) AS (
    SELECT unnest(%(tables)s::text[])
    UNION
    SELECT c.conrelid::regclass::text
    FROM pg_constraint AS c
    JOIN hanging AS h ON c.confrelid = h.name::regclass
    WHERE c.contype = 'f'
)
SELECT name FROM hanging ORDER BY name
"""

# The single-column foreign keys of the filled tables.
SQL_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
FROM pg_constraint AS c
JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute AS af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conrelid::regclass::text = ANY(%(tables)s)
ORDER BY 1, 2
"""

# Written into a temporary directory on the server's PYTHONPATH: the project's
# settings and URLs plus one bare page.
BENCH_SETTINGS = """\
from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
"""

BENCH_URLS = '''\
"""The project's URLs plus /bench-bare/: 50 rows of one table, plain Django."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from applicants.models import Applicant
from config.urls import urlpatterns as project_urlpatterns

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Applicants</title></head>
<body><h1>Applicants</h1><table>
<tr><th>#</th><th>IIN</th><th>Last name</th><th>First name</th><th>Patronymic</th><th>Phone</th></tr>
{% for a in rows %}<tr><td>{{ a.pk }}</td><td>{{ a.iin }}</td><td>{{ a.last_name }}</td>\
<td>{{ a.first_name }}</td><td>{{ a.patronymic }}</td><td>{{ a.phone }}</td></tr>
{% endfor %}</table></body></html>"""
_template = []


def bare(request):
    if not _template:
        _template.append(engines["django"].from_string(PAGE))
    rows = Applicant.objects.order_by("pk")[:50]
    return HttpResponse(_template[0].render({"rows": rows}, request))


urlpatterns = [path("bench-bare/", bare), *project_urlpatterns]
'''


def _sizes(raw: str) -> list[int]:
    try:
        sizes = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--sizes takes whole numbers separated by commas, not {raw!r}") from exc
    if not sizes or any(size < 100 for size in sizes):
        raise CommandError("--sizes: every size must be at least 100 applications.")
    return sizes


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind a size gets (see the constants above)."""

    size: int
    offices: int

    @property
    def today(self) -> int:
        return min(TODAY_JOURNAL, self.size // 5)

    @property
    def reviews(self) -> int:
        return min(REVIEWS_PER_OFFICE * self.offices, self.size // 20)

    @property
    def registered(self) -> int:
        return min(max(round(self.size * REGISTERED_SHARE), MIN_QUEUE), self.size // 4)

    @property
    def signed(self) -> int:
        return round(self.size * SIGNED_SHARE)

    @property
    def applicants(self) -> int:
        return max(1, math.ceil(self.size / 2))  # most people come for two services


@dataclass(frozen=True)
class Desk:
    """One office of the fill with the staff who act in it."""

    office: Office
    clerk: User
    executor: User


@dataclass
class Timing:
    page: str
    samples: list[float]
    rows: int
    kilobytes: float

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Browser:
    """A cookie-keeping HTTP client; one connection per request (gunicorn's
    sync workers close them anyway)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Connection": "close", "Accept-Language": "ru"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                self.cookies.update({name: morsel.value for name, morsel in jar.items()})
            return response.status, content
        finally:
            conn.close()

    def log_in(self, username: str, password: str) -> None:
        login = reverse("applicants:staff-login")
        status, page = self.request("GET", login)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise CommandError(f"The staff login page answered {status} without a CSRF token.")
        status, _body = self.request(
            "POST",
            login,
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise CommandError(f"Logging in as {username} failed (HTTP {status}): is the demo data loaded?")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    """The database this process uses, as a DATABASE_URL (in a test run,
    the test database)."""
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = urllib.parse.quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    name = urllib.parse.quote(db["NAME"], safe="")
    return f"postgres://{credentials}{host}{port}/{name}"


@contextmanager
def _server(workdir: Path) -> Iterator[int]:
    """gunicorn serving the project and the bare page; yields its port."""
    (workdir / "bench_settings.py").write_text(BENCH_SETTINGS)
    (workdir / "bench_urls.py").write_text(BENCH_URLS)
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(workdir), str(settings.BASE_DIR), os.environ.get("PYTHONPATH", "")) if p
        ),
        "DATABASE_URL": _database_url(),
        "PORTAL_ENV": "development",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Persistent connections, as production runs (.env.example).
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        # The hashers the demo passwords were stored with (MD5 in tests).
        "PASSWORD_HASHERS": ",".join(settings.PASSWORD_HASHERS),
        "LOG_LEVEL": "WARNING",
    }
    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, our own interpreter
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "300",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise CommandError(f"gunicorn stopped at start-up:\n{log_path.read_text()[-3000:]}")
            try:
                status, _body = Browser(port).request("GET", reverse("health"))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"gunicorn did not answer in 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        try:
            yield port
        except CommandError as exc:
            raise CommandError(f"{exc}\ngunicorn's log ends:\n{log_path.read_text()[-3000:]}") from exc
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Command(BaseCommand):
    help = (
        "Fill the database with applications (1,000 and 1,000,000 by default) and time the queue, "
        "the journal and the dashboard against a bare Django page, over HTTP with gunicorn. "
        "Destroys the applications in the database: use a database named *bench*."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sizes", type=_sizes, default=[1_000, 1_000_000], help="Applications, comma-separated."
        )
        parser.add_argument(
            "--requests", type=int, default=30, help="Timed requests per page and size (after 3 warm-ups)."
        )
        parser.add_argument("--office", default="AKT", help="The office whose pages are timed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run on a database whose name does not contain 'bench' (its applications are lost).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._verdict(self.measure(**options))

    def measure(self, **options: Any) -> dict[int, dict[str, Timing]]:
        """Fill and time each size; the timings per size and page (for bench_all)."""
        if settings.PRODUCTION:
            raise CommandError("bench_staff_pages refuses to run with PORTAL_ENV=production.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_staff_pages fills PostgreSQL with set-based SQL; set DATABASE_URL.")
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and not options["force"]:
            raise CommandError(
                f"The database {name!r} would lose every application (TRUNCATE). "
                "Use a database named *bench* (see docs/benchmarks.md) or pass --force."
            )
        migrations = MigrationExecutor(connection)
        if migrations.migration_plan(migrations.loader.graph.leaf_nodes()):
            raise CommandError(f"The database {name!r} has unapplied migrations: run migrate first.")
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        sizes: list[int] = options["sizes"]
        code: str = options["office"].upper()

        self._say(f"Loading the demo data into {name} ...")
        call_command("seed_demo", stdout=self.stdout)
        desks = self._desks(code)
        self._machine()

        results: dict[int, dict[str, Timing]] = {}
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir, _server(Path(workdir)) as port:
            self._say(f"gunicorn serves the project on 127.0.0.1:{port} (2 workers)")
            browsers = self._log_in(port, desks[0])
            for size in sizes:
                self._fill(size, desks)
                results[size] = self._measure(browsers, options["requests"], code)
                self._table(size, results[size])
        return results

    # --- set-up -----------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _desks(self, code: str) -> list[Desk]:
        """The office shown first, then the other demo offices."""
        codes = [code] + [spec["code"] for spec in OFFICES if spec["code"] != code]
        desks = []
        for office_code in codes:
            office = Office.objects.select_related("calendar").filter(code=office_code).first()
            if office is None:
                raise CommandError(f"There is no office {office_code!r}; the demo offices are AKT, ZHO, BEI.")
            staff = {}
            for role in (Role.CLERK, Role.EXECUTOR):
                user = (
                    User.objects.filter(office=office, groups__name=role.value, is_active=True)
                    .order_by("pk")
                    .first()
                )
                if user is None:
                    raise CommandError(f"The office {office_code} has no {role.value}.")
                staff[role] = user
            desks.append(Desk(office=office, clerk=staff[Role.CLERK], executor=staff[Role.EXECUTOR]))
        regions = {desk.office.region_id for desk in desks}
        if len(regions) != 1:
            raise CommandError("The offices of the benchmark must be in one region (one set of reglaments).")
        return desks

    def _machine(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        cpu = platform.processor() or ""
        cpuinfo = Path("/proc/cpuinfo")
        if cpuinfo.exists():
            models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
            cpu = models[0] if models else cpu
        self._say(
            f"Machine: {os.cpu_count()} CPUs ({cpu or 'unknown'}), Python {platform.python_version()}, "
            f"PostgreSQL {pg_version}, Django {django.get_version()}"
        )

    def _log_in(self, port: int, desk: Desk) -> dict[str, Browser]:
        """One session per role: executor (queue), clerk (journal), supervisor (dashboard)."""
        code = desk.office.code.lower()
        browsers = {"bare": Browser(port)}
        for page, role in (("queue", Role.EXECUTOR), ("journal", Role.CLERK), ("dashboard", Role.SUPERVISOR)):
            browser = Browser(port)
            browser.log_in(f"{role.value}.{code}", DEMO_PASSWORD)
            browsers[page] = browser
        return browsers

    # --- the fill ---------------------------------------------------------------

    def _fill(self, size: int, desks: list[Desk]) -> None:
        plan = Plan(size=size, offices=len(desks))
        self._say(f"\n== {size:,} applications: filling")
        started = time.perf_counter()
        params = self._parameters(plan, desks)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            cursor.execute("SET LOCAL work_mem TO '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem TO '512MB'")
            cursor.execute("SELECT setseed(0.2026)")
            cursor.execute(SQL_DEPENDENTS, {"tables": list(FILLED)})
            emptied = [name for (name,) in cursor.fetchall()]
            with self._step(f"empty {len(emptied)} tables"):
                # Names from the catalogue, quoted.
                quoted = ", ".join(connection.ops.quote_name(name) for name in emptied)
                cursor.execute(f"TRUNCATE {quoted}")
            with self._step("demo data (seed_demo)"):
                call_command("seed_demo", stdout=io.StringIO())
            cursor.execute("SELECT coalesce(max(id), 0) FROM applicants_applicant")
            first_applicant = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM services_application")
            after_id = cursor.fetchone()[0]
            unchecked = self._skip_row_triggers(cursor)
            with self._step(f"{plan.applicants:,} applicants"):
                cursor.execute(SQL_APPLICANTS, {**params, "count": plan.applicants})
            cursor.execute(
                "SELECT min(id), max(id), count(*) FROM applicants_applicant WHERE id >= %s",
                [first_applicant],
            )
            low, high, count = cursor.fetchone()
            if (low, high - low + 1) != (first_applicant, count):
                raise CommandError("The applicants' ids are not contiguous; is someone else writing here?")
            with self._step(f"{size:,} applications"):
                cursor.execute(
                    SQL_APPLICATIONS,
                    {**params, "first_applicant": first_applicant, "applicants": plan.applicants},
                )
            ids = {"after_id": after_id, **params}
            with self._step("step records"):
                cursor.execute(SQL_STEPS, ids)
            with self._step("signed results"):
                cursor.execute(SQL_RESULTS, ids)
            with self._step("journal entries"):
                cursor.execute(SQL_JOURNAL, ids)
            cursor.execute(SQL_COUNTERS)
            if unchecked:
                with self._step("foreign keys, checked per table"):
                    self._check_foreign_keys(cursor)
            committing = time.perf_counter()
        self._say(f"   {'commit':<32} {time.perf_counter() - committing:7.1f} s")
        with self._step("VACUUM ANALYZE"), connection.cursor() as cursor:
            tables = ", ".join(FILLED)
            # VACUUM cannot run in a transaction; ANALYZE alone then.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {tables}")
        self._say(f"   filled in {time.perf_counter() - started:.1f} s")
        self._counts(desks[0])

    def _skip_row_triggers(self, cursor: Any) -> bool:
        """Foreign keys are checked by a trigger per row, at commit (they are
        deferred): for 5 million rows that is longer than the fill itself. A
        superuser can turn the triggers off for this transaction; the keys are
        then checked afterwards, one anti-join per key (``_check_foreign_keys``)."""
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET LOCAL session_replication_role TO replica")
        return True

    def _check_foreign_keys(self, cursor: Any) -> None:
        cursor.execute(SQL_FOREIGN_KEYS, {"tables": list(FILLED)})
        quote = connection.ops.quote_name
        for table, column, target, target_column in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {quote(table)} AS t "  # noqa: S608 - names from the catalogue, quoted
                f"WHERE t.{quote(column)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {quote(target)} AS r WHERE r.{quote(target_column)} = t.{quote(column)})"
            )
            missing = cursor.fetchone()[0]
            if missing:
                raise CommandError(f"The fill broke a foreign key: {missing} rows of {table}.{column}.")

    @contextmanager
    def _step(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self._say(f"   {label:<32} {time.perf_counter() - started:7.1f} s")

    def _parameters(self, plan: Plan, desks: list[Desk]) -> dict[str, Any]:
        office = desks[0].office
        now = timezone.now()
        today = timezone.localdate()
        today_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=office.tz)
        services = {s.code: s for s in Service.objects.all()}
        versions = []
        for service_code in ServiceCode.values:
            version = reglament_version_in_force(region=office.region_id, service_code=service_code, on=today)
            if version is None or service_code not in services:
                raise CommandError(f"No reglament of {service_code} is in force today; run seed_demo.")
            versions.append(version)
        # The office shown gets half of the slots; the others share the rest.
        others = len(desks) - 1
        slots = [1] * (SLOTS // 2) + [2 + k % others for k in range(SLOTS - SLOTS // 2)] if others else [1]
        return {
            "now": now,
            "today_start": today_start,
            "history_start": today_start - datetime.timedelta(days=HISTORY_DAYS),
            "tz": str(office.tz),
            "count": plan.size,
            "today": plan.today,
            "reviews": plan.reviews,
            "registered": plan.registered,
            "signed": plan.signed,
            "queue_days": QUEUE_DAYS,
            "collect_days": COLLECT_DAYS,
            "portal_share": PORTAL_SHARE,
            "office_count": len(desks),
            "slots": slots,
            "slot_count": len(slots),
            "office_ids": [d.office.pk for d in desks],
            "office_codes": [d.office.code for d in desks],
            "executors": [d.executor.pk for d in desks],
            "clerks": [d.clerk.pk for d in desks],
            "service_ids": [services[v.service_code].pk for v in versions],
            "service_codes": [v.service_code for v in versions],
            "version_ids": [v.pk for v in versions],
            "via_portal": [v.via_portal for v in versions],
            "measures": ["employment", "youth_practice", "social_jobs", "public_works"],
            "last_names": LAST_NAMES,
            "first_names": FIRST_NAMES,
            "patronymics": PATRONYMICS,
        }

    def _counts(self, desk: Desk) -> None:
        with connection.cursor() as cursor:
            counts = []
            for table in FILLED[:5]:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
                counts.append(f"{table.split('_', 1)[1]} {cursor.fetchone()[0]:,}")
            cursor.execute(
                "SELECT state, count(*) FROM services_application GROUP BY state ORDER BY count(*) DESC"
            )
            states = ", ".join(f"{state} {n:,}" for state, n in cursor.fetchall())
            start = datetime.datetime.combine(timezone.localdate(), datetime.time.min, tzinfo=desk.office.tz)
            cursor.execute(
                "SELECT count(*) FROM services_application WHERE office_id = %s AND state = %s",
                [desk.office.pk, State.REGISTERED],
            )
            waiting = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM services_journalentry WHERE office_id = %s AND issued_at >= %s",
                [desk.office.pk, start],
            )
            journal = cursor.fetchone()[0]
        self._say("   rows: " + ", ".join(counts))
        self._say(f"   states: {states}")
        self._say(
            f"   {desk.office.code}: {waiting:,} waiting in the queue, {journal:,} journal entries today"
        )

    # --- the measurement --------------------------------------------------------

    def _measure(self, browsers: dict[str, Browser], requests: int, code: str) -> dict[str, Timing]:
        """Round-robin over the pages, so that drift hits them alike."""
        paths = {
            "bare": "/bench-bare/",
            "queue": reverse("services:queue"),
            "journal": reverse("services:journal"),
            "dashboard": reverse("services:dashboard"),
        }
        number = re.compile(rf"\b{re.escape(code)}-\d{{4}}-\d{{6,}}\b".encode())
        timings = {page: Timing(page=page, samples=[], rows=0, kilobytes=0.0) for page in PAGES}
        for round_ in range(WARM_UPS + requests):
            for page in PAGES:
                started = time.perf_counter()
                status, body = browsers[page].request("GET", paths[page])
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise CommandError(f"GET {paths[page]} answered HTTP {status}.")
                if round_ >= WARM_UPS:
                    timings[page].samples.append(elapsed)
                timings[page].rows = body.count(b"<tr><td>") if page == "bare" else len(number.findall(body))
                timings[page].kilobytes = len(body) / 1024
        return timings

    def _table(self, size: int, timings: dict[str, Timing]) -> None:
        bare = timings["bare"].median
        self._say(f"\n   {size:,} applications, {len(timings['bare'].samples)} timed requests per page")
        self._say(f"   {'page':<10} {'rows':>5} {'KB':>6} {'median ms':>10} {'p95 ms':>8} {'x bare':>7}")
        for page in PAGES:
            t = timings[page]
            self._say(
                f"   {page:<10} {t.rows:>5} {t.kilobytes:>6.1f} {t.median:>10.1f} {t.p95:>8.1f} "
                f"{t.median / bare:>7.2f}"
            )

    def _verdict(self, results: dict[int, dict[str, Timing]]) -> None:
        small, large = min(results), max(results)
        queue_small, queue_large = results[small]["queue"].median, results[large]["queue"].median
        ratio = queue_large / results[large]["bare"].median
        within = "met" if ratio <= AIM_BARE_RATIO else "MISSED"
        self._say("")
        if small == large:
            self._say(
                f"Queue at {large:,} applications: {queue_large:.1f} ms, {ratio:.2f}x the bare page. "
                f"Aim: within {AIM_BARE_RATIO:g}x the bare page: {within}."
            )
            return
        growth = queue_large / queue_small
        flat = "met" if growth <= NOISE else "MISSED"
        ratio_small = queue_small / results[small]["bare"].median
        self._say(
            f"Queue at {large:,} vs {small:,} applications: {queue_large:.1f} ms vs {queue_small:.1f} ms "
            f"({growth:.2f}x); {ratio:.2f}x the bare page at {large:,}, {ratio_small:.2f}x at {small:,}."
        )
        # On a shared machine the load drifts between sizes; the ratio to the
        # bare page, timed in the same minutes, cancels most of that drift.
        flat_ratio = "met" if ratio <= ratio_small * NOISE else "MISSED"
        self._say(
            f"Aim: queue within {AIM_BARE_RATIO:g}x the bare page: {within}; "
            f"no slower at {large:,} than at {small:,} (within {round((NOISE - 1) * 100)} % noise): "
            f"{flat} in ms, {flat_ratio} in multiples of the bare page."
        )
