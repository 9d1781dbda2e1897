"""Forms of the citizen's cabinet (P5): starting a request, the service's
request form, attaching a file. They check structure and format; the
service layer checks everything again."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.forms import BootstrapBoundField
from registry.constants import MeasureKind
from registry.models import Programme, Vacancy
from reglament.models import Office
from services import selectors
from services.models import Application, EducationLevel, Service
from services.services import DESIRED_PAY_MAX

# Eligibility in plain words, read before filing (P5). The formal rules
# (age, target groups) are checked by the executor against the programme.
MEASURE_EXPLANATIONS: dict[str, Any] = {
    MeasureKind.EMPLOYMENT: _(
        "For anyone looking for work. The centre refers you to an employer's open vacancy; "
        "you choose one from the office's list on the next page."
    ),
    MeasureKind.YOUTH_PRACTICE: _(
        "For young people who have recently finished a college or university and are looking for "
        "their first work experience. Each programme sets its own age limit and how long ago you may "
        "have graduated. You attach your education document."
    ),
    MeasureKind.SOCIAL_JOBS: _(
        "For unemployed people of a target group (for example, from a low-income family, with a "
        "disability, or close to retirement age). The employer's wages are partly paid by the state. "
        "You attach a document showing that you belong to the group."
    ),
    MeasureKind.PUBLIC_WORKS: _(
        "Paid temporary work organised by the centre (for example, improving public spaces), "
        "for unemployed people."
    ),
}


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets, so the cabinet's pages read like
    the citizen's login and registration."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} form-check-input".strip()
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.address}" if obj.address else obj.name


class NewRequestForm(forms.Form):
    """Choose the service, the office and, for referrals, the kind of measure.

    Every service of the catalogue is a valid answer here: whether it may be
    filed on the portal is the reglament's word (S2: the chancellery only),
    and the service layer says so."""

    bound_field_class = BootstrapBoundField

    service = forms.ChoiceField(label=_("Service"), widget=forms.RadioSelect)
    office = OfficeChoiceField(
        queryset=Office.objects.none(),
        label=_("Office of the employment centre"),
        empty_label=_("— choose an office —"),
        error_messages={"required": _("Choose the office that will serve your request.")},
    )
    measure_kind = forms.ChoiceField(
        label=_("Kind of measure (referrals only)"),
        choices=MeasureKind.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(s.code, s.name) for s in services]  # type: ignore[attr-defined]
        self.fields["service"].error_messages["required"] = _("Choose the service you are applying for.")
        self.fields["office"].queryset = Office.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "code"
        )
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("service") == "S3":
            if not data.get("measure_kind"):
                self.add_error("measure_kind", _("Choose the kind of active employment measure."))
        else:
            data["measure_kind"] = ""  # chosen for referrals only; ignored otherwise
        return data


class TengeField(forms.IntegerField):
    """Whole tenge as people type them: spaces between thousands allowed."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value)
        return super().to_python(value)


class DraftForm(forms.Form):
    """The request form of a draft. ``partial`` (saving) checks formats only;
    without it (ready to sign) every required answer must be there."""

    bound_field_class = BootstrapBoundField

    office = OfficeChoiceField(
        queryset=Office.objects.none(),
        label=_("Office of the employment centre"),
        empty_label=None,
        required=False,
    )

    def __init__(self, *args: Any, application: Application, partial: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["office"].queryset = Office.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "code"
        )
        self.fields["office"].initial = application.office_id
        self.data_fields: list[str] = []
        self.add_service_fields()
        # Shown as "(optional)": what may stay empty even when signing.
        self.optional_fields = [name for name in self.data_fields if not self.fields[name].required]
        if partial:
            for name in self.data_fields:
                self.fields[name].required = False
        _bootstrap(self)

    def add_service_fields(self) -> None:
        raise NotImplementedError

    def request_data(self) -> dict[str, Any]:
        """The answers as ``Application.data`` keeps them."""
        return {name: self.cleaned_data.get(name) for name in self.data_fields}

    def chosen_office_id(self) -> int | None:
        office = self.cleaned_data.get("office")
        return office.pk if office is not None else None


class S1DraftForm(DraftForm):
    """S1: registration as a job seeker."""

    def add_service_fields(self) -> None:
        self.fields["education_level"] = forms.ChoiceField(
            label=_("Level of education"),
            choices=[("", _("— choose —")), *EducationLevel.choices],
        )
        self.fields["specialty"] = forms.CharField(
            label=_("Specialty or profession"),
            max_length=200,
            help_text=_("As in your education document, or the work you know, e.g. “electrician”."),
        )
        self.fields["work_history"] = forms.CharField(
            label=_("Work history"),
            max_length=2000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_("Optional: where and as whom you have worked, with the years."),
        )
        self.fields["desired_job"] = forms.CharField(label=_("Desired job"), max_length=200)
        self.fields["desired_pay"] = TengeField(
            label=_("Desired monthly pay, tenge"),
            min_value=1,
            max_value=DESIRED_PAY_MAX - 1,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            help_text=_("Whole tenge, digits only, for example 250000."),
            error_messages={
                "invalid": _("Give the pay in whole tenge, digits only, for example 250000."),
                "min_value": _("The pay must be more than 0 tenge."),
                "max_value": _("The pay must be less than 10,000,000 tenge."),
            },
        )
        self.data_fields = ["education_level", "specialty", "work_history", "desired_job", "desired_pay"]


class VacancyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(position)s — %(employer)s · %(pay)s tenge a month · %(places)d place(s)")
            % {
                "position": obj.position,
                "employer": obj.employer.name,
                "pay": f"{obj.monthly_salary:,}".replace(",", "\u00a0"),
                "places": obj.places,
            }
        )


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _(
                "%(name)s — %(employer)s · %(pay)s tenge a month · %(places)d free place(s) · %(start)s–%(end)s"
            )
            % {
                "name": obj.name,
                "employer": obj.employer.name if obj.employer else _("the employment centre"),
                "pay": f"{obj.monthly_pay:,}".replace(",", "\u00a0"),
                "places": obj.free_places,
                "start": obj.starts_on.strftime("%d.%m.%Y"),
                "end": obj.ends_on.strftime("%d.%m.%Y"),
            }
        )


class S3DraftForm(DraftForm):
    """S3: a referral; the kind of measure and the vacancy or programme."""

    choice_reset = False

    def add_service_fields(self) -> None:
        application = self.application
        today = timezone.localdate()
        self.fields["measure_kind"] = forms.ChoiceField(
            label=_("Kind of measure"),
            choices=MeasureKind.choices,
            initial=application.measure_kind,
            widget=forms.RadioSelect,
            required=False,
        )
        if application.measure_kind == MeasureKind.EMPLOYMENT:
            vacancies: Any = selectors.open_vacancies(office=application.office, today=today)
            self.fields["vacancy"] = VacancyChoiceField(
                queryset=vacancies,
                label=_("Vacancy"),
                widget=forms.RadioSelect,
                empty_label=None,
                error_messages={
                    "required": _("Choose a vacancy."),
                    "invalid_choice": _("This vacancy is no longer open; choose another."),
                },
            )
            self.data_fields = ["vacancy"]
        else:
            programmes: Any = selectors.programmes_with_places(
                office=application.office, measure_kind=application.measure_kind, today=today
            )
            self.fields["programme"] = ProgrammeChoiceField(
                queryset=programmes,
                label=_("Programme"),
                widget=forms.RadioSelect,
                empty_label=None,
                error_messages={
                    "required": _("Choose a programme."),
                    "invalid_choice": _("This programme has no free places left; choose another."),
                },
            )
            self.data_fields = ["programme"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office = data.get("office")
        kind = data.get("measure_kind") or self.application.measure_kind
        data["measure_kind"] = kind
        if (office is not None and office.pk != self.application.office_id) or (
            kind != self.application.measure_kind
        ):
            # The list below belonged to the previous office or kind: choose again.
            for name in self.data_fields:
                data[name] = None
            self.choice_reset = True
        return data

    def request_data(self) -> dict[str, Any]:
        data = super().request_data()
        return {
            key: (value.pk if isinstance(value, Vacancy | Programme) else value)
            for key, value in data.items()
        }

    def chosen_measure_kind(self) -> str:
        return str(self.cleaned_data.get("measure_kind") or self.application.measure_kind)


def draft_form(application: Application, *args: Any, **kwargs: Any) -> DraftForm:
    form_class = S3DraftForm if application.service.code == "S3" else S1DraftForm
    return form_class(*args, application=application, **kwargs)


def saved_answers(application: Application) -> dict[str, Any]:
    """The draft's saved data as the form posts them (for the readiness check)."""
    form = draft_form(application)
    data = {name: application.data.get(name) for name in form.data_fields}
    answers: dict[str, Any] = {k: "" if v is None else str(v) for k, v in data.items()}
    answers["office"] = str(application.office_id)
    if application.measure_kind:
        answers["measure_kind"] = application.measure_kind
    return answers


def unanswered(application: Application) -> list[str]:
    """What the saved form still lacks before signing, in plain words."""
    form = draft_form(application, data=saved_answers(application), partial=False)
    if form.is_valid():
        return []
    problems = []
    for name, errors in form.errors.as_data().items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            if error.code == "required":
                problems.append(str(_("Answer “%(question)s”.") % {"question": label}))
            else:
                problems.append(f"{label}: {' '.join(error.messages)}" if label else " ".join(error.messages))
    return problems


class AttachmentForm(forms.Form):
    bound_field_class = BootstrapBoundField

    document = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("Choose a file (PDF, JPEG or PNG)"),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The chosen file is empty."),
            "invalid": _("No file was received; choose it again."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_document(self) -> int:
        value = self.cleaned_data["document"]
        if value is None or value <= 0:
            raise ValidationError(_("This document is not on the list of this service."))
        return int(value)
