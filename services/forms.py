"""Forms of the staff pages. They check what a form can check (formats,
dates against today); the service layer checks the rest again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.identifiers import validate_iin
from applicants.models import Applicant, User
from registry.constants import MeasureKind
from registry.models import Programme, Vacancy
from services.constants import GroundStage
from services.models import Application, RefusalGround, RequiredDocument, Service
from services.services import ChecklistLine

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_SCAN_BYTES = 10 * 1024 * 1024


class IinForm(forms.Form):
    iin = forms.CharField(
        label=_("IIN"),
        max_length=12,
        min_length=12,
        validators=[validate_iin],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True, "class": "number"}
        ),
        help_text=_("12 digits, as on the identity document."),
    )

    def clean_iin(self) -> str:
        return str(self.cleaned_data["iin"]).strip()


class ApplicantForm(forms.ModelForm):
    class Meta:
        model = Applicant
        fields = [
            "iin",
            "last_name",
            "first_name",
            "patronymic",
            "birth_date",
            "graduated_on",
            "phone",
            "email",
            "address",
        ]
        widgets = {
            "birth_date": DATE_INPUT,
            "graduated_on": DATE_INPUT,
            "iin": forms.TextInput(attrs={"readonly": True, "class": "number"}),
        }

    def clean_birth_date(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean_graduated_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("graduated_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("The graduation date cannot be in the future."))
        return value


class StartIntakeForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("code"),
        label=_("Service"),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    measure_kind = forms.ChoiceField(
        choices=[("", _("— not a referral —")), *MeasureKind.choices],
        required=False,
        label=_("Kind of measure (S3 only)"),
    )
    # A new key each time the form is shown: posting the same form twice
    # starts one intake (services.application_receive).
    intake_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service = data.get("service")
        if service is not None and service.code == "S3" and not data.get("measure_kind"):
            self.add_error("measure_kind", _("Choose the kind of active employment measure."))
        if service is not None and service.code != "S3" and data.get("measure_kind"):
            self.add_error("measure_kind", _("A kind of measure is chosen only for referrals (S3)."))
        return data


class ChecklistLineForm(forms.Form):
    document = forms.IntegerField(widget=forms.HiddenInput)
    presented = forms.BooleanField(required=False, label=_("Presented"))
    number = forms.CharField(required=False, max_length=64, label=_("Document number"))
    issued_on = forms.DateField(required=False, label=_("Issued on"), widget=DATE_INPUT)
    expires_on = forms.DateField(required=False, label=_("Valid until"), widget=DATE_INPUT)
    scan = forms.FileField(required=False, label=_("Scanned copy (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, required_document: RequiredDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required_document = required_document

    def clean_issued_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("issued_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("The issue date cannot be in the future."))
        return value

    def clean_scan(self) -> Any:
        scan = self.cleaned_data.get("scan")
        if scan is None:
            return None
        if scan.size > MAX_SCAN_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        head = scan.read(8)
        scan.seek(0)
        if not (head.startswith(b"%PDF-") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG")):
            raise ValidationError(_("Only PDF, JPEG or PNG files are accepted (checked by their content)."))
        return scan

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("presented") and self.required_document.expires and not data.get("expires_on"):
            self.add_error("expires_on", _("Give the expiry date: it is checked at intake."))
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("A document cannot expire before it was issued."))
        return data

    def line(self) -> ChecklistLine:
        data = self.cleaned_data
        return ChecklistLine(
            document_id=self.required_document.pk,
            presented=bool(data.get("presented")),
            number=data.get("number") or "",
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
            scan=data.get("scan"),
        )


def checklist_forms(
    application: Application, documents: list[RequiredDocument], data: Any = None, files: Any = None
) -> list[ChecklistLineForm]:
    """One form per required document, pre-filled from what was recorded."""
    recorded = {p.document_id: p for p in application.presented_documents.all()}
    forms_ = []
    for document in documents:
        row = recorded.get(document.pk)
        initial: dict[str, Any] = {"document": document.pk}
        if row is not None:
            initial.update(
                presented=row.presented, number=row.number, issued_on=row.issued_on, expires_on=row.expires_on
            )
        forms_.append(
            ChecklistLineForm(
                data, files, prefix=f"doc-{document.pk}", initial=initial, required_document=document
            )
        )
    return forms_


class GroundForm(forms.Form):
    ground = forms.ModelChoiceField(
        queryset=RefusalGround.objects.none(), label=_("Ground of refusal"), widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason, as the applicant will read it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, application: Application, stage: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grounds = RefusalGround.objects.filter(services=application.service, stage=stage, is_active=True)
        self.fields["ground"].queryset = grounds  # type: ignore[attr-defined]
        if stage == GroundStage.INTAKE and grounds.count() == 1:
            self.fields["ground"].initial = grounds.first()


class ResultForm(forms.Form):
    result_text = forms.CharField(
        label=_("Text of the result"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    vacancy = forms.ModelChoiceField(queryset=Vacancy.objects.none(), required=False, label=_("Vacancy"))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(), required=False, label=_("Programme")
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["vacancy"].queryset = Vacancy.objects.filter(  # type: ignore[attr-defined]
            office=application.office, is_open=True
        ).select_related("employer")
        self.fields["programme"].queryset = Programme.objects.filter(  # type: ignore[attr-defined]
            office=application.office, kind=application.measure_kind or "-"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.application.service.code == "S3":
            if self.application.measure_kind == MeasureKind.EMPLOYMENT and not data.get("vacancy"):
                self.add_error("vacancy", _("Choose the vacancy of the referral."))
            if self.application.measure_kind != MeasureKind.EMPLOYMENT and not data.get("programme"):
                self.add_error("programme", _("Choose the programme of the referral."))
        return data


class IssueForm(forms.Form):
    recipient_document = forms.CharField(
        max_length=64,
        label=_("Number of the recipient's identity document"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "number"}),
    )
    recipient_name = forms.CharField(
        max_length=300, required=False, label=_("Recipient, if not the applicant (a representative)")
    )
    journal_signed = forms.BooleanField(label=_("The recipient has signed the service journal"))


class ReassignForm(forms.Form):
    executor = forms.ModelChoiceField(queryset=User.objects.none(), label=_("New executor"))

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = User.objects.filter(office=application.office, is_active=True, groups__name="executor")
        if application.executor_id is not None:
            candidates = candidates.exclude(pk=application.executor_id)
        self.fields["executor"].queryset = candidates  # type: ignore[attr-defined]


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT)

    def clean_day(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["day"]
        if value > timezone.localdate():
            raise ValidationError(_("The journal of a future day is empty; choose today or earlier."))
        return value


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("To (inclusive)"), widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return data
