"""Benchmark of the result documents (issue 5, acceptance 6).

Renders the PDF of each kind of signed result ``--repeat`` times (reading
it from the database, laying it out and printing it, as the rendering task
does) and prints the median time per kind side by side with WeasyPrint
printing a one-page document with the same fonts and no data access, timed
in the same run and interleaved with the kinds, and the ratio. Aim: within
1.5x.

The results it renders are made for the run in one transaction that is
rolled back at the end: nothing is left in the database. It needs an
office and the reglaments (``migrate``; the demo has both). See
docs/benchmarks.md.
"""

from __future__ import annotations

import datetime
import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import weasyprint
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation

from applicants.identifiers import check_digit
from applicants.models import Applicant, User
from registry.models import Employer, Programme, Vacancy
from reglament.models import Office, ReglamentVersion
from services.constants import Channel, GroundStage, ResultKind, State
from services.documents import render_result_pdf, result_html
from services.models import Application, RefusalGround, ResultDocument, Service

# Printed on every benchmark page; the alphabet of real codes.
BENCH_CODE = "BENCH23456"

# The baseline: one A4 page, the documents' fonts, text of a similar length,
# no template, no database.
BARE_PAGE = """<!doctype html><html lang="kk"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm 16mm 20mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.35; }
.mono { font-family: "DejaVu Sans Mono", monospace; }
h1 { font-size: 12.5pt; text-align: center; }
</style></head><body>
<h1>Жұмыссыз ретінде тіркеу туралы анықтама</h1>
<h1>Справка о регистрации в качестве безработного</h1>
<p class="mono">AKT-2026-000001 · 04.12.2026</p>
<p>Осы анықтама азаматтың жұмыспен қамту орталығында жұмыссыз ретінде тіркелгенін растайды.
Анықтама талап етілетін жерге ұсыну үшін берілді.</p>
<p>Настоящая справка подтверждает, что гражданин зарегистрирован в центре занятости
в качестве безработного. Справка выдана для представления по месту требования.</p>
<p class="mono">939a5bd12e6e3b705254a9aefcf091adc120cae59cbc2dc9908d941ea2d25114</p>
</body></html>"""


def _bare_pdf() -> bytes:
    pdf: bytes = weasyprint.HTML(string=BARE_PAGE).write_pdf()
    return pdf


STATIC = ":static"


def _static_pdf(html: str) -> bytes:
    with translation.override("kk"):
        pdf: bytes = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf


def _free_iin() -> str:
    for seq in range(1, 10_000):
        first = f"0001013{seq:04d}"
        digit = check_digit(first)
        iin = f"{first}{digit}"
        if digit is not None and not Applicant.objects.filter(iin=iin).exists():
            return iin
    raise CommandError("No free IIN for the benchmark applicant.")


def median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


class Command(BaseCommand):
    help = "Time the rendering of each result document beside a bare one-page WeasyPrint document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=20, help="timed renders per kind (default 20)")
        parser.add_argument("--office", default="", help="code of the office whose letterhead is printed")

    def handle(self, *args: Any, **options: Any) -> None:
        repeat: int = options["repeat"]
        self._report(self.measure(repeat=repeat, office_code=options["office"]), repeat)

    def measure(self, *, repeat: int, office_code: str = "") -> dict[str, list[float]]:
        """Seconds per render of each kind, of ``bare`` and of each kind's
        static page (``<kind>:static``), ``repeat`` of each; for bench_all."""
        if repeat < 1:
            raise CommandError("--repeat must be at least 1")
        with transaction.atomic():
            results = self._results(office_code)
            timings = self._time(results, repeat)
            transaction.set_rollback(True)
        return timings

    # --- the data of the run, rolled back afterwards --------------------------

    def _results(self, office_code: str) -> dict[str, int]:
        offices = Office.objects.select_related("calendar", "region").filter(is_active=True)
        office = (offices.filter(code=office_code) if office_code else offices.order_by("pk")).first()
        if office is None:
            raise CommandError("No office to print the letterhead of: run migrate and seed_demo first.")
        executor = User.objects.create(
            username="bench.documents.executor", first_name="Айгуль", last_name="Сериккызы", office=office
        )
        applicant = Applicant.objects.create(
            iin=_free_iin(), last_name="Жумабаев", first_name="Ерлан", patronymic="Болатович"
        )
        employer = Employer.objects.filter(bin="081140000436").first() or Employer.objects.create(
            name_ru="ТОО «Каспий Сервис»", name_kk="«Каспий Сервис» ЖШС", bin="081140000436"
        )
        today = timezone.localdate()
        vacancy = Vacancy.objects.create(
            employer=employer,
            office=office,
            position_ru="Электрогазосварщик",
            position_kk="Электргазбен дәнекерлеуші",
            monthly_salary=320000,
            places=1,
            opened_on=today,
        )
        programmes = {
            kind: Programme.objects.create(
                kind=kind,
                office=office,
                employer=employer,
                name_ru=f"Программа {kind}",
                places=1,
                starts_on=today,
                ends_on=today + datetime.timedelta(days=180),
                monthly_pay=120000,
            )
            for kind in ("youth_practice", "social_jobs", "public_works")
        }
        plan: dict[str, tuple[str, str]] = {
            ResultKind.NOTIFICATION: ("S1", ""),
            ResultKind.CERTIFICATE: ("S2", ""),
            ResultKind.REFERRAL_EMPLOYMENT: ("S3", "employment"),
            ResultKind.REFERRAL_YOUTH_PRACTICE: ("S3", "youth_practice"),
            ResultKind.REFERRAL_SOCIAL_JOBS: ("S3", "social_jobs"),
            ResultKind.REFERRAL_PUBLIC_WORKS: ("S3", "public_works"),
            ResultKind.REFUSAL: ("S1", ""),
        }
        ground = RefusalGround.objects.filter(stage=GroundStage.REVIEW).order_by("pk").first()
        now = timezone.now()
        ids: dict[str, int] = {}
        for n, (kind, (service_code, measure)) in enumerate(plan.items(), start=1):
            version = ReglamentVersion.objects.filter(region=office.region, service_code=service_code).first()
            if version is None:
                raise CommandError(f"No reglament of {service_code} in the office's region: run migrate.")
            refusal = kind == ResultKind.REFUSAL
            if refusal and ground is None:
                raise CommandError("No refusal ground of the review stage: run migrate.")
            # The state is set on a new row (django-fsm allows it then): the
            # benchmark needs the signed rows, not the way to them.
            application = Application.objects.create(
                service=Service.objects.get(code=service_code),
                office=office,
                applicant=applicant,
                channel=Channel.DESK,
                state=State.REFUSAL_SIGNED if refusal else State.RESULT_SIGNED,
                reglament_version=version,
                number=f"BENCH-{n:06d}",
                number_year=1900,
                number_seq=n,
                measure_kind=measure,
                executor=executor,
                result_text="" if refusal else "Бенчмарк.",
                refusal_ground=ground if refusal else None,
                refusal_reason="Бенчмарк." if refusal else "",
                decided_at=now,
            )
            content = json.dumps(
                {"number": application.number, "kind": kind, "applicant": {"name": applicant.full_name}},
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
            ids[kind] = ResultDocument.objects.create(
                application=application,
                kind=kind,
                content=content,
                content_sha256="0" * 64,
                signature=b"bench",
                certificate_serial="be0c4",
                signed_by=executor,
                signed_at=now,
                vacancy=vacancy if measure == "employment" else None,
                programme=programmes.get(measure),
            ).pk
        return ids

    # --- timing -----------------------------------------------------------------

    def _time(self, results: dict[str, int], repeat: int) -> dict[str, list[float]]:
        jobs: dict[str, Callable[[], bytes]] = {"bare": _bare_pdf}
        for kind, result_id in results.items():
            jobs[kind] = functools.partial(render_result_pdf, result_id=result_id, code=BENCH_CODE)
            # The same page as static HTML: WeasyPrint's own cost of this layout.
            html = result_html(result_id=result_id, code=BENCH_CODE)
            jobs[f"{kind}{STATIC}"] = functools.partial(_static_pdf, html)
        for job in jobs.values():  # warm-up: fonts, templates, the first connection
            job()
        timings: dict[str, list[float]] = {name: [] for name in jobs}
        for _round in range(repeat):
            # Interleaved: a slower moment of the machine falls on every kind alike.
            for name, job in jobs.items():
                started = time.perf_counter()
                job()
                timings[name].append(time.perf_counter() - started)
        return timings

    def _report(self, timings: dict[str, list[float]], repeat: int) -> None:
        bare = median_ms(timings["bare"])
        self.stdout.write(
            f"Result documents, median of {repeat} renders each (aim: within 1.5x the bare page)"
        )
        self.stdout.write(
            "  bare: a short one-page document in the same fonts; static: this kind's own page as "
            "fixed HTML (WeasyPrint alone, no data access, no template)"
        )
        self.stdout.write(
            f"  {'kind':<26} {'median ms':>10} {'bare ms':>9} {'ratio':>6} {'static ms':>10} {'ratio':>6}"
        )
        self.stdout.write(f"  {'bare':<26} {bare:>10.1f} {bare:>9.1f} {1.0:>6.2f} {bare:>10.1f} {1.0:>6.2f}")
        for name, values in timings.items():
            if name == "bare" or name.endswith(STATIC):
                continue
            median = median_ms(values)
            static = median_ms(timings[f"{name}{STATIC}"])
            self.stdout.write(
                f"  {name:<26} {median:>10.1f} {bare:>9.1f} {median / bare:>6.2f} {static:>10.1f} {median / static:>6.2f}"
            )
