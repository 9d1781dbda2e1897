"""A throwaway test CA per test and certificates issued by it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pki.ca import CaFiles, IssuedCertificate, create_ca, issue_certificate

SIGNER_IIN = "931002451325"
PROVIDER_BIN = "081140000436"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@pytest.fixture
def ca(tmp_path: Path) -> CaFiles:
    return create_ca(directory=tmp_path / "ca")


@pytest.fixture
def issue(ca: CaFiles) -> Callable[..., IssuedCertificate]:
    """Issue a certificate from the test CA; keyword arguments override the defaults."""

    def _issue(**overrides: Any) -> IssuedCertificate:
        arguments: dict[str, Any] = {
            "ca": ca,
            "iin": SIGNER_IIN,
            "surname": "Сапарова",
            "given_names": "Айгерим",
            "patronymic": "Маратовна",
            "purpose": "sign",
        }
        arguments.update(overrides)
        return issue_certificate(**arguments)

    return _issue


@pytest.fixture
def signer(issue: Callable[..., IssuedCertificate]) -> IssuedCertificate:
    return issue()
