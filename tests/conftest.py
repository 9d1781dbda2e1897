"""Shared fixtures: the Mangistau offices, staff of every role, and the
reglaments in force today."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from applicants.constants import Role
from applicants.models import Applicant, User
from pki.services import staff_certificate_issue
from reglament.models import LegalAct, Office, Region, ReglamentVersion
from reglament.services import reglament_edition_copy
from tests.factories import ApplicantFactory, OfficeFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_verification_rate_limit(settings: Any) -> None:
    """Tests open /verify/ many times from one address in a minute (fuzzing,
    accessibility); the rate limit is shown by tests that set it back on."""
    settings.VERIFY_LOOKUPS_PER_MINUTE = 0
    settings.VERIFY_CHECKS_PER_MINUTE = 0


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Assertions read the English source messages; tests about Russian and
    Kazakh switch the language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def _test_ca_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(autouse=True)
def _test_ca(settings: Any, _test_ca_directory: Path) -> None:
    """One test certificate authority per run (made on first use)."""
    settings.PKI_CA_DIR = _test_ca_directory
    settings.PKI_STAFF_KEY_PASSWORD = "test-staff-key-password"


def signing(user: User) -> User:
    """Give a staff member a signing certificate of the test CA."""
    staff_certificate_issue(user=user)
    return user


@pytest.fixture
def region(db: None) -> Region:
    return Region.objects.get(code="mangystau")


def training_edition(
    region: Region, *, effective_from: datetime.date, norms: dict[str, int] | None = None, number: str = "T-1"
) -> list[ReglamentVersion]:
    act = LegalAct.objects.create(
        kind="demo",
        region=region,
        issuer_ru="Учебная редакция",
        number=number,
        adopted_on=effective_from,
        title_ru="Учебная редакция регламентов",
        in_force_from=effective_from,
    )
    return reglament_edition_copy(region=region, legal_act=act, effective_from=effective_from, norms=norms)


@pytest.fixture
def current_reglaments(region: Region) -> list[ReglamentVersion]:
    """The 2017 reglaments re-issued as a training edition in force since 2020."""
    return training_edition(region, effective_from=datetime.date(2020, 4, 6))


@pytest.fixture
def aktau(current_reglaments: list[ReglamentVersion]) -> Office:
    return OfficeFactory(
        code="AKT", name_ru="Центр занятости г. Актау", name_kk="Ақтау қ. жұмыспен қамту орталығы"
    )


@pytest.fixture
def zhanaozen(current_reglaments: list[ReglamentVersion]) -> Office:
    return OfficeFactory(
        code="ZHO", name_ru="Центр занятости г. Жанаозен", name_kk="Жаңаөзен қ. жұмыспен қамту орталығы"
    )


@pytest.fixture
def clerk(aktau: Office) -> User:
    return UserFactory(username="clerk.aktau", office=aktau, role=Role.CLERK)


@pytest.fixture
def executor(aktau: Office) -> User:
    return signing(UserFactory(username="executor.aktau", office=aktau, role=Role.EXECUTOR))


@pytest.fixture
def second_executor(aktau: Office) -> User:
    return signing(UserFactory(username="executor2.aktau", office=aktau, role=Role.EXECUTOR))


@pytest.fixture
def supervisor(aktau: Office) -> User:
    return UserFactory(username="supervisor.aktau", office=aktau, role=Role.SUPERVISOR)


@pytest.fixture
def zhanaozen_clerk(zhanaozen: Office) -> User:
    return UserFactory(username="clerk.zhanaozen", office=zhanaozen, role=Role.CLERK)


@pytest.fixture
def zhanaozen_executor(zhanaozen: Office) -> User:
    return signing(UserFactory(username="executor.zhanaozen", office=zhanaozen, role=Role.EXECUTOR))


@pytest.fixture
def administrator(aktau: Office) -> User:
    return signing(UserFactory(username="admin", office=aktau, role=Role.ADMINISTRATOR, is_staff=True))


@pytest.fixture
def applicant(db: None) -> Applicant:
    return ApplicantFactory()


@pytest.fixture
def citizen(applicant: Applicant) -> User:
    user = UserFactory(username=applicant.iin, iin=applicant.iin)
    applicant.user = user
    applicant.save(update_fields=["user"])
    return user
