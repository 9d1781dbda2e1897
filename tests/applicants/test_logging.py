"""No IIN or BIN reaches a log: the MaskIinFilter (no database)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from applicants.logging import MaskIinFilter


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [self.format(record) for record in self.records]


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, Capture]]:
    handler = Capture()
    handler.addFilter(MaskIinFilter())
    logger = logging.getLogger("tests.applicants.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, handler
    finally:
        logger.removeHandler(handler)


def test_an_iin_in_the_message_text_is_masked(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured

    logger.info("applicant 931002451325 registered")

    assert handler.messages == ["applicant 9310••••1325 registered"]


def test_an_iin_passed_as_an_argument_is_masked(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured

    logger.warning("login failed for %s from %s", "931002451325", "10.0.0.7")

    assert handler.messages == ["login failed for 9310••••1325 from 10.0.0.7"]


def test_a_bin_and_an_iin_in_one_message_are_both_masked(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured

    logger.info("employer %s, employee %s", "081140000436", "990106300596")

    assert handler.messages == ["employer 0811••••0436, employee 9901••••0596"]


def test_a_masked_message_with_a_percent_sign_is_logged_as_is(
    captured: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = captured

    logger.info("%s is 100%% done", "931002451325")

    assert handler.messages == ["9310••••1325 is 100% done"]


@pytest.mark.parametrize("number", ["93100245132", "9310024513250"])
def test_numbers_of_eleven_or_thirteen_digits_are_left_alone(
    captured: tuple[logging.Logger, Capture], number: str
) -> None:
    logger, handler = captured

    logger.info("reference %s", number)

    assert handler.messages == [f"reference {number}"]


def test_the_configured_console_handler_masks_identifiers() -> None:
    # settings.LOGGING names the root handler "console"; pytest's own capture handlers sit beside it.
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]

    assert any(isinstance(f, MaskIinFilter) for f in console.filters)
