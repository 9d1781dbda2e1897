"""The staff side: the chancellery's intake desk and issuance, the
executor's work queue, the supervisor's dashboard (G2 steps 1–3).

Views check, call a service, and redirect or render. Every read goes
through ``services.selectors`` and is scoped to the user's office: another
office's request is a 404, by page or by URL.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applicants.models import Applicant, User
from applicants.services import applicant_create
from reglament.deadlines import OfficeClocks
from reglament.models import Office
from services import document_selectors, selectors
from services import services as svc
from services.constants import LIVE_STATES, GroundStage, State
from services.eligibility import eligibility_context
from services.forms import (
    ApplicantForm,
    DayForm,
    GroundForm,
    IinForm,
    IssueForm,
    PeriodForm,
    ReassignForm,
    ResultForm,
    StartIntakeForm,
    checklist_forms,
)
from services.models import Application, Service
from services.pdf import render_to_pdf

View = Callable[..., HttpResponse]


def staff_required(*perms: str) -> Callable[[View], View]:
    """Logged-in staff of an office with every permission named; others are
    sent to the staff login or refused."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('applicants:staff-login')}?next={request.get_full_path()}")
            if (
                not isinstance(user, User)
                or user.office_id is None
                or not all(user.has_perm(p) for p in perms)
            ):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # staff_required let nobody else in
        raise PermissionDenied
    return user


def _office(user: User) -> Office:
    if user.office is None:
        raise PermissionDenied
    return Office.objects.select_related("calendar", "region").get(pk=user.office.pk)


def _clocks(user: User) -> OfficeClocks:
    return OfficeClocks(_office(user), timezone.now())


# --- the intake desk (clerk), G2 step 1 ----------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required("services.register_application")
def desk(request: HttpRequest) -> HttpResponse:
    """Find the applicant by IIN (or create the record), choose the service,
    start the intake clock."""
    user = _user(request)
    iin_form = IinForm(request.GET or None)
    applicant: Applicant | None = None
    applicant_form: ApplicantForm | None = None
    start_form = StartIntakeForm(initial={"intake_key": uuid.uuid4()})
    if iin_form.is_valid():
        iin = iin_form.cleaned_data["iin"]
        applicant = Applicant.objects.filter(iin=iin).first()
        if applicant is None:
            applicant_form = ApplicantForm(initial={"iin": iin})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create-applicant":
            applicant_form = ApplicantForm(request.POST)
            if applicant_form.is_valid():
                fields = {k: v for k, v in applicant_form.cleaned_data.items() if k != "iin"}
                applicant = applicant_create(actor=user, iin=applicant_form.cleaned_data["iin"], **fields)
                messages.success(request, _("The applicant's record is created."))
                return redirect(f"{reverse('services:desk')}?iin={applicant.iin}")
        elif action == "start-intake":
            # A tampered id is "not found", never a fault (int() of text raises).
            posted_id = request.POST.get("applicant", "")
            applicant = get_object_or_404(Applicant, pk=int(posted_id) if posted_id.isdecimal() else None)
            start_form = StartIntakeForm(request.POST)
            if start_form.is_valid():
                try:
                    application = svc.application_receive(
                        clerk=user,
                        applicant_id=applicant.pk,
                        service_code=start_form.cleaned_data["service"].code,
                        measure_kind=start_form.cleaned_data["measure_kind"],
                        intake_key=start_form.cleaned_data["intake_key"],
                    )
                except svc.AlreadyDone as done:
                    messages.warning(request, done.message)
                    return redirect("services:intake", pk=done.application.pk)
                except svc.ServiceError as exc:
                    start_form.add_error(None, exc.message)
                else:
                    return redirect("services:intake", pk=application.pk)
    clocks = _clocks(user)
    under_way = [(a, clocks.clock(a.due_at)) for a in selectors.intakes_under_way(clerk=user) if a.due_at]
    return render(
        request,
        "services/staff/desk.html",
        {
            "iin_form": iin_form,
            "applicant": applicant,
            "applicant_form": applicant_form,
            "start_form": start_form,
            "under_way": under_way,
        },
    )


@require_GET
@staff_required("services.register_application")
def iin_check(request: HttpRequest) -> HttpResponse:
    """htmx: the IIN checked as it is typed, with the message saying what is wrong."""
    form = IinForm(request.GET)
    return render(request, "services/staff/_iin_feedback.html", {"form": form, "valid": form.is_valid()})


@require_http_methods(["GET", "POST"])
@staff_required("services.register_application")
def intake(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant, the paragraph-9 checklist and the intake clock
    together; *Register* or, for S2, *Refuse intake*."""
    user = _user(request)
    application = get_object_or_404(
        selectors.staff_applications(user=user).select_related("service", "applicant", "office"), pk=pk
    )
    if application.state != State.RECEIVED:
        if request.method == "POST":
            # A double submit of *Register*: the first one did it.
            messages.warning(
                request,
                _("Application %(number)s is already “%(state)s”; nothing was changed.")
                % {"number": application, "state": application.get_state_display()},
            )
        return redirect("services:application", pk=application.pk)
    documents = svc.required_documents(application)
    post = request.method == "POST"
    lines = checklist_forms(
        application, documents, request.POST if post else None, request.FILES if post else None
    )
    refusal_form = GroundForm(
        request.POST if post and request.POST.get("action") == "refuse" else None,
        application=application,
        stage=GroundStage.INTAKE,
    )
    can_refuse = refusal_form.fields["ground"].queryset.exists()  # type: ignore[attr-defined]
    error: str | None = None
    if post:
        action = request.POST.get("action")
        if all(f.is_valid() for f in lines) and (action != "refuse" or refusal_form.is_valid()):
            try:
                if action == "refuse":
                    application = svc.application_refuse_intake_at_desk(
                        application_id=application.pk,
                        clerk=user,
                        lines=[f.line() for f in lines],
                        ground_id=refusal_form.cleaned_data["ground"].pk,
                        reason=refusal_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request,
                        _("Intake refused under number %(number)s. Print the receipt for the applicant.")
                        % {"number": application.number},
                    )
                else:
                    application = svc.application_register_at_desk(
                        application_id=application.pk, clerk=user, lines=[f.line() for f in lines]
                    )
                    messages.success(
                        request,
                        _("Registered under number %(number)s; the executor's clock is running.")
                        % {"number": application.number},
                    )
                return redirect("services:application", pk=application.pk)
            except svc.ServiceError as exc:
                error = exc.message
        else:
            error = _("Some entries need correcting; see the messages beside them.")
    clock = _clocks(user).clock(application.due_at) if application.due_at else None
    return render(
        request,
        "services/staff/intake.html",
        {
            "application": application,
            "lines": lines,
            "refusal_form": refusal_form,
            "can_refuse": can_refuse,
            "error": error,
            "clock": clock,
        },
        status=422 if error else 200,
    )


@require_GET
@staff_required("services.register_application")
def intake_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable receipt of a refusal of intake, naming what was missing or expired."""
    user = _user(request)
    application = get_object_or_404(
        selectors.staff_applications(user=user).select_related(
            "service", "applicant", "office", "refusal_ground"
        ),
        pk=pk,
        state=State.INTAKE_REFUSED,
    )
    refused_at = application.decided_at or timezone.now()
    problems = svc.package_problems(application, today=refused_at.astimezone(application.office.tz).date())
    refusal = (
        selectors.application_history(application=application)
        .filter(action="refuse_intake", succeeded=True)
        .first()
    )
    clerk = refusal.actor if refusal is not None else None
    pdf = render_to_pdf(
        "documents/intake_refusal_receipt.html",
        {
            "office": application.office,
            "tz": application.office.tz,
            "application": application,
            "applicant": application.applicant,
            "service": application.service,
            "missing": problems.missing,
            "expired": [{"document": d, "expires_on": day} for d, day in problems.expired],
            "ground": application.refusal_ground,
            "reason": application.refusal_reason,
            "clerk": clerk,
            "refused_at": refused_at,
        },
        language=request.LANGUAGE_CODE,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{application.number}.pdf"'
    return response


# --- one request, as staff see it ----------------------------------------------


@require_GET
@staff_required("services.view_application")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant, the documents, the steps with their clocks, the history,
    and the actions the user may take now."""
    user = _user(request)
    application = get_object_or_404(
        selectors.staff_applications(user=user).select_related(
            "service", "applicant", "office__calendar", "executor", "refusal_ground", "reglament_version"
        ),
        pk=pk,
    )
    clocks = _clocks(user)
    steps = [
        (s, clocks.clock(s.due_at))
        for s in application.steps.select_related("performer").order_by("started_at")
    ]
    context: dict[str, Any] = {
        "application": application,
        "steps": steps,
        "documents": application.presented_documents.select_related("document").order_by("document__order"),
        "history": selectors.application_history_lines(application=application),
        "result": getattr(application, "result", None),
        "rendered": document_selectors.rendered_document_for(result=getattr(application, "result", None)),
        "server_signing": server_signing_allowed(),
        **eligibility_context(application),  # issue 5, item 4
    }
    if application.state == State.IN_REVIEW and application.executor_id == user.pk:
        context["result_form"] = ResultForm(application=application)
        context["refuse_form"] = GroundForm(application=application, stage=GroundStage.REVIEW)
    if application.state == State.IN_REVIEW and user.has_perm("services.reassign_application"):
        context["reassign_form"] = ReassignForm(application=application)
    if application.state in (State.RESULT_SIGNED, State.REFUSAL_SIGNED) and user.has_perm(
        "services.issue_result"
    ):
        context["issue_form"] = IssueForm()
    return render(request, "services/staff/application.html", context)


def _back_to(application: Application) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("services:application", args=[application.pk]))


def server_signing_allowed() -> bool:
    """Whether the portal may sign for staff with the keys it keeps (else NCALayer only)."""
    return bool(getattr(settings, "STAFF_SERVER_SIGNING", not getattr(settings, "PRODUCTION", False)))


def _render_with_errors(
    request: HttpRequest, application: Application, *, status: int = 422, **forms: Any
) -> HttpResponse:
    user = _user(request)
    clocks = _clocks(user)
    context: dict[str, Any] = {
        "application": application,
        "steps": [(s, clocks.clock(s.due_at)) for s in application.steps.order_by("started_at")],
        "documents": application.presented_documents.select_related("document"),
        "history": selectors.application_history_lines(application=application),
        "result": getattr(application, "result", None),
        "rendered": document_selectors.rendered_document_for(result=getattr(application, "result", None)),
        "server_signing": server_signing_allowed(),
        **eligibility_context(application),  # issue 5, item 4
        **forms,
    }
    return render(request, "services/staff/application.html", context, status=status)


@require_POST
@staff_required("services.sign_result")
def sign_result(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user).select_related("service"), pk=pk)
    form = ResultForm(request.POST, application=application)
    if form.is_valid():
        try:
            svc.application_sign_result(
                application_id=application.pk,
                executor=user,
                result_text=form.cleaned_data["result_text"],
                vacancy_id=form.cleaned_data["vacancy"].pk if form.cleaned_data.get("vacancy") else None,
                programme_id=form.cleaned_data["programme"].pk
                if form.cleaned_data.get("programme")
                else None,
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The result is signed."))
            return _back_to(application)
    return _render_with_errors(
        request,
        application,
        result_form=form,
        refuse_form=GroundForm(application=application, stage=GroundStage.REVIEW),
    )


@require_POST
@staff_required("services.sign_result")
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user).select_related("service"), pk=pk)
    form = GroundForm(request.POST, application=application, stage=GroundStage.REVIEW)
    if form.is_valid():
        try:
            svc.application_refuse(
                application_id=application.pk,
                executor=user,
                ground_id=form.cleaned_data["ground"].pk,
                reason=form.cleaned_data["reason"],
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The motivated refusal is signed."))
            return _back_to(application)
    return _render_with_errors(
        request, application, refuse_form=form, result_form=ResultForm(application=application)
    )


@require_POST
@staff_required("services.reassign_application")
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user), pk=pk)
    form = ReassignForm(request.POST, application=application)
    if form.is_valid():
        try:
            svc.application_reassign(
                application_id=application.pk, supervisor=user, executor_id=form.cleaned_data["executor"].pk
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The request is handed to another executor."))
            return _back_to(application)
    return _render_with_errors(request, application, reassign_form=form)


@require_POST
@staff_required("services.issue_result")
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user), pk=pk)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            svc.application_issue(
                application_id=application.pk,
                clerk=user,
                recipient_document=form.cleaned_data["recipient_document"],
                recipient_name=form.cleaned_data["recipient_name"],
            )
        except svc.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Issued; the journal entry is recorded."))
            return redirect("services:issuance")
    return _render_with_errors(request, application, issue_form=form)


# --- the work queue (executor), G2 step 2 --------------------------------------


@require_GET
@staff_required("services.take_application")
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = selectors.queue_page(executor=user, after=selectors.parse_cursor(request.GET.get("after")))
    clocks = _clocks(user)
    rows = [(a, clocks.clock(a.due_at)) for a in page.rows if a.due_at]
    mine = [(a, clocks.clock(a.due_at)) for a in selectors.taken_by(executor=user) if a.due_at]
    template = "services/staff/_queue_rows.html" if request.htmx else "services/staff/queue.html"  # type: ignore[attr-defined]
    return render(request, template, {"rows": rows, "mine": mine, "next_cursor": page.next_cursor})


@require_POST
@staff_required("services.take_application")
def take_next(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        application = svc.application_take_next(executor=user)
    except svc.ServiceError as exc:
        messages.warning(request, exc.message)
        return redirect("services:queue")
    messages.success(request, _("You took %(number)s.") % {"number": application.number})
    return _back_to(application)


@require_POST
@staff_required("services.take_application")
def take(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user), pk=pk)
    try:
        svc.application_take(application_id=application.pk, executor=user)
    except svc.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("services:queue")
    return _back_to(application)


# --- issuance and the journal (clerk), G2 step 3 --------------------------------


@require_GET
@staff_required("services.issue_result")
def issuance(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = selectors.issuance_page(clerk=user, after=selectors.parse_cursor(request.GET.get("after")))
    clocks = _clocks(user)
    rows = [(a, clocks.clock(a.due_at)) for a in page.rows if a.due_at]
    return render(request, "services/staff/issuance.html", {"rows": rows, "next_cursor": page.next_cursor})


def _journal_entries(request: HttpRequest) -> tuple[Office, datetime.date, DayForm, selectors.Page]:
    user = _user(request)
    office = _office(user)
    form = DayForm(request.GET or None)
    day = form.cleaned_data["day"] if form.is_valid() else timezone.localdate()
    page = selectors.journal_page(
        user=user, office=office, day=day, after=selectors.parse_cursor(request.GET.get("after"))
    )
    return office, day, form, page


@require_GET
@staff_required("services.issue_result")
def journal(request: HttpRequest) -> HttpResponse:
    office, day, form, page = _journal_entries(request)
    return render(
        request,
        "services/staff/journal.html",
        {"office": office, "day": day, "form": form, "entries": page.rows, "next_cursor": page.next_cursor},
    )


@require_GET
@staff_required("services.issue_result")
def journal_pdf(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    office = _office(user)
    form = DayForm(request.GET or None)
    day = form.cleaned_data["day"] if form.is_valid() else timezone.localdate()
    entries = []
    after = None
    while True:  # the whole day, page by page
        page = selectors.journal_page(user=user, office=office, day=day, after=after, size=500)
        entries += page.rows
        if page.next_cursor is None:
            break
        after = selectors.parse_cursor(page.next_cursor)
    rows = [
        {
            "number": e.application.number,
            "applicant_name": e.application.applicant.full_name,
            "masked_iin": e.application.applicant.masked_iin,
            "service_code": e.application.service.code,
            "result_label": e.application.result.get_kind_display()
            if hasattr(e.application, "result")
            else "",
            "issued_at": e.issued_at,
            "issued_by": str(e.issued_by),
            "recipient_document": e.recipient_document,
        }
        for e in entries
    ]
    pdf = render_to_pdf(
        "documents/journal.html",
        {"office": office, "tz": office.tz, "day": day, "entries": rows},
        language=request.LANGUAGE_CODE,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="journal-{office.code}-{day:%Y-%m-%d}.pdf"'
    return response


# --- the supervisor's dashboard --------------------------------------------------


@require_GET
@staff_required("services.reassign_application")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    office = _office(user)
    today = timezone.localdate()
    form = PeriodForm(
        request.GET or None, initial={"start": today - datetime.timedelta(days=30), "end": today}
    )
    start, end = today - datetime.timedelta(days=30), today
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    period = (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=office.tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=office.tz),
    )
    counts = selectors.state_counts(user=user)
    services = list(Service.objects.order_by("code"))
    table = [
        (
            state.label,
            [counts.get((state.value, s.code), 0) for s in services],
            sum(counts.get((state.value, s.code), 0) for s in services),
        )
        for state in LIVE_STATES
    ]
    now = timezone.now()
    clocks = OfficeClocks(office, now)
    overdue = [(step, clocks.clock(step.due_at)) for step in selectors.overdue_steps(user=user, now=now)]
    compliance = selectors.compliance(user=user, start=period[0], end=period[1])
    return render(
        request,
        "services/staff/dashboard.html",
        {
            "form": form,
            "services": services,
            "table": table,
            "overdue": overdue,
            "compliance": compliance,
            "start": start,
            "end": end,
        },
    )


# --- the result's PDF and its revocation (issue 5) ------------------------------


@require_GET
@staff_required("services.view_application")
def result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of the signed result, as issued (404 until it is rendered)."""
    from services.models import RenderedDocument

    application = get_object_or_404(selectors.staff_applications(user=_user(request)), pk=pk)
    document = get_object_or_404(RenderedDocument, result__application=application)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="result-{application.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff_required("services.revoke_rendereddocument")
def result_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor of the office revokes the issued PDF with a reason."""
    from services import documents
    from services.models import RenderedDocument

    user = _user(request)
    application = get_object_or_404(selectors.staff_applications(user=user), pk=pk)
    document = get_object_or_404(RenderedDocument.objects.defer("pdf"), result__application=application)
    try:
        documents.rendered_document_revoke(
            document_id=document.pk, supervisor=user, reason=request.POST.get("reason", "")
        )
    except documents.DocumentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The document is revoked; its verification page now says so."))
    return _back_to(application)
