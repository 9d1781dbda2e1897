"""Staff pages of the registers (issue 5, item 3): the open entries of the
office's job-seeker and unemployed registers, closing an entry with a
reason and a date; the office's referrals and recording their outcome.

Reads go through ``registry.selectors`` (scoped to the user's office),
writes through ``registry.services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from registry import selectors as registry_selectors
from registry.constants import ReferralOutcome, Register
from registry.models import RegisterCloseReason
from registry.services import RegistryError, referral_outcome_record, register_entry_close
from services.forms import DATE_INPUT
from services.staff_views import _user, staff_required

# --- the registers ---------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    register = forms.ChoiceField(
        label=_("Register"),
        choices=[("", _("Both registers")), *Register.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class RegisterCloseForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=RegisterCloseReason.objects.filter(is_active=True).order_by("order", "code"),
        to_field_name="code",
        empty_label=_("— choose —"),
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE_INPUT)


@require_GET
@staff_required("registry.view_registerentry")
def register_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RegisterFilterForm(request.GET or None)
    register = form.cleaned_data["register"] if form.is_valid() else ""
    page = registry_selectors.keyset_page(
        registry_selectors.register_entries_for_office(user=user, register=register or None),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "services/staff/registers.html",
        {"form": form, "register": register, "entries": page.rows, "next_before": page.next_before},
    )


@require_http_methods(["GET", "POST"])
@staff_required("registry.change_registerentry")
def register_entry_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    entry = registry_selectors.entry_for_staff(user=user, entry_id=pk)
    status = 200
    if request.method == "POST":
        form = RegisterCloseForm(request.POST)
        if form.is_valid():
            try:
                register_entry_close(
                    entry_id=entry.pk,
                    reason_code=form.cleaned_data["reason"].code,
                    on=form.cleaned_data["closed_on"],
                    actor=user,
                )
            except RegistryError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The register entry is closed."))
                return redirect("services:registers")
        status = 422
    else:
        form = RegisterCloseForm(initial={"closed_on": timezone.localdate()})
    return render(
        request, "services/staff/register_close.html", {"entry": entry, "form": form}, status=status
    )


# --- referrals -----------------------------------------------------------------


class ReferralFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("All outcomes")), *ReferralOutcome.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in ReferralOutcome.choices if c[0] != ReferralOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the person was not hired."),
    )


@require_GET
@staff_required("registry.view_referral")
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ReferralFilterForm(request.GET or None)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    page = registry_selectors.keyset_page(
        registry_selectors.referrals_for_office(user=user, outcome=outcome or None),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "services/staff/referrals.html",
        {"form": form, "outcome": outcome, "referrals": page.rows, "next_before": page.next_before},
    )


@require_http_methods(["GET", "POST"])
@staff_required("registry.change_referral")
def referral_outcome_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    referral = registry_selectors.referral_for_staff(user=user, referral_id=pk)
    status = 200
    if request.method == "POST":
        form = ReferralOutcomeForm(request.POST)
        if form.is_valid():
            try:
                referral_outcome_record(
                    referral_id=referral.pk,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    actor=user,
                )
            except RegistryError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The outcome of the referral is recorded."))
                return redirect("services:referrals")
        status = 422
    else:
        initial: dict[str, Any] = {}
        if referral.outcome != ReferralOutcome.PENDING:
            initial = {"outcome": referral.outcome, "reason": referral.outcome_reason}
        form = ReferralOutcomeForm(initial=initial)
    return render(
        request, "services/staff/referral_outcome.html", {"referral": referral, "form": form}, status=status
    )
