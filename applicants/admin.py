"""Admin of people: users with their office and roles, applicant records.

Applicant changes go through ``applicants.services`` so each one is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant, User
from applicants.services import APPLICANT_FIELDS, applicant_create, applicant_update


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "office", "iin", "is_staff", "is_active")
    list_filter = ("office", "groups", "is_staff", "is_active")
    search_fields = ("username", "last_name", "first_name", "iin", "email")
    list_select_related = ("office",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Employment centre"), {"fields": ("office", "patronymic", "iin", "phone")}),
    )


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "patronymic", "masked", "phone", "user")
    search_fields = ("iin", "last_name", "first_name", "phone", "email")
    readonly_fields = ("user", "created_at", "updated_at")
    list_select_related = ("user",)

    @admin.display(description=_("IIN"))
    def masked(self, obj: Applicant) -> str:
        return obj.masked_iin

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An IIN identifies the person: it is not edited once recorded.
        return (*self.readonly_fields, "iin") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Applicant, form: ModelForm, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in APPLICANT_FIELDS if name in form.cleaned_data}
        actor = request.user if isinstance(request.user, User) else None
        if change:
            saved = applicant_update(actor=actor, applicant_id=obj.pk, **fields)
        else:
            saved = applicant_create(actor=actor, iin=form.cleaned_data["iin"], **fields)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
