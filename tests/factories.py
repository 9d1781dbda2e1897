"""factory_boy factories. Applications are moved between states by the
service layer (``tests.flows``), never by writing the state field."""

from __future__ import annotations

import random

import factory
from django.contrib.auth.models import Group

from applicants.identifiers import check_digit
from applicants.models import Applicant, User
from reglament.models import Office, Region, WorkCalendar


def valid_iin(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()  # noqa: S311 - test data
    while True:
        yy, mm, dd = rng.randint(60, 99), rng.randint(1, 12), rng.randint(1, 28)
        first = f"{yy:02d}{mm:02d}{dd:02d}{rng.choice('34')}{rng.randint(0, 9999):04d}"
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    region = factory.LazyFunction(lambda: Region.objects.get(code="mangystau"))
    calendar = factory.LazyFunction(lambda: WorkCalendar.objects.order_by("pk").first())
    code = factory.Sequence(lambda n: "OF" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26] * 2)
    name_ru = factory.LazyAttribute(lambda o: f"Центр занятости {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Айгуль"
    last_name = "Сериккызы"
    password = factory.django.Password("correct horse battery staple")
    office = None

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    iin = factory.LazyFunction(valid_iin)
    last_name = "Жумабаев"
    first_name = "Ерлан"
    patronymic = "Болатович"
