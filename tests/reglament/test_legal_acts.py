"""L1, L2: the decrees and reglaments seeded as data, the life of a legal act,
the version in force on a day, new editions, and the work calendar."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from reglament.constants import ActStatus, DayKind
from reglament.models import CalendarDay, LegalAct, Region, ReglamentVersion, WorkCalendar
from reglament.selectors import reglament_version_in_force
from reglament.services import reglament_edition_copy
from tests.conftest import training_edition

pytestmark = pytest.mark.django_db

D = datetime.date


def decree(number: str) -> LegalAct:
    return LegalAct.objects.get(region__code="mangystau", kind="decree", number=number)


def seeded_version(service_code: str) -> ReglamentVersion:
    return ReglamentVersion.objects.get(legal_act=decree("272"), service_code=service_code)


def new_act(region: Region | None = None, **fields: object) -> LegalAct:
    params: dict[str, object] = {
        "kind": "decree",
        "region": region,
        "issuer_ru": "Акимат Мангистауской области",
        "number": "1",
        "adopted_on": D(2025, 12, 20),
        "title_ru": "Тестовое постановление",
        **fields,
    }
    return LegalAct.objects.create(**params)


# --- the seeded decrees --------------------------------------------------------------------


def test_decree_342_is_seeded_with_its_registration_and_publication() -> None:
    act = decree("342")

    assert act.adopted_on == D(2015, 11, 4)
    assert act.justice_number == "2900"
    assert act.first_published_on == D(2015, 12, 21)


def test_decree_272_is_seeded_with_its_state_registration() -> None:
    act = decree("272")

    assert act.adopted_on == D(2017, 11, 14)
    assert act.justice_number == "3467"
    assert act.justice_date == D(2017, 11, 30)


def test_decree_272_amends_decree_342() -> None:
    assert list(decree("272").amends.all()) == [decree("342")]


def test_decrees_342_and_272_are_repealed_by_decree_49() -> None:
    decree_49 = decree("49")

    assert decree_49.adopted_on == D(2020, 3, 27)
    assert decree("342").repealed_by == decree_49
    assert decree("272").repealed_by == decree_49


def test_the_seeded_decrees_carry_their_titles_in_russian_kazakh_and_english() -> None:
    for number in ("342", "272", "49"):
        act = decree(number)
        assert act.title_ru and act.title_kk and act.title_en, number


# --- the seeded reglaments -----------------------------------------------------------------


def test_decree_272_approves_one_reglament_version_for_each_of_the_three_services() -> None:
    codes = ReglamentVersion.objects.filter(legal_act=decree("272")).values_list("service_code", flat=True)

    assert sorted(codes) == ["S1", "S2", "S3"]


@pytest.mark.parametrize("service_code", ["S1", "S2", "S3"])
def test_each_seeded_version_runs_from_decree_272_until_the_repeal_by_decree_49(service_code: str) -> None:
    version = seeded_version(service_code)

    assert (version.effective_from, version.effective_to) == (D(2017, 12, 10), D(2020, 4, 6))


@pytest.mark.parametrize("service_code", ["S1", "S2", "S3"])
def test_each_seeded_version_has_intake_review_and_issuance_with_norms_10_15_and_5(service_code: str) -> None:
    procedures = seeded_version(service_code).procedures.order_by("order")

    assert [(p.order, p.code, p.norm_minutes) for p in procedures] == [
        (1, "intake", 10),
        (2, "review", 15),
        (3, "issuance", 5),
    ]


def test_unemployed_registration_is_served_at_the_desk_only() -> None:
    version = seeded_version("S2")

    assert (version.via_desk, version.via_portal) == (True, False)


@pytest.mark.parametrize("service_code", ["S1", "S3"])
def test_job_seeker_registration_and_referrals_are_served_at_the_desk_and_through_the_portal(
    service_code: str,
) -> None:
    version = seeded_version(service_code)

    assert (version.via_desk, version.via_portal) == (True, True)


@pytest.mark.parametrize("service_code", ["S1", "S2", "S3"])
def test_each_seeded_version_is_named_in_russian_kazakh_and_english(service_code: str) -> None:
    version = seeded_version(service_code)

    assert version.title_ru and version.title_kk and version.title_en
    assert version.result_ru and version.result_kk and version.result_en


@pytest.mark.parametrize("service_code", ["S1", "S2", "S3"])
def test_each_seeded_procedure_is_named_in_russian_kazakh_and_english(service_code: str) -> None:
    for procedure in seeded_version(service_code).procedures.all():
        assert procedure.name_ru and procedure.name_kk and procedure.name_en, procedure.code
        assert procedure.outcome_ru and procedure.outcome_kk and procedure.outcome_en, procedure.code


# --- the status of an act on a day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (D(2015, 12, 30), ActStatus.PENDING),
        (D(2016, 6, 1), ActStatus.IN_FORCE),
        (D(2017, 12, 9), ActStatus.IN_FORCE),
        (D(2017, 12, 10), ActStatus.AMENDED),
        (D(2018, 6, 1), ActStatus.AMENDED),
        (D(2020, 4, 5), ActStatus.AMENDED),
        (D(2020, 4, 6), ActStatus.REPEALED),
        (D(2021, 1, 1), ActStatus.REPEALED),
    ],
)
def test_decree_342_is_pending_then_in_force_then_amended_then_repealed(
    day: datetime.date, status: str
) -> None:
    assert decree("342").status_on(day) == status


def test_an_act_with_no_publication_date_and_no_in_force_date_is_pending(region: Region) -> None:
    act = new_act(region)

    assert act.in_force_from is None
    assert act.status_on(D(2030, 1, 1)) == ActStatus.PENDING


# --- L1: put into effect after publication -------------------------------------------------


def test_saving_an_act_puts_it_into_effect_ten_days_after_its_first_publication(region: Region) -> None:
    act = new_act(region, first_published_on=D(2026, 1, 5))

    act.refresh_from_db()
    assert act.in_force_from == D(2026, 1, 15)


def test_an_act_is_pending_the_day_before_it_comes_into_force_and_in_force_on_the_day(region: Region) -> None:
    act = new_act(region, first_published_on=D(2026, 1, 5))

    assert act.status_on(D(2026, 1, 14)) == ActStatus.PENDING
    assert act.status_on(D(2026, 1, 15)) == ActStatus.IN_FORCE


def test_saving_an_act_honours_its_own_effect_delay(region: Region) -> None:
    act = new_act(region, first_published_on=D(2026, 1, 5), effect_delay_days=21)

    act.refresh_from_db()
    assert act.in_force_from == D(2026, 1, 26)


def test_an_explicit_in_force_date_is_kept(region: Region) -> None:
    act = new_act(region, first_published_on=D(2026, 1, 5), in_force_from=D(2026, 2, 1))

    act.refresh_from_db()
    assert act.in_force_from == D(2026, 2, 1)


# --- the version in force on a day ---------------------------------------------------------


def test_the_2017_unemployed_reglament_governs_1_may_2018(region: Region) -> None:
    version = reglament_version_in_force(region=region, service_code="S2", on=D(2018, 5, 1))

    assert version == seeded_version("S2")
    assert version is not None and version.legal_act == decree("272")


def test_the_region_may_be_given_by_its_id(region: Region) -> None:
    version = reglament_version_in_force(region=region.pk, service_code="S2", on=D(2018, 5, 1))

    assert version == seeded_version("S2")


def test_no_reglament_governs_the_day_before_decree_272_came_into_force(region: Region) -> None:
    assert reglament_version_in_force(region=region, service_code="S2", on=D(2017, 12, 9)) is None


def test_no_reglament_governs_a_day_after_the_repeal(region: Region) -> None:
    assert reglament_version_in_force(region=region, service_code="S2", on=D(2021, 1, 1)) is None


def test_a_version_is_in_force_on_its_effective_from_day(region: Region) -> None:
    version = reglament_version_in_force(region=region, service_code="S2", on=D(2017, 12, 10))

    assert version == seeded_version("S2")


def test_a_version_is_no_longer_in_force_on_its_effective_to_day(region: Region) -> None:
    assert reglament_version_in_force(region=region, service_code="S2", on=D(2020, 4, 6)) is None


# --- L2: a new edition ---------------------------------------------------------------------


def test_a_new_edition_closes_the_previous_version_on_its_effective_date(
    region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    training_edition(region, effective_from=D(2026, 6, 1), norms={"review": 30}, number="T-2")

    for previous in current_reglaments:
        previous.refresh_from_db()
        assert previous.effective_to == D(2026, 6, 1), previous.service_code


def test_a_new_edition_copies_the_procedures_with_the_changed_norm(
    region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    created = training_edition(region, effective_from=D(2026, 6, 1), norms={"review": 30}, number="T-2")

    assert sorted(v.service_code for v in created) == ["S1", "S2", "S3"]
    for version in created:
        procedures = version.procedures.order_by("order")
        assert [(p.code, p.norm_minutes) for p in procedures] == [
            ("intake", 10),
            ("review", 30),
            ("issuance", 5),
        ]


def test_a_new_edition_leaves_the_norms_of_the_previous_version_alone(
    region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    training_edition(region, effective_from=D(2026, 6, 1), norms={"review": 30}, number="T-2")

    for previous in current_reglaments:
        assert [p.norm_minutes for p in previous.procedures.order_by("order")] == [10, 15, 5]


def test_a_new_edition_is_approved_by_its_act_and_open_ended(
    region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    act = new_act(region, number="T-2", kind="demo", adopted_on=D(2026, 6, 1), in_force_from=D(2026, 6, 1))

    created = reglament_edition_copy(region=region, legal_act=act, effective_from=D(2026, 6, 1))

    assert {(v.legal_act, v.effective_from, v.effective_to) for v in created} == {(act, D(2026, 6, 1), None)}


def test_after_a_new_edition_exactly_one_version_governs_each_day(
    region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    created = training_edition(region, effective_from=D(2026, 6, 1), norms={"review": 30}, number="T-2")
    new_s2 = next(v for v in created if v.service_code == "S2")
    old_s2 = next(v for v in current_reglaments if v.service_code == "S2")

    assert reglament_version_in_force(region=region, service_code="S2", on=D(2026, 5, 31)) == old_s2
    assert reglament_version_in_force(region=region, service_code="S2", on=D(2026, 6, 1)) == new_s2


@pytest.mark.parametrize("effective_from", [D(2020, 4, 6), D(2019, 4, 6)], ids=["same day", "earlier"])
def test_a_new_edition_not_after_the_latest_one_is_refused_and_changes_nothing(
    region: Region, current_reglaments: list[ReglamentVersion], effective_from: datetime.date
) -> None:
    with pytest.raises(ValidationError) as caught:
        training_edition(region, effective_from=effective_from, number="T-2")

    assert "must start after 06.04.2020" in caught.value.messages[0]

    assert ReglamentVersion.objects.filter(legal_act__number="T-2").count() == 0
    for previous in current_reglaments:
        previous.refresh_from_db()
        assert previous.effective_to is None


# --- the work calendar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lunch_start", "lunch_end"),
    [
        (datetime.time(8, 0), datetime.time(9, 30)),
        (datetime.time(17, 30), datetime.time(18, 30)),
        (datetime.time(14, 0), datetime.time(13, 0)),
    ],
)
def test_a_lunch_break_outside_the_working_day_fails_validation_with_a_message(
    lunch_start: datetime.time, lunch_end: datetime.time
) -> None:
    calendar = WorkCalendar(name="Test office", lunch_start=lunch_start, lunch_end=lunch_end)

    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()

    assert "The lunch break must lie inside the working day." in caught.value.messages


def test_a_calendar_with_no_start_of_the_working_day_fails_validation_instead_of_crashing() -> None:
    calendar = WorkCalendar(name="Test office", work_start=None)

    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()

    assert "work_start" in caught.value.message_dict


def test_a_lunch_break_inside_the_working_day_is_accepted() -> None:
    WorkCalendar(name="Test office").full_clean()


@pytest.mark.parametrize("day", [D(2026, 3, 24), D(2026, 12, 16)])
def test_the_national_seed_marks_the_day_as_a_holiday(day: datetime.date) -> None:
    entry = CalendarDay.objects.get(calendar__isnull=True, day=day)

    assert entry.kind == DayKind.HOLIDAY


@pytest.mark.parametrize("day", [D(2026, 3, 24), D(2026, 12, 16)])
def test_the_office_schedule_of_2026_counts_the_national_holiday_as_a_day_off(day: datetime.date) -> None:
    calendar = WorkCalendar.objects.order_by("pk").first()
    assert calendar is not None

    schedule = calendar.schedule(first_year=2026, last_year=2026)

    assert day in schedule.holidays
