"""The reports page's form: a period of local days and, for those who may
report on the whole region, the office (or none: the whole region)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.models import User
from reglament.models import Office
from services.reports import may_report_on_region, report_offices

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PERIOD_DAYS = 366


class ReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        widget=DATE_INPUT,
        error_messages={
            "required": _("Enter the first day of the period."),
            "invalid": _("Enter the first day of the period as a date, e.g. 01.03.2026."),
        },
    )
    end = forms.DateField(
        label=_("To (inclusive)"),
        widget=DATE_INPUT,
        error_messages={
            "required": _("Enter the last day of the period."),
            "invalid": _("Enter the last day of the period as a date, e.g. 31.03.2026."),
        },
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        empty_label=_("Whole region"),
        error_messages={"invalid_choice": _("Choose one of the offices in the list.")},
    )

    def __init__(self, *args: Any, user: User, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if may_report_on_region(user=user):
            self.fields["office"].queryset = report_offices(user=user)  # type: ignore[attr-defined]
        else:
            # A supervisor reports on their own office only: nothing to choose.
            del self.fields["office"]
        for name, f in self.fields.items():
            f.widget.attrs["class"] = "form-select" if name == "office" else "form-control"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def clean_start(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["start"]
        if value > self.today:
            raise forms.ValidationError(_("The period cannot start in the future; choose today or earlier."))
        return value

    def clean_end(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["end"]
        if value > self.today:
            raise forms.ValidationError(_("The period cannot end in the future; choose today or earlier."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the period is before its start."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "end",
                    _("A report covers at most %(days)d days; choose a shorter period.")
                    % {"days": MAX_PERIOD_DAYS},
                )
        return data
