"""Load demo data: Mangistau offices, staff of every role, a citizen,
employers, vacancies, programmes and a few applications. Idempotent.

The 2017 reglaments were repealed in 2020; so that the demo can serve
today, it adds a *training edition* of them (kind "demo", clearly labelled
as not a legal act) when no version is in force. Never run in production.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from applicants.constants import Role
from applicants.models import Applicant, User
from applicants.services import applicant_create
from pki.selectors import staff_certificate_current
from pki.services import staff_certificate_issue
from registry.constants import ProgrammeKind
from registry.models import Employer, Programme, Vacancy
from reglament.constants import ActKind
from reglament.models import LegalAct, Office, Region, WorkCalendar
from reglament.selectors import reglament_version_in_force
from reglament.services import reglament_edition_copy
from services import services as svc
from services.models import Application

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed in README; demo only

OFFICES = [
    {
        "code": "AKT",
        "name_ru": "Центр занятости населения города Актау",
        "name_kk": "Ақтау қаласының халықты жұмыспен қамту орталығы",
        "name_en": "Employment centre of Aktau",
        "address_ru": "г. Актау, 9 микрорайон, здание 23",
        "address_kk": "Ақтау қ., 9 шағын аудан, 23 ғимарат",
        "address_en": "Aktau, microdistrict 9, building 23",
        "phone": "+7 7292 00-00-01",
    },
    {
        "code": "ZHO",
        "name_ru": "Центр занятости населения города Жанаозен",
        "name_kk": "Жаңаөзен қаласының халықты жұмыспен қамту орталығы",
        "name_en": "Employment centre of Zhanaozen",
        "address_ru": "г. Жанаозен, микрорайон Самал, здание 5",
        "address_kk": "Жаңаөзен қ., Самал шағын ауданы, 5 ғимарат",
        "address_en": "Zhanaozen, Samal microdistrict, building 5",
        "phone": "+7 72934 0-00-02",
    },
    {
        "code": "BEI",
        "name_ru": "Центр занятости населения Бейнеуского района",
        "name_kk": "Бейнеу ауданының халықты жұмыспен қамту орталығы",
        "name_en": "Employment centre of Beineu district",
        "address_ru": "с. Бейнеу, ул. Косай ата, 10",
        "address_kk": "Бейнеу а., Қосай ата к-сі, 10",
        "address_en": "Beineu, Kosai Ata street 10",
        "phone": "+7 72932 0-00-03",
    },
]

STAFF = [
    (Role.CLERK, "Нурлан", "Есенов"),
    (Role.EXECUTOR, "Айгерим", "Садыкова"),
    (Role.SUPERVISOR, "Болат", "Жаксылыков"),
]

EMPLOYERS = [
    ("081140000436", "ТОО «Каспий Сервис»", "«Каспий Сервис» ЖШС", "Caspian Service LLP"),
    ("230540004989", "ТОО «Маңғыстау Құрылыс»", "«Маңғыстау Құрылыс» ЖШС", "Mangystau Qurylys LLP"),
]

CITIZEN_IIN = "931002451325"


class Command(BaseCommand):
    help = "Load the demo data (offices, staff of every role, a citizen, employers, programmes)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with PORTAL_ENV=production.")
        with transaction.atomic():
            region = Region.objects.get(code="mangystau")
            self._training_edition(region)
            offices = self._offices(region)
            self._staff(offices)
            citizen = self._citizen()
            self._registry(offices)
            self._applications(offices["AKT"], citizen)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts are listed in README.md."))

    def _training_edition(self, region: Region) -> None:
        today = timezone.localdate()
        if reglament_version_in_force(region=region, service_code="S1", on=today):
            return
        repeal = LegalAct.objects.filter(region=region, number="49").first()
        start = repeal.in_force_from if repeal and repeal.in_force_from else today
        act, _ = LegalAct.objects.get_or_create(
            kind=ActKind.DEMO,
            region=region,
            number="DEMO-2017",
            adopted_on=start,
            defaults={
                "issuer_ru": "Учебная редакция портала",
                "issuer_kk": "Порталдың оқу редакциясы",
                "issuer_en": "The portal's training edition",
                "title_ru": "Регламенты 2017 года в учебной редакции (не является правовым актом)",
                "title_kk": "2017 жылғы регламенттер оқу редакциясында (құқықтық акт емес)",
                "title_en": "The 2017 reglaments as a training edition (not a legal act)",
                "in_force_from": start,
                "source_note": "Demo data: lets the portal be tried out after the 2020 repeal.",
            },
        )
        reglament_edition_copy(region=region, legal_act=act, effective_from=start)

    def _offices(self, region: Region) -> dict[str, Office]:
        calendar = WorkCalendar.objects.order_by("pk").first()
        offices = {}
        for spec in OFFICES:
            office, _ = Office.objects.get_or_create(
                code=spec["code"], defaults={**spec, "region": region, "calendar": calendar}
            )
            offices[office.code] = office
        return offices

    def _user(self, username: str, **fields: Any) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _staff(self, offices: dict[str, Office]) -> None:
        for code, office in offices.items():
            for role, first, last in STAFF:
                user = self._user(
                    f"{role.value}.{code.lower()}", first_name=first, last_name=last, office=office
                )
                user.groups.add(Group.objects.get(name=role.value))
        admin = self._user(
            "admin", first_name="Администратор", last_name="Портала", office=offices["AKT"], is_staff=True
        )
        admin.groups.add(Group.objects.get(name=Role.ADMINISTRATOR.value))
        # Executors sign results with a key of the test certificate authority.
        for user in User.objects.filter(groups__name__in=[Role.EXECUTOR, Role.ADMINISTRATOR]).distinct():
            if staff_certificate_current(user=user) is None:
                staff_certificate_issue(user=user)

    def _citizen(self) -> Applicant:
        user = self._user(CITIZEN_IIN, iin=CITIZEN_IIN, first_name="Ерлан", last_name="Жумабаев")
        applicant = Applicant.objects.filter(iin=CITIZEN_IIN).first()
        if applicant is None:
            applicant = applicant_create(
                actor=None,
                iin=CITIZEN_IIN,
                last_name="Жумабаев",
                first_name="Ерлан",
                patronymic="Болатович",
                birth_date=datetime.date(1993, 10, 2),
                phone="+7 701 000 00 00",
                email="citizen@example.kz",
            )
        if applicant.user_id is None:
            applicant.user = user
            applicant.save(update_fields=["user"])
        return applicant

    def _registry(self, offices: dict[str, Office]) -> None:
        employers = []
        for bin_, ru, kk, en in EMPLOYERS:
            employer, _ = Employer.objects.get_or_create(
                bin=bin_, defaults={"name_ru": ru, "name_kk": kk, "name_en": en}
            )
            employers.append(employer)
        today = timezone.localdate()
        if not Vacancy.objects.exists():
            Vacancy.objects.create(
                employer=employers[0],
                office=offices["AKT"],
                position_ru="Оператор по добыче нефти",
                position_kk="Мұнай өндіру операторы",
                position_en="Oil production operator",
                monthly_salary=380_000,
                places=3,
                opened_on=today,
            )
            Vacancy.objects.create(
                employer=employers[1],
                office=offices["ZHO"],
                position_ru="Электрогазосварщик",
                position_kk="Электргазбен дәнекерлеуші",
                position_en="Welder",
                monthly_salary=320_000,
                places=2,
                opened_on=today,
            )
        if not Programme.objects.exists():
            end = today + datetime.timedelta(days=180)
            Programme.objects.create(
                kind=ProgrammeKind.YOUTH_PRACTICE,
                office=offices["AKT"],
                employer=employers[0],
                name_ru="Молодёжная практика 2026",
                name_kk="Жастар практикасы 2026",
                name_en="Youth practice 2026",
                places=10,
                starts_on=today,
                ends_on=end,
                monthly_pay=150_000,
                max_age=29,
                max_years_since_graduation=3,
            )
            Programme.objects.create(
                kind=ProgrammeKind.SOCIAL_JOBS,
                office=offices["AKT"],
                employer=employers[1],
                name_ru="Социальные рабочие места",
                name_kk="Әлеуметтік жұмыс орындары",
                name_en="Social jobs",
                places=5,
                starts_on=today,
                ends_on=end,
                monthly_pay=140_000,
            )
            Programme.objects.create(
                kind=ProgrammeKind.PUBLIC_WORKS,
                office=offices["ZHO"],
                name_ru="Общественные работы: благоустройство",
                name_kk="Қоғамдық жұмыстар: абаттандыру",
                name_en="Public works: town upkeep",
                places=20,
                starts_on=today,
                ends_on=end,
                monthly_pay=110_000,
            )

    def _applications(self, office: Office, applicant: Applicant) -> None:
        if Application.objects.exists():
            return
        clerk = User.objects.get(username="clerk.akt")
        # One intake under way and one registered request waiting in the queue.
        svc.application_receive(clerk=clerk, applicant_id=applicant.pk, service_code="S2")
        waiting = svc.application_receive(clerk=clerk, applicant_id=applicant.pk, service_code="S1")
        svc.application_register(application_id=waiting.pk, actor=clerk)
