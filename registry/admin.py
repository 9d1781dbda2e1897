"""Admin of employers, vacancies and programmes."""

from __future__ import annotations

from django.contrib import admin

from registry.models import Employer, Programme, Vacancy


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
