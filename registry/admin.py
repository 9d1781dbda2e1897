"""Admin of employers, vacancies and programmes; the registers and referrals
(read-only here: they change through ``registry.services``, audited);
close reasons, target groups and memberships (editable data; a membership
decides eligibility for social jobs, so each add, change and delete of one
is audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from audit.services import audit_record
from registry.models import (
    Employer,
    Programme,
    Referral,
    RegisterCloseReason,
    RegisterEntry,
    TargetGroup,
    TargetGroupMembership,
    Vacancy,
)


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ("name_ru", "bin", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_ru", "name_kk", "bin")


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin):
    list_display = ("position_ru", "employer", "office", "monthly_salary", "places", "opened_on", "is_open")
    list_filter = ("office", "is_open")
    search_fields = ("position_ru", "position_kk", "employer__name_ru", "employer__bin")
    list_select_related = ("employer", "office")
    autocomplete_fields = ("employer",)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name_ru", "kind", "office", "places", "places_taken", "starts_on", "ends_on")
    list_filter = ("kind", "office")
    search_fields = ("name_ru", "name_kk")
    list_select_related = ("office",)
    readonly_fields = ("places_taken",)


@admin.register(RegisterCloseReason)
class RegisterCloseReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_kk", "order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_ru", "name_kk")


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_kk", "order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_ru", "name_kk")


@admin.register(TargetGroupMembership)
class TargetGroupMembershipAdmin(admin.ModelAdmin):
    list_display = ("applicant", "group", "since", "until", "document_note")
    list_filter = ("group",)
    search_fields = ("applicant__iin", "applicant__last_name", "document_note")
    list_select_related = ("applicant", "group")
    autocomplete_fields = ("applicant",)

    def save_model(
        self, request: HttpRequest, obj: TargetGroupMembership, form: ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        changes = {
            name: str(form.cleaned_data.get(name) or "")
            for name in form.changed_data
            if name in form.cleaned_data
        }
        audit_record(
            actor=request.user,
            action="target_group_membership_change" if change else "target_group_membership_add",
            target=obj,
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: TargetGroupMembership) -> None:
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TargetGroupMembership]) -> None:
        for membership in queryset.select_related("applicant", "group"):
            self._audit_deletion(request, membership)
        super().delete_queryset(request, queryset)

    @staticmethod
    def _audit_deletion(request: HttpRequest, obj: TargetGroupMembership) -> None:
        audit_record(
            actor=request.user,
            action="target_group_membership_delete",
            target=obj,
            changes={"group": obj.group.code, "since": str(obj.since), "until": str(obj.until or "")},
        )


class _ReadOnly(admin.ModelAdmin):
    """Entered at signing and changed on the staff pages, audited; here only read."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegisterEntry)
class RegisterEntryAdmin(_ReadOnly):
    list_display = (
        "applicant",
        "register",
        "office",
        "certificate_number",
        "opened_on",
        "closed_on",
        "close_reason",
    )
    list_filter = ("register", "office", "close_reason")
    search_fields = ("applicant__iin", "applicant__last_name", "certificate_number", "application__number")
    list_select_related = ("applicant", "office", "close_reason")
    date_hierarchy = "opened_on"


@admin.register(Referral)
class ReferralAdmin(_ReadOnly):
    list_display = ("application", "applicant", "kind", "office", "issued_on", "outcome")
    list_filter = ("kind", "outcome", "office")
    search_fields = ("applicant__iin", "applicant__last_name", "application__number")
    list_select_related = ("application", "applicant", "office")
    date_hierarchy = "issued_on"
