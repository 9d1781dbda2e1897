"""The citizen's cabinet (P5, P8–P10): the list of one's own requests, a new
request, the draft's form and its attached documents, and a request's
timeline with its signed result.

Every read goes through ``services.selectors.citizen_*``: another person's
request is a 404, whatever the URL. Every write is a service of
``services.services``; a refused write shows the service's message with the
form as typed and changes nothing (the service audits the refusal).

Mounted at /cabinet/ by config.urls (namespace ``cabinet-requests``; the
list is also ``cabinet:home``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applicants.models import Applicant, User
from reglament.deadlines import OfficeClocks
from reglament.models import Office, Procedure, Region
from services import document_selectors, selectors
from services import services as svc
from services.cabinet_forms import (
    MEASURE_EXPLANATIONS,
    AttachmentForm,
    DraftForm,
    NewRequestForm,
    S3DraftForm,
    draft_form,
    saved_answers,
    unanswered,
)
from services.constants import State
from services.eligibility import eligibility_context
from services.models import Application, Attachment, RequiredDocument, Service, StepRecord
from services.uploads import human_size, max_bytes, max_files

View = Callable[..., HttpResponseBase]

# States after which the request has a signed result or refusal (P10).
DECIDED_STATES = (State.RESULT_SIGNED, State.REFUSAL_SIGNED, State.ISSUED)


def citizen_required(view: View) -> View:
    """Anonymous visitors go to the citizen login; staff accounts have no
    cabinet (they are refused, not shown an empty one)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("cabinet:login"))
        # A citizen's account carries their IIN (P1); staff, admin and the
        # gateway clients' service accounts have no cabinet.
        if not isinstance(user, User) or user.is_staff_member or user.is_staff or not user.iin:
            raise PermissionDenied(_("The cabinet is for citizens; staff use the staff pages."))
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - citizen_required saw to it
    return user


def _own(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        selectors.citizen_application(user=_user(request), pk=pk).select_related(
            "service", "office__calendar", "applicant", "reglament_version", "refusal_ground"
        )
    )


def _detail_url(application: Application) -> str:
    return reverse("cabinet-requests:detail", args=[application.pk])


def _edit_url(application: Application, anchor: str = "") -> str:
    url = reverse("cabinet-requests:edit", args=[application.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the list and a new request ---------------------------------------------------


@never_cache
@require_GET
@citizen_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    applicant = Applicant.objects.filter(user_id=user.pk).first()
    return render(
        request,
        "services/cabinet/list.html",
        {"applicant": applicant, "requests": list(selectors.citizen_request_list(user=user)[:200])},
    )


def _portal_services() -> list[Service]:
    return list(Service.objects.order_by("code"))


def _desk_only_codes() -> list[str]:
    """Services whose reglament in force serves them at the chancellery only
    (S2): the new-request page says so instead of offering them."""
    region = Region.objects.order_by("code").first()
    return [
        entry.service.code
        for entry in selectors.catalogue(region=region, on=timezone.localdate())
        if entry.version is not None and not entry.version.via_portal
    ]


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def request_new(request: HttpRequest) -> HttpResponse:
    """P5: choose the service, the office and (S3) the kind of measure, with
    each measure's eligibility explained before anything is filed."""
    user = _user(request)
    applicant = Applicant.objects.filter(user_id=user.pk).first()
    if applicant is None:
        raise PermissionDenied(_("Your account has no applicant record; please register again."))
    services = _portal_services()
    initial = {"service": request.GET.get("service", "")}
    form = NewRequestForm(request.POST or None, services=services, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = svc.application_create_draft(
                    actor=user,
                    applicant_id=applicant.pk,
                    office_id=form.cleaned_data["office"].pk,
                    service_code=form.cleaned_data["service"],
                    measure_kind=form.cleaned_data["measure_kind"],
                )
            except svc.ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Your draft is saved. Fill in the form and attach the documents.")
                )
                return redirect(_edit_url(application))
        status = 422
    return render(
        request,
        "services/cabinet/new.html",
        {
            "form": form,
            "explanations": [(k, v) for k, v in MEASURE_EXPLANATIONS.items()],
            "desk_only": _desk_only_codes(),
            "offices": list(Office.objects.filter(is_active=True).order_by("code")),
        },
        status=status,
    )


# --- the draft: form and documents --------------------------------------------------


@dataclass
class DocumentSlot:
    """One paragraph-9 document of the draft with the files attached to it."""

    document: RequiredDocument
    attachments: list[Attachment]
    form: AttachmentForm


def _slots(application: Application, failed: AttachmentForm | None = None) -> list[DocumentSlot]:
    attachments = list(application.attachments.order_by("uploaded_at", "pk"))
    slots = []
    for document in svc.required_documents(application):
        form = (
            failed
            if failed is not None and failed.data.get("document") == str(document.pk)
            else AttachmentForm(initial={"document": document.pk}, prefix=f"doc{document.pk}")
        )
        slots.append(
            DocumentSlot(
                document=document,
                attachments=[a for a in attachments if a.document_id == document.pk],
                form=form,
            )
        )
    return slots


def readiness_problems(application: Application) -> list[str]:
    """What the draft still lacks before it can be signed (P5): unanswered
    questions and mandatory documents without a file."""
    problems = unanswered(application)
    attached = set(application.attachments.values_list("document_id", flat=True))
    for document in svc.required_documents(application):
        if document.mandatory and document.pk not in attached:
            problems.append(_("Attach “%(document)s”.") % {"document": document.name})
    return problems


def _render_draft(
    request: HttpRequest,
    application: Application,
    *,
    form: DraftForm | None = None,
    failed_upload: AttachmentForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = draft_form(application, initial=saved_answers(application))
    slots = _slots(application, failed_upload)
    return render(
        request,
        "services/cabinet/edit.html",
        {
            "application": application,
            "form": form,
            "slots": slots,
            "failed_upload": failed_upload,
            "attachment_count": sum(len(s.attachments) for s in slots),
            "max_files": max_files(),
            "max_size": human_size(max_bytes()),
            "problems": problems or [],
            "last_saved": selectors.last_saved(application=application),
            "measure_explanation": MEASURE_EXPLANATIONS.get(application.measure_kind, ""),
            **eligibility_context(application),  # issue 5, item 4
        },
        status=status,
    )


def _require_draft(request: HttpRequest, application: Application) -> HttpResponse | None:
    if application.state != State.DRAFT:
        messages.info(request, _("This request has been signed and sent; it can no longer be changed."))
        return redirect(_detail_url(application))
    return None


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """P5: the service's form. *Save* keeps what is typed (formats checked);
    *Continue to signing* also needs every answer and mandatory document."""
    application = _own(request, pk)
    if (response := _require_draft(request, application)) is not None:
        return response
    if request.method == "GET":
        return _render_draft(request, application)

    form = draft_form(application, data=request.POST, partial=True)
    if not form.is_valid():
        return _render_draft(request, application, form=form, status=422)
    try:
        application = svc.draft_update(
            application_id=application.pk,
            actor=_user(request),
            data=form.request_data(),
            office_id=form.chosen_office_id(),
            measure_kind=form.chosen_measure_kind() if isinstance(form, S3DraftForm) else None,
        )
    except svc.ServiceError as exc:
        form.add_error(None, exc.message)
        return _render_draft(request, application, form=form, status=422)
    application = _own(request, pk)
    if isinstance(form, S3DraftForm) and form.choice_reset:
        messages.info(
            request, _("The list of vacancies or programmes has changed with your choice; choose again.")
        )
        return redirect(_edit_url(application, "id_office"))
    if "continue" in request.POST:
        problems = readiness_problems(application)
        if problems:
            return _render_draft(request, application, problems=problems, status=422)
        return redirect("signing:sign", pk=application.pk)
    messages.success(request, _("Your answers are saved."))
    return redirect(_edit_url(application))


@require_POST
@citizen_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """P5: attach an electronic copy of one paragraph-9 document."""
    application = _own(request, pk)
    if (response := _require_draft(request, application)) is not None:
        return response
    document_id = request.POST.get("document", "")
    prefix = f"doc{document_id}" if document_id else None
    # The prefixed form reads "docN-document"; the plain field names the slot.
    data = request.POST.copy()
    data[f"{prefix}-document" if prefix else "document"] = document_id
    data["document"] = document_id
    form = AttachmentForm(data, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            attachment = svc.attachment_add(
                application_id=application.pk,
                actor=_user(request),
                document_id=form.cleaned_data["document"],
                upload=form.cleaned_data["file"],
            )
        except svc.ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.original_name})
            return redirect(_edit_url(application, f"document-{attachment.document_id}"))
    return _render_draft(request, application, failed_upload=form, status=422)


@require_POST
@citizen_required
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = _own(request, pk)
    if (response := _require_draft(request, application)) is not None:
        return response
    try:
        svc.attachment_remove(
            application_id=application.pk, actor=_user(request), attachment_id=attachment_pk
        )
    except svc.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file is removed."))
    return redirect(_edit_url(application, "documents"))


@require_GET
@citizen_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    if attachment.removed_at is not None or not attachment.file:
        # Issue 6, retention: the row stays, the file is gone.
        messages.info(
            request,
            _("This file was removed on %(date)s under the retention rule.")
            % {"date": formats.date_format(timezone.localtime(attachment.removed_at), "d.m.Y")}
            if attachment.removed_at
            else _("This file is no longer kept."),
        )
        return redirect(_detail_url(application))
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- a request's timeline and its result (P8–P10) --------------------------------------


@dataclass
class TimelineStep:
    """One procedure of the governing reglament, as the citizen follows it."""

    procedure: Procedure
    record: StepRecord | None
    clock: Any

    @property
    def status(self) -> str:
        if self.record is None:
            return "waiting"
        if self.record.finished_at is None:
            return "running"
        return "late" if self.record.finished_at > self.record.due_at else "done"


def _timeline(application: Application) -> list[TimelineStep]:
    records = {s.code: s for s in application.steps.all()}
    clocks = OfficeClocks(application.office, timezone.now())
    steps = []
    for procedure in application.reglament_version.procedures.order_by("order"):
        record = records.get(procedure.code)
        clock = clocks.clock(record.due_at) if record is not None and record.finished_at is None else None
        steps.append(TimelineStep(procedure=procedure, record=record, clock=clock))
    return steps


@never_cache
@require_GET
@citizen_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if application.state == State.DRAFT:
        return redirect(_edit_url(application))
    result = getattr(application, "result", None) if application.state in DECIDED_STATES else None
    return render(
        request,
        "services/cabinet/detail.html",
        {
            "application": application,
            "timeline": _timeline(application),
            "result": result,
            "rendered": document_selectors.rendered_document_for(result=result),
            "attachments": list(application.attachments.select_related("document").order_by("pk")),
        },
    )


def _result(request: HttpRequest, pk: int) -> tuple[Application, Any]:
    application = _own(request, pk)
    result = getattr(application, "result", None)
    if application.state not in DECIDED_STATES or result is None:
        raise Http404
    return application, result


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@citizen_required
def result_document(request: HttpRequest, pk: int) -> HttpResponse:
    """P10: the signed electronic document, byte for byte as it was signed."""
    application, result = _result(request, pk)
    return _download(
        result.content,
        filename=f"result-{application.number}.json",
        content_type="application/json; charset=utf-8",
    )


@require_GET
@citizen_required
def result_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """P10: the executor's detached CMS signature over the document (DER)."""
    application, result = _result(request, pk)
    return _download(
        result.signature,
        filename=f"result-{application.number}.json.p7s",
        content_type="application/pkcs7-signature",
    )


def draft_problems_redirect(request: HttpRequest, application: Application) -> HttpResponseRedirect | None:
    """For the signing page: a draft that is not ready goes back to its form."""
    problems = readiness_problems(application)
    if not problems:
        return None
    for problem in problems:
        messages.error(request, problem)
    return HttpResponseRedirect(_edit_url(application))


@require_GET
@citizen_required
def result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue 5: the signed result on A4, as issued; while it is being
    prepared, back to the request with a word about it."""
    from services.models import RenderedDocument

    application, result = _result(request, pk)
    document = RenderedDocument.objects.filter(result=result).first()
    if document is None:
        messages.info(request, _("The PDF of the result is being prepared; try again in a minute."))
        return redirect(_detail_url(application))
    return _download(
        document.pdf, filename=f"result-{application.number}.pdf", content_type="application/pdf"
    )
