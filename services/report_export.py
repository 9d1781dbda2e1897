"""The report's downloads: CSV (UTF-8 with a BOM, so Excel reads Cyrillic
and Kazakh letters) and XLSX (one sheet per table). Both write the very
rows of ``services.reports.report_tables``, so they hold the page's figures."""

from __future__ import annotations

import csv
import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from services.reports import Cell, Report, Table

# A cell that starts like a formula is written as text (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _heading(report: Report) -> list[list[Cell]]:
    return [
        [_("Report of the employment centre")],
        [_("Office"), report.scope.label],
        [_("Period"), f"{report.start:%d.%m.%Y} – {report.end:%d.%m.%Y}"],
    ]


def report_csv(report: Report, tables: list[Table]) -> bytes:
    """All tables one after another: the title, the header, the rows and a
    blank line. Semicolons separate the cells, as Excel expects them in
    the Russian and Kazakh locales."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in _heading(report):
        writer.writerow([_safe(c) for c in line])
    writer.writerow([])
    for table in tables:
        writer.writerow([_safe(table.title)])
        writer.writerow([_safe(c) for c in table.columns])
        for row in table.rows:
            writer.writerow([_safe(c) for c in row])
        writer.writerow([])
    return out.getvalue().encode("utf-8-sig")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def report_xlsx(report: Report, tables: list[Table]) -> bytes:
    """One sheet per table: the title in the first row, the header in the
    second, the figures below (numbers as numbers)."""
    book = Workbook()
    summary = book.active
    taken: set[str] = set()
    summary.title = _sheet_title(_("Report"), taken)
    for line in _heading(report):
        summary.append([_safe(c) for c in line])
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        sheet.append([_safe(table.title)])
        sheet.append([_safe(c) for c in table.columns])
        for row in table.rows:
            sheet.append([_safe(c) for c in row])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
