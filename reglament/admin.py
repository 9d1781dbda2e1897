"""Admin of the law as data: acts, reglament versions with their procedures,
regions, offices and work calendars."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reglament.models import (
    CalendarDay,
    LegalAct,
    Office,
    Procedure,
    Region,
    ReglamentVersion,
    WorkCalendar,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_kk")
    search_fields = ("code", "name_ru", "name_kk", "name_en")


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ("day", "kind", "name_ru", "name_kk", "name_en")


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "work_start", "work_end", "lunch_start", "lunch_end", "weekend")
    search_fields = ("name",)
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "name_ru", "calendar")
    list_filter = ("kind", "calendar")
    search_fields = ("name_ru", "name_kk", "name_en")
    date_hierarchy = "day"


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "region", "calendar", "phone", "is_active")
    list_filter = ("region", "is_active")
    search_fields = ("code", "name_ru", "name_kk", "address_ru")
    list_select_related = ("region", "calendar")


@admin.register(LegalAct)
class LegalActAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region", "justice_number", "in_force_from", "status_today", "repealed_by")
    list_filter = ("kind", "region")
    search_fields = ("number", "title_ru", "title_kk", "justice_number")
    list_select_related = ("region", "repealed_by")
    filter_horizontal = ("amends",)

    @admin.display(description=_("status today"))
    def status_today(self, obj: LegalAct) -> str:
        return str(obj.status_on(timezone.localdate()).label)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("amended_by")


class ProcedureInline(admin.TabularInline):
    model = Procedure
    extra = 0
    fields = ("order", "code", "unit", "norm_minutes", "name_ru", "name_kk", "outcome_ru")


@admin.register(ReglamentVersion)
class ReglamentVersionAdmin(admin.ModelAdmin):
    list_display = (
        "service_code",
        "title_ru",
        "region",
        "legal_act",
        "effective_from",
        "effective_to",
        "via_desk",
        "via_portal",
    )
    list_filter = ("service_code", "region", "via_portal")
    search_fields = ("title_ru", "title_kk", "legal_act__number")
    list_select_related = ("region", "legal_act")
    inlines = [ProcedureInline]
