"""Signed results of every kind (issue 5), made through the service layer,
and the poppler helpers that read their PDFs back."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from applicants.models import Applicant, User
from registry.models import Employer, Programme, TargetGroup, TargetGroupMembership, Vacancy
from reglament.models import Office
from services import services as svc
from services.constants import ResultKind, State
from services.models import ResultDocument
from tests.flows import desk_application, ground

ARTEFACTS = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "documents"

PROGRAMME_KINDS = {
    "youth_practice": ("Жастар практикасы — есепшілер", "Молодёжная практика — бухгалтеры"),
    "social_jobs": ("Әлеуметтік жұмыс орындары — аспазшылар", "Социальные рабочие места — повара"),
    "public_works": ("Қоғамдық жұмыстар — көркейту", "Общественные работы — благоустройство"),
}


def poppler(tool: str, *args: str, pdf: bytes) -> str:
    executable = shutil.which(tool)
    if executable is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    # Fixed arguments, no shell: the PDF goes in on stdin.
    done = subprocess.run([executable, *args], input=pdf, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with the layout's line breaks and runs of spaces folded."""
    return " ".join(poppler("pdftotext", "-", "-", pdf=pdf).split())


def save_page_one(name: str, pdf: bytes) -> Path:
    """The PDF and a PNG of its first page, kept for a person to look at."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{name}.pdf").write_bytes(pdf)
    executable = shutil.which("pdftoppm")
    if executable is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [executable, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(ARTEFACTS / name)],
        input=pdf,
        check=True,
    )
    return ARTEFACTS / f"{name}.png"


@pytest.fixture
def letterhead(aktau: Office) -> Office:
    aktau.address_kk = "Ақтау қ., 14-шағын аудан, 52-үй"
    aktau.address_ru = "г. Актау, 14-й микрорайон, дом 52"
    aktau.phone = "+7 7292 43-21-10"
    aktau.save(update_fields=["address_kk", "address_ru", "phone"])
    return aktau


SignedResult = Callable[[str], ResultDocument]


@pytest.fixture
def signed_result(letterhead: Office, clerk: User, executor: User, applicant: Applicant) -> SignedResult:
    """A signed result of the given kind, made at the desk through the service layer."""
    today = timezone.localdate()
    employer = Employer.objects.create(
        name_ru="ТОО «Каспий Сервис»",
        name_kk="«Каспий Сервис» ЖШС",
        bin="081140000436",
        address="г. Актау, 9-й мкр., здание 3",
        phone="+7 7292 50-00-01",
    )

    def make(kind: str) -> ResultDocument:
        if kind == ResultKind.REFUSAL:
            application = desk_application(
                clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.IN_REVIEW
            )
            svc.application_refuse(
                application_id=application.pk,
                executor=executor,
                ground_id=ground("unreliable-documents").pk,
                reason="Сведения о трудовой деятельности не подтверждены. Еңбек қызметі туралы мәліметтер расталмады.",
            )
        elif kind in (ResultKind.NOTIFICATION, ResultKind.CERTIFICATE):
            application = desk_application(
                clerk=clerk,
                executor=executor,
                applicant=applicant,
                service_code="S1" if kind == ResultKind.NOTIFICATION else "S2",
                until=State.RESULT_SIGNED,
            )
        else:
            measure = kind.removeprefix("referral_")
            # Issue 5, item 4: a referral is for a person on the job-seeker register
            # (S1 signed), social jobs for a member of a target group too.
            desk_application(
                clerk=clerk,
                executor=executor,
                applicant=applicant,
                service_code="S1",
                until=State.RESULT_SIGNED,
            )
            if measure == "social_jobs":
                group, _created = TargetGroup.objects.get_or_create(
                    code="large-family",
                    defaults={"name_ru": "Многодетные семьи", "name_kk": "Көп балалы отбасылар"},
                )
                TargetGroupMembership.objects.create(
                    applicant=applicant, group=group, since=today - datetime.timedelta(days=365)
                )
            application = desk_application(
                clerk=clerk,
                executor=executor,
                applicant=applicant,
                service_code="S3",
                measure_kind=measure,
                until=State.IN_REVIEW,
            )
            vacancy_id = programme_id = None
            if measure == "employment":
                vacancy_id = Vacancy.objects.create(
                    employer=employer,
                    office=letterhead,
                    position_ru="Электрогазосварщик",
                    position_kk="Электргазбен дәнекерлеуші",
                    monthly_salary=320000,
                    places=2,
                    opened_on=today - datetime.timedelta(days=3),
                    closes_on=today + datetime.timedelta(days=30),
                ).pk
            else:
                name_kk, name_ru = PROGRAMME_KINDS[measure]
                programme_id = Programme.objects.create(
                    kind=measure,
                    office=letterhead,
                    employer=employer,
                    name_ru=name_ru,
                    name_kk=name_kk,
                    places=5,
                    starts_on=today,
                    ends_on=today + datetime.timedelta(days=180),
                    monthly_pay=120000,
                ).pk
            svc.application_sign_result(
                application_id=application.pk,
                executor=executor,
                result_text="Направление выдано. Жолдама берілді.",
                vacancy_id=vacancy_id,
                programme_id=programme_id,
            )
        return ResultDocument.objects.get(application=application)

    return make


def english_client() -> Client:
    """A browser that reads the English source messages the assertions use."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def client() -> Client:
    return english_client()
