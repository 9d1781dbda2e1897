"""Fixtures of the security tests: a gateway client's credentials."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import Credentials, make_client


@pytest.fixture
def credentials(db: None) -> Credentials:
    return make_client("fuzz client")
