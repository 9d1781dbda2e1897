"""Admin of the services app.

Applications move only through ``services.services``: the state is read
only here, transitions are buttons on the change page (with a form where
the step needs input) and bulk actions on the list, each calling the same
service function a clerk's or an executor's page calls.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_fsm import can_proceed

from applicants.models import Applicant, User
from registry.constants import MeasureKind
from services import services as svc
from services.constants import GroundStage
from services.forms import GroundForm, IssueForm, ReassignForm, ResultForm
from services.models import (
    Application,
    RefusalGround,
    RequiredDocument,
    Service,
    StepRecord,
)


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("order", "name_ru", "name_kk", "name_en", "mandatory", "expires", "measure_kind")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_kk")
    search_fields = ("code", "name_ru", "name_kk", "name_en")
    inlines = [RequiredDocumentInline]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ("service", "order", "name_ru", "mandatory", "expires", "measure_kind")
    list_filter = ("service", "mandatory", "expires", "measure_kind")
    search_fields = ("name_ru", "name_kk", "name_en")
    ordering = ("service", "order")


@admin.register(RefusalGround)
class RefusalGroundAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "stage", "legal_reference_ru", "is_active")
    list_filter = ("stage", "services", "is_active")
    search_fields = ("code", "name_ru", "name_kk", "name_en", "legal_reference_ru")
    filter_horizontal = ("services",)


class StepRecordInline(admin.TabularInline):
    model = StepRecord
    extra = 0
    can_delete = False
    fields = ("code", "norm_minutes", "performer", "started_at", "due_at", "finished_at", "is_overdue")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description=_("overdue"))
    def is_overdue(self, obj: StepRecord) -> bool:
        return obj.overdue


# --- transition forms ----------------------------------------------------------


class ReceiveForm(forms.Form):
    applicant = forms.ModelChoiceField(queryset=Applicant.objects.all(), label=_("Applicant"))
    service = forms.ModelChoiceField(queryset=Service.objects.all(), label=_("Service"))
    measure_kind = forms.ChoiceField(
        choices=[("", "—"), *MeasureKind.choices], required=False, label=_("Kind of measure (S3)")
    )


# name: (label, the model transition it runs)
TRANSITIONS: dict[str, tuple[Any, str]] = {
    "register": (_("Register"), "register"),
    "refuse_intake": (_("Refuse intake"), "refuse_intake"),
    "take": (_("Take for review"), "take"),
    "reassign": (_("Reassign"), "reassign"),
    "sign_result": (_("Sign the result"), "prepare_result"),
    "refuse": (_("Sign a motivated refusal"), "refuse"),
    "issue": (_("Issue against signature"), "issue"),
}


def _form_for(name: str, application: Application, data: Any = None) -> forms.Form | None:
    if name == "sign_result":
        return ResultForm(data, application=application)
    if name == "refuse_intake":
        return GroundForm(data, application=application, stage=GroundStage.INTAKE)
    if name == "refuse":
        return GroundForm(data, application=application, stage=GroundStage.REVIEW)
    if name == "reassign":
        return ReassignForm(data, application=application)
    if name == "issue":
        return IssueForm(data)
    return None


def _perform(name: str, application: Application, user: User, form: forms.Form | None) -> Application:
    data = form.cleaned_data if form is not None else {}
    pk = application.pk
    if name == "register":
        return svc.application_register(application_id=pk, actor=user)
    if name == "refuse_intake":
        return svc.application_refuse_intake(
            application_id=pk, actor=user, ground_id=data["ground"].pk, reason=data["reason"]
        )
    if name == "take":
        return svc.application_take(application_id=pk, executor=user)
    if name == "reassign":
        return svc.application_reassign(application_id=pk, supervisor=user, executor_id=data["executor"].pk)
    if name == "sign_result":
        return svc.application_sign_result(
            application_id=pk,
            executor=user,
            result_text=data["result_text"],
            vacancy_id=data["vacancy"].pk if data.get("vacancy") else None,
            programme_id=data["programme"].pk if data.get("programme") else None,
        )
    if name == "refuse":
        return svc.application_refuse(
            application_id=pk, executor=user, ground_id=data["ground"].pk, reason=data["reason"]
        )
    if name == "issue":
        return svc.application_issue(
            application_id=pk, clerk=user, recipient_document=data.get("recipient_document", "")
        )
    raise ValueError(name)


def available_transitions(application: Application) -> list[tuple[str, Any]]:
    """Transitions the state allows now (the service still checks role and office)."""
    found = []
    for name, (label, method) in TRANSITIONS.items():
        if can_proceed(getattr(application, method), check_conditions=False):
            found.append((name, label))
    return found


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "service",
        "office",
        "applicant",
        "channel",
        "state",
        "registered_at",
        "executor",
    )
    list_filter = ("state", "service", "office", "channel")
    search_fields = ("number", "applicant__iin", "applicant__last_name")
    list_select_related = ("service", "office", "applicant", "executor")
    date_hierarchy = "created_at"
    readonly_fields = (
        "service",
        "office",
        "applicant",
        "channel",
        "state",
        "reglament_version",
        "number",
        "measure_kind",
        "data",
        "created_at",
        "created_by",
        "registered_at",
        "executor",
        "result_text",
        "refusal_ground",
        "refusal_reason",
        "decided_at",
        "issued_at",
    )
    exclude = ("number_year", "number_seq")
    inlines = [StepRecordInline]
    actions = ["register_selected", "take_selected"]
    change_form_template = "admin/services/application/change_form.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The page is read only; changes happen through transitions.
        return False

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "receive/",
                self.admin_site.admin_view(self.receive_view),
                name="services_application_receive",
            ),
            path(
                "<int:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="services_application_transition",
            ),
        ]
        return own + super().get_urls()

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:services_application_receive"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("services.register_application")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        application = get_object_or_404(Application, pk=object_id)
        context = {**(extra_context or {}), "transitions": available_transitions(application)}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def receive_view(self, request: HttpRequest) -> HttpResponse:
        """G4: start receiving a walk-in applicant's documents."""
        user: User = request.user  # type: ignore[assignment]
        form = ReceiveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                application = svc.application_receive(
                    clerk=user,
                    applicant_id=form.cleaned_data["applicant"].pk,
                    service_code=form.cleaned_data["service"].code,
                    measure_kind=form.cleaned_data["measure_kind"],
                )
            except svc.ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Intake started; the clock is running."))
                return HttpResponseRedirect(
                    reverse("admin:services_application_change", args=[application.pk])
                )
        return TemplateResponse(
            request,
            "admin/services/application/transition.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Receive documents"),
                "form": form,
                "application": None,
            },
        )

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        if name not in TRANSITIONS:
            return HttpResponseRedirect(reverse("admin:services_application_changelist"))
        application = get_object_or_404(Application, pk=object_id)
        change_url = reverse("admin:services_application_change", args=[application.pk])
        label = TRANSITIONS[name][0]
        form = _form_for(name, application, request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                _perform(name, application, request.user, form)  # type: ignore[arg-type]
            except svc.ServiceError as exc:
                if form is None:
                    messages.error(request, exc.message)
                    return HttpResponseRedirect(change_url)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": label})
                return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "admin/services/application/transition.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"{label}: {application}",
                "form": form,
                "application": application,
                "change_url": change_url,
            },
        )

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Application], name: str) -> None:
        done = 0
        for application in queryset:
            try:
                _perform(name, application, request.user, None)  # type: ignore[arg-type]
                done += 1
            except svc.ServiceError as exc:
                messages.error(request, exc.message)
        if done:
            messages.success(
                request,
                ngettext("%(count)d application done.", "%(count)d applications done.", done)
                % {"count": done},
            )

    @admin.action(description=_("Register the selected applications"))
    def register_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, "register")

    @admin.action(description=_("Take the selected requests for review"))
    def take_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, "take")


@admin.register(StepRecord)
class StepRecordAdmin(admin.ModelAdmin):
    list_display = ("application", "code", "norm_minutes", "performer", "started_at", "due_at", "finished_at")
    list_filter = ("code",)
    list_select_related = ("application", "performer")
    search_fields = ("application__number",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
