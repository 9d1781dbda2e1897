"""Reports (issue 5, item 5; acceptance 5): the figures of a hand-built
data set for March 2026 at Aktau, their office scoping, the period form's
bad inputs, the CSV and XLSX downloads, and the page's query count."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import zoneinfo
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import User
from registry.constants import MeasureKind, ReferralOutcome, Register
from registry.models import Referral, RegisterCloseReason, RegisterEntry
from reglament.models import Office, ReglamentVersion
from services import reports
from services.constants import Channel, ResultKind, State
from services.models import Application, RefusalGround, ResultDocument, Service, StepRecord
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db

AQTAU = zoneinfo.ZoneInfo("Asia/Aqtau")
START, END = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
MARCH = {"start": START.isoformat(), "end": END.isoformat()}
_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=AQTAU)


def login(client: Client, user: User, language: str = "en") -> Client:
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


# --- the hand-built data set (rows written directly: the state machine is tested elsewhere) --


def application(
    office: Office,
    service_code: str,
    state: str,
    *,
    registered_at: datetime.datetime | None = None,
    decided_at: datetime.datetime | None = None,
    ground: str | None = None,
    executor: User | None = None,
    result: str | None = None,
) -> Application:
    numbered = state != State.DRAFT
    seq = next(_numbers)
    created = Application.objects.create(
        service=Service.objects.get(code=service_code),
        office=office,
        applicant=ApplicantFactory(),
        channel=Channel.DESK if numbered else Channel.PORTAL,
        state=state,
        reglament_version=ReglamentVersion.objects.filter(service_code=service_code).first(),
        number=f"{office.code}-2026-{seq:06d}" if numbered else None,
        number_year=2026 if numbered else None,
        number_seq=seq if numbered else None,
        registered_at=registered_at,
        decided_at=decided_at,
        executor=executor if state in (State.RESULT_SIGNED, State.REFUSAL_SIGNED, State.ISSUED) else None,
        refusal_ground=RefusalGround.objects.get(code=ground) if ground else None,
        refusal_reason="Основание" if ground else "",
    )
    if result is not None:
        assert executor is not None and decided_at is not None
        ResultDocument.objects.create(
            application=created,
            kind=result,
            content=b"%PDF",
            content_sha256="0" * 64,
            signature=b"cms",
            certificate_serial="01",
            signed_by=executor,
            signed_at=decided_at,
        )
    return created


def applications(office: Office, executor: User) -> None:
    """Aktau, March 2026, with rows just outside the period on either side."""
    kw: dict[str, Any] = {"executor": executor}
    application(
        office,
        "S1",
        State.RESULT_SIGNED,
        registered_at=at(3, 5),
        decided_at=at(3, 5, 11),
        result=ResultKind.NOTIFICATION,
        **kw,
    )
    application(
        office,
        "S1",
        State.ISSUED,
        registered_at=at(3, 6),
        decided_at=at(3, 6, 11),
        result=ResultKind.NOTIFICATION,
        **kw,
    )
    application(office, "S1", State.REGISTERED, registered_at=at(3, 31, 23, 30))
    # Registered in February, refused in March: a refusal of March, not a March intake.
    application(
        office,
        "S1",
        State.REFUSAL_SIGNED,
        registered_at=at(2, 28, 23, 30),
        decided_at=at(3, 2),
        ground="unreliable-documents",
        result=ResultKind.REFUSAL,
        **kw,
    )
    application(
        office,
        "S2",
        State.REFUSAL_SIGNED,
        registered_at=at(3, 10),
        decided_at=at(3, 11),
        ground="s2-unreliable-documents",
        result=ResultKind.REFUSAL,
        **kw,
    )
    application(office, "S2", State.INTAKE_REFUSED, decided_at=at(3, 12), ground="incomplete-package")
    application(office, "S2", State.INTAKE_REFUSED, decided_at=at(3, 13), ground="expired-document")
    application(office, "S2", State.INTAKE_REFUSED, decided_at=at(3, 14), ground="expired-document")
    application(office, "S2", State.REGISTERED, registered_at=at(4, 1, 0, 10))
    application(
        office,
        "S3",
        State.RESULT_SIGNED,
        registered_at=at(3, 15),
        decided_at=at(3, 15, 11),
        result=ResultKind.REFERRAL_EMPLOYMENT,
        **kw,
    )
    application(
        office,
        "S3",
        State.ISSUED,
        registered_at=at(3, 16),
        decided_at=at(3, 16, 11),
        result=ResultKind.REFERRAL_PUBLIC_WORKS,
        **kw,
    )


def reason(code: str, name_en: str) -> RegisterCloseReason:
    return RegisterCloseReason.objects.get_or_create(
        code=code, defaults={"name_ru": f"{name_en} (ru)", "name_kk": f"{name_en} (kk)", "name_en": name_en}
    )[0]


def entry(
    office: Office, register: str, opened: tuple[int, int], closed: tuple[int, int, str] | None = None
) -> RegisterEntry:
    person = application(office, "S1", State.DRAFT)
    return RegisterEntry.objects.create(
        register=register,
        applicant=person.applicant,
        office=office,
        application=person,
        certificate_number="C-1" if register == Register.UNEMPLOYED else "",
        opened_on=datetime.date(2026, *opened),
        closed_on=datetime.date(2026, *closed[:2]) if closed else None,
        close_reason=reason(closed[2], closed[2].replace("-", " ").capitalize()) if closed else None,
    )


def register_entries(office: Office) -> None:
    seekers = Register.JOB_SEEKERS
    entry(office, seekers, (1, 10))  # on the register all along
    entry(office, seekers, (2, 1), (3, 10, "rep-employed"))
    entry(office, seekers, (3, 5))
    entry(office, seekers, (3, 6), (3, 20, "rep-own-request"))
    entry(office, seekers, (1, 1), (2, 28, "rep-employed"))  # closed before the period
    entry(office, seekers, (4, 1))  # entered after it
    entry(office, seekers, (2, 15), (3, 31, "rep-employed"))  # closed on its last day
    entry(office, seekers, (2, 20), (3, 1, "rep-moved-away"))  # closed on its first day
    entry(office, Register.UNEMPLOYED, (2, 1))
    entry(office, Register.UNEMPLOYED, (3, 2), (3, 3, "rep-employed"))


def referral(office: Office, kind: str, outcome: str, issued: tuple[int, int] = (3, 10)) -> Referral:
    person = application(office, "S3", State.DRAFT)
    return Referral.objects.create(
        application=person,
        applicant=person.applicant,
        office=office,
        kind=kind,
        issued_on=datetime.date(2026, *issued),
        outcome=outcome,
        outcome_reason="Не прошёл собеседование" if outcome == ReferralOutcome.NOT_HIRED else "",
        outcome_recorded_at=None if outcome == ReferralOutcome.PENDING else at(3, 25),
    )


def referrals(office: Office) -> None:
    for outcome in (
        ReferralOutcome.HIRED,
        ReferralOutcome.HIRED,
        ReferralOutcome.NOT_HIRED,
        ReferralOutcome.PENDING,
    ):
        referral(office, MeasureKind.EMPLOYMENT, outcome)
    referral(office, MeasureKind.PUBLIC_WORKS, ReferralOutcome.DID_NOT_COME)
    referral(office, MeasureKind.PUBLIC_WORKS, ReferralOutcome.HIRED)
    referral(office, MeasureKind.YOUTH_PRACTICE, ReferralOutcome.PENDING)
    referral(office, MeasureKind.EMPLOYMENT, ReferralOutcome.HIRED, issued=(4, 2))  # after the period


def steps(office: Office, performer: User) -> None:
    """Intake: 3 finished in March, 2 within the norm; review: 2, 1 within;
    one more finished in April."""
    timed = [
        ("intake", at(3, 5), 5),
        ("intake", at(3, 6), 10),
        ("intake", at(3, 7), 12),
        ("review", at(3, 8), 14),
        ("review", at(3, 9), 30),
        ("review", at(4, 1, 9), 1),
    ]
    for code, started, minutes in timed:
        owner = application(office, "S1", State.DRAFT)
        StepRecord.objects.create(
            application=owner,
            procedure=owner.reglament_version.procedures.get(code=code),
            code=code,
            performer=performer,
            norm_minutes=10 if code == "intake" else 15,
            started_at=started,
            due_at=started + datetime.timedelta(minutes=10 if code == "intake" else 15),
            finished_at=started + datetime.timedelta(minutes=minutes),
        )


@pytest.fixture
def data_set(aktau: Office, zhanaozen: Office, executor: User, zhanaozen_executor: User) -> None:
    applications(aktau, executor)
    register_entries(aktau)
    referrals(aktau)
    steps(aktau, executor)
    # Zhanaozen has one of everything: none of it may reach an Aktau report.
    application(
        zhanaozen,
        "S1",
        State.RESULT_SIGNED,
        registered_at=at(3, 5),
        decided_at=at(3, 5, 11),
        result=ResultKind.NOTIFICATION,
        executor=zhanaozen_executor,
    )
    application(zhanaozen, "S2", State.INTAKE_REFUSED, decided_at=at(3, 12), ground="incomplete-package")
    entry(zhanaozen, Register.JOB_SEEKERS, (3, 5))
    referral(zhanaozen, MeasureKind.EMPLOYMENT, ReferralOutcome.HIRED)
    steps(zhanaozen, zhanaozen_executor)


def march(user: User, office: Office | None = None) -> reports.Report:
    scope = reports.report_scope(user=user, office=office)
    return reports.report(user=user, scope=scope, start=START, end=END)


# --- the figures -------------------------------------------------------------------


def test_applications_received_are_counted_per_service_within_the_local_days_of_the_period(
    data_set: None, supervisor: User
) -> None:
    received = {
        r.service_code: (r.registered, r.refused_at_intake, r.received) for r in march(supervisor).received
    }

    assert received == {"S1": (3, 0, 3), "S2": (1, 3, 4), "S3": (2, 0, 2)}


def test_results_are_counted_per_service_and_kind(data_set: None, supervisor: User) -> None:
    results = {(r.service_code, r.kind): r.count for r in march(supervisor).results}

    assert results == {
        ("S1", ResultKind.NOTIFICATION): 2,
        ("S1", ResultKind.REFUSAL): 1,
        ("S2", ResultKind.REFUSAL): 1,
        ("S3", ResultKind.REFERRAL_EMPLOYMENT): 1,
        ("S3", ResultKind.REFERRAL_PUBLIC_WORKS): 1,
    }


def test_refusals_of_intake_and_of_the_service_are_counted_per_ground_separately(
    data_set: None, supervisor: User
) -> None:
    report = march(supervisor)

    assert {(r.service_code, r.ground_code): r.count for r in report.intake_refusals} == {
        ("S2", "expired-document"): 2,
        ("S2", "incomplete-package"): 1,
    }
    assert {(r.service_code, r.ground_code): r.count for r in report.review_refusals} == {
        ("S1", "unreliable-documents"): 1,
        ("S2", "s2-unreliable-documents"): 1,
    }
    assert all(r.ground and r.legal_reference for r in report.intake_refusals + report.review_refusals)


def test_register_sizes_at_the_start_and_the_end_and_the_flows_between_add_up(
    data_set: None, supervisor: User
) -> None:
    registers = {r.register: (r.at_start, r.opened, r.closed, r.at_end) for r in march(supervisor).registers}

    assert registers == {Register.JOB_SEEKERS: (4, 2, 4, 2), Register.UNEMPLOYED: (1, 1, 1, 1)}


def test_register_entries_closed_in_the_period_are_counted_per_reason(
    data_set: None, supervisor: User
) -> None:
    closures = {(r.register, r.reason_code): r.count for r in march(supervisor).closures}

    assert closures == {
        (Register.JOB_SEEKERS, "rep-employed"): 2,
        (Register.JOB_SEEKERS, "rep-moved-away"): 1,
        (Register.JOB_SEEKERS, "rep-own-request"): 1,
        (Register.UNEMPLOYED, "rep-employed"): 1,
    }


def test_referrals_are_counted_per_kind_and_outcome(data_set: None, supervisor: User) -> None:
    rows = {
        r.kind: (r.issued, r.hired, r.not_hired, r.did_not_come, r.pending)
        for r in march(supervisor).referrals
    }

    assert rows == {
        MeasureKind.EMPLOYMENT: (4, 2, 1, 0, 1),
        MeasureKind.YOUTH_PRACTICE: (1, 0, 0, 0, 1),
        MeasureKind.SOCIAL_JOBS: (0, 0, 0, 0, 0),
        MeasureKind.PUBLIC_WORKS: (2, 1, 0, 1, 0),
    }


def test_compliance_with_the_norms_counts_the_steps_finished_in_the_period(
    data_set: None, supervisor: User
) -> None:
    per_step = {r.key: (r.done, r.on_time, r.percent) for r in march(supervisor).compliance["step"]}

    assert per_step == {"intake": (3, 2, 67), "review": (2, 1, 50)}


# --- who sees what ------------------------------------------------------------------


def test_a_zhanaozen_supervisor_sees_nothing_of_aktau(
    client: Client, data_set: None, zhanaozen: Office, aktau: Office
) -> None:
    from applicants.constants import Role
    from tests.factories import UserFactory

    boss = UserFactory(username="supervisor.zhanaozen", office=zhanaozen, role=Role.SUPERVISOR)
    report = march(boss)

    assert report.scope.office == zhanaozen
    assert {r.service_code: r.received for r in report.received} == {"S1": 1, "S2": 1, "S3": 0}
    assert {r.register: r.at_end for r in report.registers}[Register.JOB_SEEKERS] == 1
    assert sum(r.issued for r in report.referrals) == 1
    assert sum(r.done for r in report.compliance["step"]) == 5
    # Asking for Aktau by URL changes nothing: a supervisor has no office to choose.
    text = (
        login(client, boss).get(reverse("services:reports"), {**MARCH, "office": aktau.pk}).content.decode()
    )
    assert zhanaozen.name_ru in text
    assert aktau.name_ru not in text


def test_a_supervisor_cannot_be_given_another_offices_scope(supervisor: User, zhanaozen: Office) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reports.report_scope(user=supervisor, office=zhanaozen)


def test_an_administrator_reports_on_the_whole_region_or_on_one_office(
    data_set: None, administrator: User, zhanaozen: Office
) -> None:
    region = march(administrator)
    one = march(administrator, zhanaozen)

    assert region.scope.office is None
    assert {r.service_code: r.received for r in region.received} == {"S1": 4, "S2": 5, "S3": 2}
    assert {r.service_code: r.received for r in one.received} == {"S1": 1, "S2": 1, "S3": 0}
    assert sum(r.done for r in one.compliance["step"]) == 5


def test_an_administrator_chooses_the_office_on_the_page(
    client: Client, data_set: None, administrator: User, zhanaozen: Office
) -> None:
    response = login(client, administrator).get(
        reverse("services:reports"), {**MARCH, "office": zhanaozen.pk}
    )

    assert response.status_code == 200
    assert response.context["report"].scope.office == zhanaozen
    assert "Whole region" in response.content.decode()


@pytest.mark.parametrize("role_fixture", ["clerk", "executor"])
@pytest.mark.parametrize("name", ["services:reports", "services:reports-csv", "services:reports-xlsx"])
def test_a_clerk_or_an_executor_is_refused_the_reports(
    client: Client, request: pytest.FixtureRequest, role_fixture: str, name: str
) -> None:
    user = request.getfixturevalue(role_fixture)

    assert login(client, user).get(reverse(name), MARCH).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client: Client, aktau: Office) -> None:
    response = client.get(reverse("services:reports-csv"), MARCH)

    assert response.status_code == 302
    assert response.url.startswith(reverse("applicants:staff-login"))  # type: ignore[attr-defined]


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-31", "2026-03-01", "The end of the period is before its start."),
        ("2026-03-01", "2999-01-01", "The period cannot end in the future"),
        ("2999-01-01", "2999-01-02", "The period cannot start in the future"),
        ("2024-01-01", "2025-12-31", "A report covers at most 366 days"),
        ("first of March", "2026-03-31", "Enter the first day of the period as a date"),
        ("2026-03-01", "", "Enter the last day of the period."),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message_and_kept_as_typed(
    client: Client, supervisor: User, start: str, end: str, message: str
) -> None:
    response = login(client, supervisor).get(reverse("services:reports"), {"start": start, "end": end})

    text = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in text
    assert message in text
    assert f'value="{start}"' in text
    assert "Download CSV" not in text


def test_a_download_of_a_bad_period_gets_the_message_not_a_file(client: Client, supervisor: User) -> None:
    response = login(client, supervisor).get(
        reverse("services:reports-xlsx"), {"start": "2026-03-31", "end": "2026-03-01"}
    )

    assert response.status_code == 400
    assert "The end of the period is before its start." in response.content.decode()


def test_an_office_outside_the_list_is_refused_with_a_message(client: Client, administrator: User) -> None:
    response = login(client, administrator).get(reverse("services:reports"), {**MARCH, "office": "999999"})

    assert response.status_code == 400
    assert "Choose one of the offices in the list." in response.content.decode()


# --- the page and the downloads ----------------------------------------------------


def test_the_page_shows_the_tables_and_a_chart_of_each_with_the_same_figures(
    client: Client, data_set: None, supervisor: User
) -> None:
    response = login(client, supervisor).get(reverse("services:reports"), MARCH)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Applications received per service" in text
    assert 'role="img"' in text and "<title" in text
    for shown in response.context["tables"]:
        if shown.chart is not None:
            assert [b.value for b in shown.chart.bars] == [v for _label, v in shown.table.bars()]


def _csv_tables(body: bytes) -> dict[str, list[list[str]]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    tables: dict[str, list[list[str]]] = {}
    blocks, block = [], []
    for line in lines:
        if line:
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    for title, *rows in blocks[1:]:  # the first block is the heading
        tables[title[0]] = rows
    return tables


def _expected(user: User) -> dict[str, list[list[str]]]:
    return {
        t.title: [t.columns, *([str(c) for c in row] for row in t.rows)]
        for t in reports.report_tables(march(user))
    }


def test_the_csv_download_holds_the_figures_of_the_page(
    client: Client, data_set: None, supervisor: User
) -> None:
    response = login(client, supervisor).get(reverse("services:reports-csv"), MARCH)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    tables = _csv_tables(response.content)
    assert tables == _expected(supervisor)
    assert ["S2", "Registration of job seekers as unemployed", "1", "3", "4"] in tables[
        "Applications received per service"
    ]


def test_the_xlsx_download_has_one_sheet_per_table_with_the_same_figures(
    client: Client, data_set: None, supervisor: User
) -> None:
    response = login(client, supervisor).get(reverse("services:reports-xlsx"), MARCH)

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    expected = reports.report_tables(march(supervisor))
    assert len(book.worksheets) == 1 + len(expected)
    for sheet, table in zip(book.worksheets[1:], expected, strict=True):
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == table.title
        assert rows[1] == table.columns
        assert rows[2:] == table.rows
    registers = book.worksheets[1 + [t.key for t in expected].index("registers")]
    assert ["Job seekers", 4, 2, 4, 2] in [list(r) for r in registers.iter_rows(values_only=True)]


def test_the_csv_of_the_region_reads_cyrillic_names_in_russian(
    client: Client, data_set: None, administrator: User
) -> None:
    response = login(client, administrator, "ru").get(reverse("services:reports-csv"), MARCH)

    text = response.content.decode("utf-8-sig")
    assert Service.objects.get(code="S2").name_ru in text


@pytest.mark.parametrize("who", ["supervisor", "administrator"])
def test_the_page_makes_the_same_number_of_queries_with_more_data(
    client: Client,
    request: pytest.FixtureRequest,
    data_set: None,
    aktau: Office,
    zhanaozen: Office,
    executor: User,
    zhanaozen_executor: User,
    who: str,
) -> None:
    login(client, request.getfixturevalue(who))
    client.get(reverse("services:reports"), MARCH)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("services:reports"), MARCH).status_code == 200
    for office, performer in ((aktau, executor), (zhanaozen, zhanaozen_executor)):
        applications(office, performer)
        referrals(office)
        steps(office, performer)
    register_entries(aktau)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("services:reports"), MARCH).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 17


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_page_renders_in_russian_and_kazakh(
    client: Client, data_set: None, supervisor: User, aktau: Office, language: str
) -> None:
    response = login(client, supervisor, language).get(reverse("services:reports"), MARCH)

    text = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in text
    assert getattr(aktau, f"name_{language}") in text
    assert getattr(RegisterCloseReason.objects.get(code="rep-employed"), f"name_{language}") in text


def test_a_name_that_looks_like_a_formula_is_written_as_text(
    client: Client, supervisor: User, aktau: Office
) -> None:
    RegisterCloseReason.objects.create(
        code="rep-formula", name_ru='=HYPERLINK("http://x")', name_en='=HYPERLINK("http://x")'
    )
    entry(aktau, Register.JOB_SEEKERS, (3, 2), (3, 3, "rep-formula"))
    login(client, supervisor)

    csv_text = client.get(reverse("services:reports-csv"), MARCH).content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("services:reports-xlsx"), MARCH).content))

    assert "'=HYPERLINK" in csv_text
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
