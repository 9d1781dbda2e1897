"""Error reports (the admins' e-mails, issue 6, personal data) carry no IIN
and no applicant's name: DEFAULT_EXCEPTION_REPORTER_FILTER hides the
personal fields of the request and masks identifiers in the rest, and
DEFAULT_EXCEPTION_REPORTER masks the exception's own text (no database)."""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import Any

import pytest
from django.core import mail
from django.http import HttpRequest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_exception_reporter_class

from applicants.logging import PersonalDataExceptionReporter, PersonalDataExceptionReporterFilter
from applicants.models import Applicant

IIN = "931002451325"
MASKED = "9310••••1325"
SURNAME = "Жумабаев"
FIRST_NAME = "Ерлан"
PATRONYMIC = "Болатович"
PHONE = "+7 701 555 1234"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]


def desk_post() -> HttpRequest:
    """The desk's applicant form as a clerk posts it, with a remark quoting the IIN."""
    return RequestFactory().post(
        "/staff/desk/?iin=" + IIN,
        {
            "iin": IIN,
            "last_name": SURNAME,
            "first_name": FIRST_NAME,
            "patronymic": PATRONYMIC,
            "birth_date": "1993-10-02",
            "phone": PHONE,
            "email": "erlan@mail.kz",
            "address": "Актау, 14 мкр, 5",
            "doc3-number": "N 012345678",
            "remark": f"called about {IIN}",
        },
    )


def failing_view(request: HttpRequest) -> None:
    applicant = Applicant(pk=41, iin=IIN, last_name=SURNAME, first_name=FIRST_NAME, patronymic=PATRONYMIC)
    iin = applicant.iin
    cleaned = {"last_name": SURNAME, "comment": f"IIN {iin}"}
    raise RuntimeError(f"the register has no entry for {iin} ({len(cleaned)} fields)")


def raised(request: HttpRequest) -> ExcInfo:
    try:
        failing_view(request)
    except RuntimeError:
        exc_type, exc_value, tb = sys.exc_info()
        assert exc_type is not None and exc_value is not None and tb is not None
        return exc_type, exc_value, tb
    raise AssertionError("the view did not fail")


def assert_no_personal_data(report: str) -> None:
    for value in (IIN, SURNAME, FIRST_NAME, PATRONYMIC, PHONE, "erlan@mail.kz", "012345678", "14 мкр"):
        assert value not in report, value


def test_the_settings_name_the_personal_data_reporter_and_filter(settings: Any) -> None:
    assert (
        settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "applicants.logging.PersonalDataExceptionReporterFilter"
    )
    assert get_exception_reporter_class(desk_post()) is PersonalDataExceptionReporter


def test_djangos_own_report_of_a_post_with_an_iin_and_a_name_shows_neither() -> None:
    request = desk_post()

    report = ExceptionReporter(request, *raised(request), is_email=True).get_traceback_text()

    assert "RuntimeError" in report
    assert f"called about {MASKED}" in report  # a free-text field, masked, not hidden
    assert PersonalDataExceptionReporterFilter.cleansed_substitute in report
    for value in (SURNAME, FIRST_NAME, PATRONYMIC, PHONE, "erlan@mail.kz", "012345678", "14 мкр"):
        assert value not in report, value


@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
def test_the_configured_report_masks_the_exceptions_text_and_the_query_string_too(html: bool) -> None:
    request = desk_post()
    reporter = get_exception_reporter_class(request)(request, *raised(request), is_email=True)

    report = reporter.get_traceback_html() if html else reporter.get_traceback_text()

    assert f"the register has no entry for {MASKED}" in report
    if html:  # the local variables: the applicant by id, the IIN hidden by its name
        assert "Applicant#41" in report
    assert_no_personal_data(report)


def test_the_admins_error_email_carries_no_iin_and_no_name(settings: Any) -> None:
    settings.ADMINS = [("", "admins@employment.example.kz")]
    request = desk_post()

    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        request.get_full_path(),
        exc_info=raised(request),
        extra={"request": request},
    )

    (email,) = mail.outbox
    assert f"/staff/desk/?iin={MASKED}" in email.subject
    assert "the register has no entry for" in email.body
    assert_no_personal_data(email.subject)
    assert_no_personal_data(email.body)


def test_settings_in_a_report_are_masked() -> None:
    report_filter = PersonalDataExceptionReporterFilter()

    assert report_filter.cleanse_setting("PKI_PROVIDER_BIN", "081140000436") == "0811••••0436"
