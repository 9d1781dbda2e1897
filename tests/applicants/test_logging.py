"""No IIN, BIN, e-mail address or applicant's name reaches a log: the
MaskIinFilter and the handlers of settings.LOGGING (no database)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from applicants.logging import MaskIinFilter
from applicants.models import Applicant, User


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


# --- issue 6, personal data: names, exceptions and the configured handlers ---------------

IIN = "931002451325"
MASKED = "9310••••1325"
SURNAME = "Жумабаев"


def test_an_applicant_passed_as_an_argument_is_logged_by_id_without_the_name(
    captured: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = captured
    applicant = Applicant(pk=41, iin=IIN, last_name=SURNAME, first_name="Ерлан")

    logger.info("registered %s", applicant)

    assert handler.messages == ["registered Applicant#41"]


def test_a_user_logged_as_the_message_itself_is_logged_by_id(
    captured: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = captured

    logger.info(User(pk=7, username=IIN, last_name=SURNAME))

    assert handler.messages == ["User#7"]


def test_an_email_address_is_shortened_to_its_first_letter_and_domain(
    captured: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = captured

    logger.info("mail to %s bounced", "erlan.zhumabaev@mail.kz")

    assert handler.messages == ["mail to e•••@mail.kz bounced"]


def test_an_iin_in_an_exceptions_text_and_traceback_is_masked(
    captured: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = captured

    try:
        raise ValueError(f"no applicant with the IIN {IIN}")
    except ValueError:
        logger.exception("lookup failed")

    (message,) = handler.messages
    assert "Traceback" in message
    assert f"ValueError: no applicant with the IIN {MASKED}" in message
    assert IIN not in message


def test_a_numeric_argument_still_formats_with_percent_d(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured

    logger.info("%d revoked", 3)

    assert handler.messages == ["3 revoked"]


@pytest.fixture
def console_output() -> Iterator[io.StringIO]:
    """What the configured console handler of settings.LOGGING writes."""
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert isinstance(console, logging.StreamHandler)
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        yield buffer
    finally:
        console.setStream(previous)


def test_the_configured_handlers_write_neither_the_iin_nor_the_name(console_output: io.StringIO) -> None:
    applicant = Applicant(pk=41, iin=IIN, last_name=SURNAME, first_name="Ерлан", patronymic="Болатович")

    logging.getLogger("services.anything").warning("applicant %s (%s) not found", applicant, applicant.iin)
    try:
        raise LookupError(f"no match for {applicant.iin}")
    except LookupError:
        logging.getLogger("django.request").exception("Internal Server Error: /staff/desk/?iin=%s", IIN)

    output = console_output.getvalue()
    assert "applicant Applicant#41 (9310••••1325) not found" in output
    assert f"Internal Server Error: /staff/desk/?iin={MASKED}" in output
    assert f"LookupError: no match for {MASKED}" in output
    assert IIN not in output
    assert SURNAME not in output


def test_django_and_the_development_server_log_through_masking_handlers() -> None:
    django_handlers = logging.getLogger("django").handlers
    server_handlers = logging.getLogger("django.server").handlers

    assert {h.name for h in django_handlers} == {"mail_admins"}
    for handler in [*django_handlers, *server_handlers]:
        assert any(isinstance(f, MaskIinFilter) for f in handler.filters), handler.name
