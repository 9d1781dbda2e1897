"""The citizen's signing page (P5–P8), mounted under /cabinet/ by
``services.signing_urls``.

GET shows the request exactly as it will be signed and the *Sign* button;
``static/js/sign-page.js`` has NCALayer sign the canonical bytes and posts
the CMS back. POST hands it to ``application_submit``, which checks it (P6)
and registers the request (P8); a refusal is shown with its own message
(P7) and the draft stays a draft. Only the applicant's own drafts: anyone
else's request is a 404.

Settings read here: ``NCALAYER_URL`` (NCALayer's WebSocket, default
``wss://127.0.0.1:13579/``) and ``CITIZEN_LOGIN_URL`` (where anonymous
visitors are sent; default ``LOGIN_URL``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from applicants.models import User
from services import services as svc
from services.constants import State
from services.models import Application
from services.request_document import canonical_request, canonical_request_text

DEFAULT_NCALAYER_URL = "wss://127.0.0.1:13579/"
# A CMS with the signer's certificate and a chain is a few kilobytes; a
# hundred times that is not a signature.
MAX_SIGNATURE_CHARS = 256 * 1024
NCALAYER_LOCALES = {"ru": "ru", "kk": "kk", "en": "en"}


def decode_base64(value: str) -> bytes | None:
    """Base64 as a signing page posts it (line breaks allowed), or None."""
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


class SignatureForm(forms.Form):
    signature = forms.CharField(
        required=False,
        max_length=MAX_SIGNATURE_CHARS,
        widget=forms.HiddenInput,
        error_messages={"max_length": gettext_lazy("This is too large to be a signature.")},
    )
    document = forms.CharField(required=False, max_length=MAX_SIGNATURE_CHARS * 4, widget=forms.HiddenInput)

    def clean_signature(self) -> bytes:
        value: str = self.cleaned_data.get("signature") or ""
        decoded = decode_base64(value)
        # What is not base64 goes to the service as it came: it refuses it
        # as not being a signature, with its message, and audits it.
        return decoded if decoded is not None else value.encode("utf-8")

    def clean_document(self) -> bytes | None:
        return decode_base64(self.cleaned_data.get("document") or "") or None


def _own_applications(user: User) -> QuerySet[Application]:
    """The requests filed in the user's own name (the applicant record linked to the account)."""
    return Application.objects.select_related("service", "office", "applicant").filter(applicant__user=user)


def _detail_url(application: Application) -> str:
    # The citizen cabinet's request page, where there is one.
    try:
        return reverse("cabinet-requests:detail", kwargs={"pk": application.pk})
    except NoReverseMatch:
        return reverse("home")


def _login_url() -> str:
    return str(getattr(settings, "CITIZEN_LOGIN_URL", "") or settings.LOGIN_URL)


def _context(application: Application, form: SignatureForm, refusal: str) -> dict[str, Any]:
    language = (get_language() or "ru").split("-")[0]
    return {
        "application": application,
        "attachments": list(application.attachments.select_related("document").order_by("pk"))
        if hasattr(application, "attachments")
        else [],
        "document_b64": base64.b64encode(canonical_request(application)).decode("ascii"),
        "document_text": canonical_request_text(application),
        "ncalayer_url": getattr(settings, "NCALAYER_URL", DEFAULT_NCALAYER_URL),
        "ncalayer_locale": NCALAYER_LOCALES.get(language, "ru"),
        "form": form,
        "refusal": refusal,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), _login_url())
    if not isinstance(user, User):
        raise Http404
    application = _own_applications(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    if application.state != State.DRAFT:
        messages.info(request, _("This request has already been signed and sent."))
        return redirect(_detail_url(application))

    refusal = ""
    form = SignatureForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                submitted = svc.application_submit(
                    application_id=application.pk,
                    actor=user,
                    signature=form.cleaned_data["signature"],
                    signed_document=form.cleaned_data["document"],
                )
            except svc.ServiceError as exc:
                refusal = exc.message
            else:
                messages.success(
                    request,
                    _("Your request is signed and registered under number %(number)s.")
                    % {"number": submitted.number},
                )
                return redirect(_detail_url(submitted))
        else:
            refusal = " ".join(str(error) for errors in form.errors.values() for error in errors)
        # The draft as it is now (another tab may have changed or sent it).
        application = _own_applications(user).get(pk=pk)
        if application.state != State.DRAFT:
            messages.error(request, refusal)
            return redirect(_detail_url(application))
        form = SignatureForm()
    return render(request, "services/signing/sign.html", _context(application, form, refusal))
