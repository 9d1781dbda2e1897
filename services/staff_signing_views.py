"""The executor signs a result or a motivated refusal in the browser through
NCALayer, as citizens sign their requests (the issue "Executors sign in the
browser through the same NCALayer client"). Two steps on the staff request
page:

1. *Prepare for signing* (``result_prepare``, ``refusal_prepare``): the form
   is checked by ``services.result_prepare``/``refusal_prepare`` and the page
   shows the exact document to sign — the canonical result with its
   ``signed_at`` fixed now — with *Sign with NCALayer*.
2. ``static/js/sign-page.js`` (the citizen page's script, on
   ``static/js/ncalayer.js``) has NCALayer sign those bytes with a key of the
   executor's certificate IIN and posts the form fields, ``signed_at``, the
   document and the CMS to ``result_signed``/``refusal_signed``, which hand
   them to ``application_sign_result``/``application_refuse``: the bytes are
   rebuilt there and the signature checked in full.

A refusal is shown in the form's error summary (an alert that takes focus)
with the fields kept; nothing is signed and the refusal is audited.

Settings read here: ``NCALAYER_URL`` and ``STAFF_SIGNING_WINDOW_MINUTES``.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applicants.models import User
from services import selectors
from services import services as svc
from services.constants import GroundStage, ResultKind
from services.forms import GroundForm, ResultForm
from services.models import Application
from services.signing_views import DEFAULT_NCALAYER_URL, MAX_SIGNATURE_CHARS, NCALAYER_LOCALES, decode_base64
from services.staff_views import _back_to, _render_with_errors, _user, staff_required


class BrowserSignatureForm(forms.Form):
    """What the page posts besides the result's own fields. Whatever is
    malformed goes on to the service, which refuses it with its message and
    audits it."""

    signed_at = forms.CharField(required=False, max_length=64)
    signature = forms.CharField(
        required=False,
        max_length=MAX_SIGNATURE_CHARS,
        error_messages={"max_length": gettext_lazy("This is too large to be a signature.")},
    )
    document = forms.CharField(required=False, max_length=MAX_SIGNATURE_CHARS * 4)

    def clean_signed_at(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromisoformat(self.cleaned_data.get("signed_at") or "")
        except ValueError:
            return None

    def clean_signature(self) -> bytes:
        value: str = self.cleaned_data.get("signature") or ""
        decoded = decode_base64(value)
        return decoded if decoded is not None else value.encode("utf-8")

    def clean_document(self) -> bytes | None:
        return decode_base64(self.cleaned_data.get("document") or "") or None


def _request(request: HttpRequest, pk: int) -> tuple[User, Application]:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user).select_related("service"), pk=pk)
    return user, application


def _prepared(
    prepared: svc.PreparedResult, *, action: str, fields: list[tuple[str, object]]
) -> dict[str, Any]:
    """What the page needs to show the document and have NCALayer sign it."""
    language = (get_language() or "ru").split("-")[0]
    minutes = int(getattr(settings, "STAFF_SIGNING_WINDOW_MINUTES", svc.DEFAULT_SIGNING_WINDOW_MINUTES))
    return {
        "kind": "refusal" if prepared.kind == ResultKind.REFUSAL else "result",
        "action": action,
        "fields": [(name, "" if value is None else value) for name, value in fields],
        "signed_at": prepared.signed_at.isoformat(),
        "sign_before": prepared.signed_at + datetime.timedelta(minutes=minutes),
        "document_b64": base64.b64encode(prepared.content).decode("ascii"),
        "document_text": prepared.readable,
        "iin": prepared.signer_iin or "",
        "certificate_serial": prepared.certificate_serial,
        "ncalayer_url": getattr(settings, "NCALAYER_URL", DEFAULT_NCALAYER_URL),
        "ncalayer_locale": NCALAYER_LOCALES.get(language, "ru"),
    }


def _signature_errors(signed: BrowserSignatureForm, form: forms.Form) -> None:
    for errors in signed.errors.values():
        for error in errors:
            form.add_error(None, error)


def _pk(value: Any) -> int | None:
    return value.pk if value is not None else None


@require_POST
@staff_required("services.sign_result")
def result_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """*Prepare for signing*: the result checked and shown exactly as it will be signed."""
    user, application = _request(request, pk)
    form = ResultForm(request.POST, application=application)
    refuse_form = GroundForm(application=application, stage=GroundStage.REVIEW)
    if form.is_valid():
        vacancy, programme = _pk(form.cleaned_data.get("vacancy")), _pk(form.cleaned_data.get("programme"))
        try:
            prepared = svc.result_prepare(
                application_id=application.pk,
                executor=user,
                result_text=form.cleaned_data["result_text"],
                vacancy_id=vacancy,
                programme_id=programme,
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return _render_with_errors(
                request,
                application,
                status=200,
                result_form=form,
                refuse_form=refuse_form,
                prepared=_prepared(
                    prepared,
                    action=reverse("services:sign-result-signed", args=[application.pk]),
                    fields=[("result_text", prepared.text), ("vacancy", vacancy), ("programme", programme)],
                ),
            )
    return _render_with_errors(request, application, result_form=form, refuse_form=refuse_form)


@require_POST
@staff_required("services.sign_result")
def result_signed(request: HttpRequest, pk: int) -> HttpResponse:
    """The result signed by NCALayer comes back: checked and stored, or refused."""
    user, application = _request(request, pk)
    form = ResultForm(request.POST, application=application)
    signed = BrowserSignatureForm(request.POST)
    if form.is_valid() and signed.is_valid():
        try:
            svc.application_sign_result(
                application_id=application.pk,
                executor=user,
                result_text=form.cleaned_data["result_text"],
                vacancy_id=_pk(form.cleaned_data.get("vacancy")),
                programme_id=_pk(form.cleaned_data.get("programme")),
                signature=signed.cleaned_data["signature"],
                signed_at=signed.cleaned_data["signed_at"],
                signed_document=signed.cleaned_data["document"],
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The result is signed."))
            return _back_to(application)
    else:
        _signature_errors(signed, form)
    return _render_with_errors(
        request,
        application,
        result_form=form,
        refuse_form=GroundForm(application=application, stage=GroundStage.REVIEW),
    )


@require_POST
@staff_required("services.sign_result")
def refusal_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """*Prepare the refusal for signing*: checked and shown exactly as it will be signed."""
    user, application = _request(request, pk)
    form = GroundForm(request.POST, application=application, stage=GroundStage.REVIEW)
    result_form = ResultForm(application=application)
    if form.is_valid():
        ground = form.cleaned_data["ground"].pk
        try:
            prepared = svc.refusal_prepare(
                application_id=application.pk,
                executor=user,
                ground_id=ground,
                reason=form.cleaned_data["reason"],
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return _render_with_errors(
                request,
                application,
                status=200,
                result_form=result_form,
                refuse_form=form,
                prepared=_prepared(
                    prepared,
                    action=reverse("services:refuse-signed", args=[application.pk]),
                    fields=[("ground", ground), ("reason", prepared.text)],
                ),
            )
    return _render_with_errors(request, application, refuse_form=form, result_form=result_form)


@require_POST
@staff_required("services.sign_result")
def refusal_signed(request: HttpRequest, pk: int) -> HttpResponse:
    """The refusal signed by NCALayer comes back: checked and stored, or refused."""
    user, application = _request(request, pk)
    form = GroundForm(request.POST, application=application, stage=GroundStage.REVIEW)
    signed = BrowserSignatureForm(request.POST)
    if form.is_valid() and signed.is_valid():
        try:
            svc.application_refuse(
                application_id=application.pk,
                executor=user,
                ground_id=form.cleaned_data["ground"].pk,
                reason=form.cleaned_data["reason"],
                signature=signed.cleaned_data["signature"],
                signed_at=signed.cleaned_data["signed_at"],
                signed_document=signed.cleaned_data["document"],
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The motivated refusal is signed."))
            return _back_to(application)
    else:
        _signature_errors(signed, form)
    return _render_with_errors(
        request, application, refuse_form=form, result_form=ResultForm(application=application)
    )
