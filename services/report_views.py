"""The supervisor's reports (issue 5, item 5): a period and an office (or
the whole region, for administrators), the tables with their bar charts,
and the same figures as CSV and XLSX downloads.

Supervisors and administrators only: the permission that guards the
dashboard. Every figure comes from ``services.reports``, already scoped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.routers import replica_reads
from services import reports
from services.charts import BarChart, bar_chart
from services.report_export import report_csv, report_xlsx
from services.report_forms import ReportForm
from services.staff_views import _user, staff_required

REPORT_PERMISSION = "services.reassign_application"


@dataclass(frozen=True)
class _Shown:
    table: reports.Table
    chart: BarChart | None


def _read(request: HttpRequest) -> tuple[ReportForm, reports.Report | None]:
    """The form as typed and, when it is valid (or not filled in yet: this
    month so far), the report it asks for."""
    user = _user(request)
    default = reports.report_scope(user=user, office=None)
    today = timezone.localdate(timezone=default.tz)
    form = ReportForm(request.GET or None, user=user, today=today)
    if not form.is_bound:
        start, end, office = today.replace(day=1), today, None
        form.initial = {"start": start, "end": end}
    elif form.is_valid():
        start, end, office = (
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            form.cleaned_data.get("office"),
        )
    else:
        return form, None
    scope = default if office is None else reports.report_scope(user=user, office=office)
    # The heaviest reads of the portal: from the read replica when there is one.
    with replica_reads():
        return form, reports.report(user=user, scope=scope, start=start, end=end)


def _query(form: ReportForm, report: reports.Report) -> str:
    """The downloads' query: the period and, where there is a choice, the office."""
    params: dict[str, Any] = {"start": report.start.isoformat(), "end": report.end.isoformat()}
    if "office" in form.fields and report.scope.office is not None:
        params["office"] = report.scope.office.pk
    return urlencode(params)


def _filename(report: reports.Report, extension: str) -> str:
    return f"report-{report.scope.key}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}"


def _invalid(request: HttpRequest, form: ReportForm) -> HttpResponse:
    return render(request, "services/staff/reports.html", {"form": form, "report": None}, status=400)


@require_GET
@staff_required(REPORT_PERMISSION)
def report_page(request: HttpRequest) -> HttpResponse:
    form, report = _read(request)
    if report is None:
        return _invalid(request, form)
    shown = [
        _Shown(table=table, chart=bar_chart(title=table.title, bars=table.bars()))
        for table in reports.report_tables(report)
    ]
    return render(
        request,
        "services/staff/reports.html",
        {"form": form, "report": report, "tables": shown, "query": _query(form, report)},
    )


@require_GET
@staff_required(REPORT_PERMISSION)
def report_export_csv(request: HttpRequest) -> HttpResponse:
    form, report = _read(request)
    if report is None:
        return _invalid(request, form)
    response = HttpResponse(
        report_csv(report, reports.report_tables(report)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


@require_GET
@staff_required(REPORT_PERMISSION)
def report_export_xlsx(request: HttpRequest) -> HttpResponse:
    form, report = _read(request)
    if report is None:
        return _invalid(request, form)
    response = HttpResponse(
        report_xlsx(report, reports.report_tables(report)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response
