"""Personal data out of logs and error reports (issue 6, personal data).

Public:

- ``mask_identifiers(text)``: every 12-digit run (an IIN or a BIN) masked
  as ``mask_iin`` does (``9310••••1325``), e-mail addresses shortened to
  their first letter and domain.
- ``MaskIinFilter``: the logging filter of every handler in
  ``settings.LOGGING``. It masks the message, its arguments, the formatted
  exception and the stack, and logs an applicant or a user passed as an
  argument by its id only, so a name never reaches a log line.
- ``PersonalDataExceptionReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``):
  hides the personal fields of POST and GET data and masks identifiers in
  settings, request data and local variables of error reports.
- ``PersonalDataExceptionReporter`` (``DEFAULT_EXCEPTION_REPORTER``): the
  report of the admins' error e-mails and the debug page, with the
  exception's own text masked as well.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any, TypeGuard

from django.db import models
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from applicants.identifiers import mask_iin

_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")

# Field names of the forms and models that carry a person: the applicant's
# record, the citizen's account, the journal's recipient, document numbers.
PERSONAL_FIELDS = re.compile(
    r"iin|(?<![a-z])bin(?![a-z])|first_?name|last_?name|patronymic|full_?name|surname|"
    r"birth|phone|e-?mail|address|passport|document|number|recipient|username|"
    r"login|identity|graduated",
    flags=re.IGNORECASE,
)
# The models whose text form names a person: logged and reported by id only.
_PERSONAL_MODELS = {("applicants", "applicant"), ("applicants", "user")}


def mask_identifiers(text: str) -> str:
    masked = _TWELVE_DIGITS.sub(lambda m: mask_iin(m.group(0)), text)
    return _EMAIL.sub(r"\1•••@\2", masked)


def _is_personal_model(value: Any) -> TypeGuard[models.Model]:
    return isinstance(value, models.Model) and (value._meta.app_label, value._meta.model_name) in (
        _PERSONAL_MODELS
    )


def _by_id(value: models.Model) -> str:
    return f"{value._meta.object_name}#{value.pk}"


def _safe_arg(value: Any) -> Any:
    """A log argument as it may be printed: people by id, text masked.
    Numbers stay numbers so ``%d`` still formats them."""
    if _is_personal_model(value):
        return _by_id(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return mask_identifiers(str(value))


class MaskIinFilter(logging.Filter):
    """Rewrites the record so no identifier, e-mail address or person's name
    (of an applicant or a user passed as an argument) reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _is_personal_model(record.msg):
            record.msg, record.args = _by_id(record.msg), None
        if isinstance(record.args, dict):
            record.args = {key: _safe_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_safe_arg(value) for value in record.args)
        message = record.getMessage()
        masked = mask_identifiers(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatted here once, masked; formatters reuse exc_text as it is.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = mask_identifiers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_identifiers(record.stack_info)
        return True


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (the admins' e-mails) without the people in them.

    Django's filter hides passwords and keys; this one also hides every
    POST and GET field named like a personal field (``PERSONAL_FIELDS``,
    prefixed form names such as ``doc12-number`` included), masks 12-digit
    identifiers and e-mail addresses in every other value, and shows an
    applicant or a user in a frame's variables by id only. Like Django's, it
    is active when DEBUG is off.
    """

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return mask_identifiers(cleansed)
        return cleansed

    def _cleansed_query(self, query: MultiValueDict[str, Any]) -> MultiValueDict[str, Any]:
        cleansed = query.copy()
        for key in cleansed:
            if PERSONAL_FIELDS.search(key):
                cleansed.setlist(key, [self.cleansed_substitute])
            else:
                cleansed.setlist(key, [self._scrub(v) for v in cleansed.getlist(key)])
        return cleansed

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        parameters = super().get_post_parameters(request)
        if request is None or not self.is_active(request) or not isinstance(parameters, MultiValueDict):
            return parameters
        return self._cleansed_query(parameters)

    def get_safe_query(self, request: HttpRequest | None) -> Any:
        """The GET parameters, cleansed as POST is (Django shows GET as is)."""
        if request is None:
            return QueryDict()
        if not self.is_active(request):
            return request.GET
        return self._cleansed_query(request.GET)

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: Any) -> Any:
        cleansed = super().get_cleansed_multivaluedict(request, multivaluedict)
        if self.is_active(request):
            return self._cleansed_query(cleansed)
        return cleansed

    def _scrub(self, value: Any, depth: int = 0) -> Any:
        if _is_personal_model(value):
            return _by_id(value)
        if isinstance(value, str):
            return mask_identifiers(value)
        if depth > 3:
            return value
        if isinstance(value, dict):
            return {
                k: self.cleansed_substitute
                if isinstance(k, str) and PERSONAL_FIELDS.search(k)
                else self._scrub(v, depth + 1)
                for k, v in value.items()
            }
        if type(value) in (list, tuple, set, frozenset):
            return type(value)(self._scrub(v, depth + 1) for v in value)
        return value

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        cleansed: list[tuple[str, Any]] = []
        for name, value in variables:
            if isinstance(value, str | int) and PERSONAL_FIELDS.search(name):
                cleansed.append((name, self.cleansed_substitute))
            elif isinstance(value, HttpRequest | MultiValueDict):
                cleansed.append((name, value))  # the request's data is shown cleansed apart
            else:
                cleansed.append((name, self._scrub(value)))
        return cleansed


class PersonalDataExceptionReporter(ExceptionReporter):
    """Django's report with the query string cleansed like POST and the
    whole text masked (an exception's message may quote what was typed)."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        report_filter = self.filter
        if self.request is not None and isinstance(report_filter, PersonalDataExceptionReporterFilter):
            data["request_GET_items"] = report_filter.get_safe_query(self.request).items()
        if "exception_value" in data:
            data["exception_value"] = mask_identifiers(data["exception_value"])
        if "request_insecure_uri" in data:
            data["request_insecure_uri"] = mask_identifiers(data["request_insecure_uri"])
        return data

    # Masking swaps digits for dots and shortens addresses: it adds no markup,
    # so the rendered report stays as safe as Django made it.
    def get_traceback_html(self) -> SafeString:
        return mark_safe(mask_identifiers(super().get_traceback_html()))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(mask_identifiers(super().get_traceback_text()))  # noqa: S308
