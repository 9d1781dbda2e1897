"""The public verification page of result documents (issue 5), mounted at
/verify/ by config.urls (namespace ``verify``).

Anyone with the code printed on a document (or its QR) sees the facts the
page may show — kind, number, date, office, signer, status, the PDF's
SHA-256 and a masked name, nothing more — and may upload the PDF (and the
.p7s of its signed content) to check them. Uploads are limited in size and
checked by their content; an unknown code is a 404 page; nothing here is a 500.
Look-ups and checks are limited per client address (``services.verify_throttle``):
past the limit the page says so with a 429 and ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from services import document_selectors
from services.documents import SIGNATURE_MAX_BYTES, check_uploaded_pdf, check_uploaded_signature
from services.uploads import human_size, validate_upload
from services.verify_throttle import WINDOW_SECONDS, verify_rate_exceeded


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=gettext_lazy("The document (PDF)"))
    signature = forms.FileField(
        label=gettext_lazy("Its signature (.p7s), optional"),
        required=False,
        help_text=gettext_lazy("The signature of the signed content, as downloaded from the cabinet."),
    )

    def clean_pdf(self) -> bytes:
        file = self.cleaned_data["pdf"]
        content_type, data = validate_upload(file)
        if content_type != "application/pdf":
            raise ValidationError(
                _("The document must be a PDF file (checked by its content)."), code="wrong_type"
            )
        return data

    def clean_signature(self) -> bytes | None:
        file = self.cleaned_data.get("signature")
        if not file:
            return None
        if (file.size or 0) > SIGNATURE_MAX_BYTES:
            raise ValidationError(
                _("A signature file is at most %(limit)s.") % {"limit": human_size(SIGNATURE_MAX_BYTES)},
                code="too_large",
            )
        data = file.read(SIGNATURE_MAX_BYTES + 1)
        if not data:
            raise ValidationError(_("The signature file is empty."), code="empty")
        if len(data) > SIGNATURE_MAX_BYTES:
            raise ValidationError(
                _("A signature file is at most %(limit)s.") % {"limit": human_size(SIGNATURE_MAX_BYTES)},
                code="too_large",
            )
        return bytes(data)


@never_cache
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, code: str) -> HttpResponse:
    if verify_rate_exceeded(request, kind="lookup") or (
        request.method == "POST" and verify_rate_exceeded(request, kind="check")
    ):
        response = render(
            request, "services/verify/throttled.html", {"retry_after": WINDOW_SECONDS}, status=429
        )
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response
    found = document_selectors.rendered_document_by_code(code=code)
    if found is None:
        return render(request, "services/verify/not_found.html", {"code": code[:40]}, status=404)
    context: dict[str, Any] = {
        "facts": document_selectors.verification_facts(document=found),
        "document": found,
    }
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        context["pdf_check"] = check_uploaded_pdf(document=found, data=form.cleaned_data["pdf"])
        if form.cleaned_data.get("signature"):
            context["signature_check"] = check_uploaded_signature(
                document=found, data=form.cleaned_data["signature"]
            )
    context["form"] = form
    return render(request, "services/verify/document.html", context, status=200)
