"""Working-time arithmetic and Kazakhstan holiday seeds: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglament.holidays_kz import HolidaySeed, kazakhstan_days_off
from reglament.worktime import (
    WorkSchedule,
    add_working_minutes,
    is_valid_due_time,
    is_working_day,
    is_working_time,
    next_working_moment,
    working_minutes_between,
)

AQTAU = ZoneInfo("Asia/Aqtau")
BERLIN = ZoneInfo("Europe/Berlin")

NINE_TO_SIX = ((time(9), time(18)),)
WITH_LUNCH = ((time(9), time(13)), (time(14), time(18)))

FAST = settings(max_examples=200, deadline=None)


def aqtau(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=AQTAU)


def office(**kwargs: object) -> WorkSchedule:
    params: dict[str, object] = {"tz": AQTAU, "intervals": NINE_TO_SIX, **kwargs}
    return WorkSchedule(**params)  # type: ignore[arg-type]


# --- Examples from the reglament -----------------------------------------------------------


def test_a_15_minute_step_started_friday_17_55_is_due_monday_09_10() -> None:
    friday = aqtau(2026, 1, 16, 17, 55)
    assert friday.weekday() == 4

    due = add_working_minutes(office(), friday, 15)

    assert due == aqtau(2026, 1, 19, 9, 10)
    assert due.tzinfo is dt.UTC
    local = due.astimezone(AQTAU)
    assert (local.date(), local.time()) == (date(2026, 1, 19), time(9, 10))


def test_a_5_minute_step_started_friday_17_55_is_due_at_18_00_the_same_day() -> None:
    due = add_working_minutes(office(), aqtau(2026, 1, 16, 17, 55), 5)

    assert due == aqtau(2026, 1, 16, 18, 0)
    assert is_valid_due_time(office(), due)
    assert not is_working_time(office(), due)


def test_a_step_crossing_lunch_resumes_after_the_break() -> None:
    schedule = office(intervals=WITH_LUNCH)

    assert add_working_minutes(schedule, aqtau(2026, 1, 14, 12, 55), 10) == aqtau(2026, 1, 14, 14, 5)


def test_a_step_ending_exactly_at_lunch_is_due_at_13_00_not_14_00() -> None:
    schedule = office(intervals=WITH_LUNCH)

    assert add_working_minutes(schedule, aqtau(2026, 1, 14, 12, 55), 5) == aqtau(2026, 1, 14, 13, 0)


def test_a_step_started_before_opening_starts_counting_at_opening() -> None:
    assert add_working_minutes(office(), aqtau(2026, 1, 14, 7, 30), 10) == aqtau(2026, 1, 14, 9, 10)


def test_a_step_started_during_lunch_starts_counting_after_lunch() -> None:
    schedule = office(intervals=WITH_LUNCH)

    assert add_working_minutes(schedule, aqtau(2026, 1, 14, 13, 20), 10) == aqtau(2026, 1, 14, 14, 10)


def test_a_step_started_on_a_public_holiday_is_due_on_the_next_working_day() -> None:
    nauryz = frozenset({date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23)})
    schedule = office(holidays=nauryz)
    monday_holiday = aqtau(2026, 3, 23, 10, 0)
    assert monday_holiday.weekday() == 0

    assert add_working_minutes(schedule, monday_holiday, 15) == aqtau(2026, 3, 24, 9, 15)


def test_with_the_seeded_2026_calendar_nauryz_and_its_carried_over_days_are_skipped() -> None:
    schedule = office(holidays=frozenset(seed.day for seed in kazakhstan_days_off(2026)))

    due = add_working_minutes(schedule, aqtau(2026, 3, 20, 17, 55), 15)

    assert due == aqtau(2026, 3, 26, 9, 10)


def test_a_transferred_working_saturday_is_worked_with_ordinary_hours() -> None:
    saturday = date(2026, 1, 17)
    schedule = office(extra_working_days=frozenset({saturday}))

    assert is_working_day(schedule, saturday)
    assert add_working_minutes(schedule, aqtau(2026, 1, 16, 17, 55), 15) == aqtau(2026, 1, 17, 9, 10)


def test_a_holiday_is_never_working_even_if_also_listed_as_a_transferred_working_day() -> None:
    saturday = date(2026, 1, 17)
    schedule = office(holidays=frozenset({saturday}), extra_working_days=frozenset({saturday}))

    assert not is_working_day(schedule, saturday)


def test_a_transferred_working_day_on_a_weekday_changes_nothing() -> None:
    wednesday = date(2026, 1, 14)
    schedule = office(extra_working_days=frozenset({wednesday}))

    assert is_working_day(schedule, wednesday)
    assert is_working_day(office(), wednesday)


def test_weekends_are_not_working_days_by_default() -> None:
    assert not is_working_day(office(), date(2026, 1, 17))
    assert not is_working_day(office(), date(2026, 1, 18))
    assert is_working_day(office(), date(2026, 1, 19))


def test_the_result_is_utc_even_when_the_start_is_given_in_another_zone() -> None:
    start_in_utc = aqtau(2026, 1, 14, 10, 0).astimezone(dt.UTC)

    due = add_working_minutes(office(), start_in_utc, 10)

    assert due.tzinfo is dt.UTC
    assert due == aqtau(2026, 1, 14, 10, 10)


def test_the_wall_clock_stays_right_across_a_dst_change() -> None:
    # Berlin switches to summer time on Sunday 2026-03-29; the office opens at
    # 09:00 local time on Monday, i.e. 07:00 UTC instead of 08:00 UTC.
    schedule = WorkSchedule(tz=BERLIN, intervals=NINE_TO_SIX)
    friday = datetime(2026, 3, 27, 17, 55, tzinfo=BERLIN)

    due = add_working_minutes(schedule, friday, 15)

    assert due == datetime(2026, 3, 30, 9, 10, tzinfo=BERLIN)
    assert due == datetime(2026, 3, 30, 7, 10, tzinfo=dt.UTC)


def test_seconds_of_the_start_are_kept() -> None:
    assert add_working_minutes(office(), aqtau(2026, 1, 14, 10, 0, 30), 1) == aqtau(2026, 1, 14, 10, 1, 30)


def test_a_million_minutes_are_added_quickly_and_round_trip() -> None:
    schedule = office(intervals=WITH_LUNCH)
    start = aqtau(2026, 1, 14, 10, 0)

    due = add_working_minutes(schedule, start, 1_000_000)

    assert is_valid_due_time(schedule, due)
    assert working_minutes_between(schedule, start, due) == 1_000_000


# --- Boundaries of working time and due times ----------------------------------------------


def test_opening_time_is_working_time_but_not_a_valid_due_time() -> None:
    opening = aqtau(2026, 1, 14, 9, 0)

    assert is_working_time(office(), opening)
    assert not is_valid_due_time(office(), opening)


def test_closing_time_is_a_valid_due_time_but_not_working_time() -> None:
    closing = aqtau(2026, 1, 14, 18, 0)

    assert is_valid_due_time(office(), closing)
    assert not is_working_time(office(), closing)


def test_nothing_on_a_weekend_is_working_time_or_a_valid_due_time() -> None:
    saturday_noon = aqtau(2026, 1, 17, 12, 0)

    assert not is_working_time(office(), saturday_noon)
    assert not is_valid_due_time(office(), saturday_noon)


def test_the_next_working_moment_of_a_working_moment_is_itself() -> None:
    moment = aqtau(2026, 1, 14, 12, 59, 59)

    assert next_working_moment(office(intervals=WITH_LUNCH), moment) == moment
    assert next_working_moment(office(intervals=WITH_LUNCH), moment).tzinfo is dt.UTC


def test_the_next_working_moment_at_lunch_is_the_end_of_lunch() -> None:
    assert next_working_moment(office(intervals=WITH_LUNCH), aqtau(2026, 1, 14, 13, 0)) == aqtau(
        2026, 1, 14, 14, 0
    )


def test_the_next_working_moment_at_friday_closing_is_monday_opening() -> None:
    assert next_working_moment(office(), aqtau(2026, 1, 16, 18, 0)) == aqtau(2026, 1, 19, 9, 0)


# --- Counting working minutes ----------------------------------------------------------------


def test_working_minutes_between_counts_only_working_intervals() -> None:
    schedule = office(intervals=WITH_LUNCH)

    # Friday 12:00-18:00 with lunch is 5 h, the weekend is nothing, Monday 09:00-10:00 is 1 h.
    assert working_minutes_between(schedule, aqtau(2026, 1, 16, 12), aqtau(2026, 1, 19, 10)) == 360


def test_working_minutes_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    moment = aqtau(2026, 1, 14, 10, 0)

    assert working_minutes_between(office(), moment, moment) == 0
    assert working_minutes_between(office(), moment, moment - timedelta(hours=1)) == 0


def test_working_minutes_between_truncates_the_total_to_whole_minutes() -> None:
    start = aqtau(2026, 1, 14, 10, 0, 30)

    assert working_minutes_between(office(), start, aqtau(2026, 1, 14, 10, 2, 0)) == 1
    assert working_minutes_between(office(), start, aqtau(2026, 1, 14, 10, 2, 29)) == 1
    assert working_minutes_between(office(), start, aqtau(2026, 1, 14, 10, 2, 30)) == 2


def test_working_minutes_between_a_long_stretch_without_working_days_is_zero() -> None:
    never = office(weekend=frozenset(range(7)))

    assert working_minutes_between(never, aqtau(2026, 1, 1), aqtau(2036, 1, 1)) == 0


# --- Validation --------------------------------------------------------------------------------


def test_a_naive_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        add_working_minutes(office(), datetime(2026, 1, 14, 10, 0), 10)  # noqa: DTZ001


def test_a_naive_end_is_rejected() -> None:
    with pytest.raises(ValueError, match="end must be a timezone-aware datetime"):
        working_minutes_between(office(), aqtau(2026, 1, 14), datetime(2026, 1, 15))  # noqa: DTZ001


def test_a_naive_moment_is_rejected() -> None:
    with pytest.raises(ValueError, match="moment must be a timezone-aware datetime"):
        is_working_time(office(), datetime(2026, 1, 14, 10, 0))  # noqa: DTZ001


@pytest.mark.parametrize("minutes", [0, -5])
def test_fewer_than_one_minute_is_rejected(minutes: int) -> None:
    with pytest.raises(ValueError, match=r"minutes must be >= 1"):
        add_working_minutes(office(), aqtau(2026, 1, 14, 10, 0), minutes)


def test_a_schedule_without_intervals_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one working interval"):
        WorkSchedule(tz=AQTAU, intervals=())


def test_an_interval_that_ends_before_it_starts_is_rejected() -> None:
    with pytest.raises(ValueError, match="must start before it ends"):
        WorkSchedule(tz=AQTAU, intervals=((time(18), time(9)),))


def test_an_empty_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="must start before it ends"):
        WorkSchedule(tz=AQTAU, intervals=((time(9), time(9)),))


def test_overlapping_intervals_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlaps or precedes"):
        WorkSchedule(tz=AQTAU, intervals=((time(9), time(13)), (time(12), time(18))))


def test_unsorted_intervals_are_rejected() -> None:
    with pytest.raises(ValueError, match="must be sorted and non-overlapping"):
        WorkSchedule(tz=AQTAU, intervals=((time(14), time(18)), (time(9), time(13))))


def test_intervals_with_their_own_zone_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive local times"):
        WorkSchedule(tz=AQTAU, intervals=((time(9, tzinfo=dt.UTC), time(18, tzinfo=dt.UTC)),))


def test_weekend_days_outside_monday_to_sunday_are_rejected() -> None:
    with pytest.raises(ValueError, match="weekend weekdays must be 0"):
        office(weekend=frozenset({7}))


def test_a_schedule_that_never_works_raises_instead_of_looping() -> None:
    never = office(weekend=frozenset(range(7)))

    with pytest.raises(ValueError, match="no working time within 3660 days"):
        add_working_minutes(never, aqtau(2026, 1, 14), 10)
    with pytest.raises(ValueError, match="no working time"):
        next_working_moment(never, aqtau(2026, 1, 14))


# --- Properties -------------------------------------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn) -> WorkSchedule:
    # At least 30 minutes per interval keeps 5000 minutes within a few years of
    # calendar even for sparse schedules, so examples stay fast.
    count = draw(st.integers(min_value=1, max_value=3))
    cursor = draw(st.integers(min_value=0, max_value=10 * 60))
    intervals = []
    for index in range(count):
        if index:
            cursor += draw(st.integers(min_value=0, max_value=120))
        length = draw(st.integers(min_value=30, max_value=6 * 60))
        if cursor + length >= 24 * 60:
            break
        intervals.append(
            (time(cursor // 60, cursor % 60), time((cursor + length) // 60, (cursor + length) % 60))
        )
        cursor += length
    if not intervals:
        intervals = list(WITH_LUNCH)
    some_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
    return WorkSchedule(
        tz=AQTAU,
        intervals=tuple(intervals),
        weekend=draw(st.frozensets(st.integers(min_value=0, max_value=6), max_size=3)),
        holidays=draw(st.frozensets(some_dates, max_size=40)),
        extra_working_days=draw(st.frozensets(some_dates, max_size=10)),
    )


def local_datetimes(first: date, last: date, tz: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Aware datetimes on local days ``first``..``last`` in ``tz``.

    Hypothesis draws naive bounds; the zone is attached afterwards so every
    wall-clock time of the range is equally likely, including DST gaps.
    """
    naive_bounds = (
        datetime(first.year, first.month, first.day),  # noqa: DTZ001 - hypothesis wants naive
        datetime(last.year, last.month, last.day, 23, 59, 59),  # noqa: DTZ001
    )
    return st.datetimes(*naive_bounds).map(lambda naive: naive.replace(tzinfo=tz))


any_starts = local_datetimes(date(2024, 1, 1), date(2027, 12, 31), AQTAU)
whole_minute_starts = any_starts.map(lambda moment: moment.replace(second=0, microsecond=0))
minutes = st.integers(min_value=1, max_value=5000)


@FAST
@given(schedule=schedules(), start=any_starts, m=minutes)
def test_a_due_time_always_lies_in_working_time_closed_at_the_end(
    schedule: WorkSchedule, start: datetime, m: int
) -> None:
    due = add_working_minutes(schedule, start, m)

    assert due.tzinfo is dt.UTC
    assert due > start
    assert is_valid_due_time(schedule, due)
    # Just before a due time the office is open: the last minute was worked.
    assert is_working_time(schedule, due - timedelta(microseconds=1))


@FAST
@given(schedule=schedules(), first=any_starts, second=any_starts, m=minutes)
def test_a_later_start_never_gives_an_earlier_due_time(
    schedule: WorkSchedule, first: datetime, second: datetime, m: int
) -> None:
    early, late = sorted((first, second))

    assert add_working_minutes(schedule, early, m) <= add_working_minutes(schedule, late, m)


@FAST
@given(schedule=schedules(), start=any_starts, a=minutes, b=minutes)
def test_more_minutes_always_give_a_strictly_later_due_time(
    schedule: WorkSchedule, start: datetime, a: int, b: int
) -> None:
    if a == b:
        b += 1
    fewer, more = sorted((a, b))

    assert add_working_minutes(schedule, start, fewer) < add_working_minutes(schedule, start, more)


@FAST
@given(schedule=schedules(), start=whole_minute_starts, m=minutes)
def test_counting_the_minutes_up_to_the_due_time_gives_back_the_norm(
    schedule: WorkSchedule, start: datetime, m: int
) -> None:
    due = add_working_minutes(schedule, start, m)

    assert working_minutes_between(schedule, start, due) == m


@FAST
@given(schedule=schedules(), start=any_starts, m=minutes)
def test_the_round_trip_also_holds_for_starts_with_seconds(
    schedule: WorkSchedule, start: datetime, m: int
) -> None:
    assert working_minutes_between(schedule, start, add_working_minutes(schedule, start, m)) == m


@FAST
@given(schedule=schedules(), start=any_starts, a=minutes, b=minutes)
def test_two_consecutive_steps_are_due_when_one_step_of_their_sum_is(
    schedule: WorkSchedule, start: datetime, a: int, b: int
) -> None:
    chained = add_working_minutes(schedule, add_working_minutes(schedule, start, a), b)

    assert chained == add_working_minutes(schedule, start, a + b)


@FAST
@given(schedule=schedules(), moment=any_starts)
def test_the_next_working_moment_is_working_time_with_no_working_time_before_it(
    schedule: WorkSchedule, moment: datetime
) -> None:
    nxt = next_working_moment(schedule, moment)

    assert nxt.tzinfo is dt.UTC
    assert nxt >= moment
    assert is_working_time(schedule, nxt)
    assert working_minutes_between(schedule, moment, nxt) == 0
    assert (nxt == moment) == is_working_time(schedule, moment)


@FAST
@given(
    start=local_datetimes(date(2026, 3, 20), date(2026, 11, 1), BERLIN),
    m=minutes,
)
def test_round_trip_and_due_times_hold_in_a_zone_with_dst(start: datetime, m: int) -> None:
    schedule = WorkSchedule(tz=BERLIN, intervals=WITH_LUNCH)

    due = add_working_minutes(schedule, start, m)

    assert is_valid_due_time(schedule, due)
    assert working_minutes_between(schedule, start, due) == m


# --- Kazakhstan holiday seeds ------------------------------------------------------------------


def days_of(year: int) -> dict[date, HolidaySeed]:
    return {seed.day: seed for seed in kazakhstan_days_off(year)}


def test_nauryz_2026_is_21_to_23_march() -> None:
    days = days_of(2026)

    for day in (21, 22, 23):
        assert days[date(2026, 3, day)].name_kk == "Наурыз мейрамы"


def test_nauryz_2026_on_a_weekend_is_carried_over_to_24_and_25_march() -> None:
    days = days_of(2026)
    assert date(2026, 3, 21).weekday() == 5
    assert date(2026, 3, 22).weekday() == 6
    # 23 March is itself a holiday, so the two carried-over days follow it.
    expected = [date(2026, 3, 24), date(2026, 3, 25)]

    for day in expected:
        seed = days[day]
        assert seed.name_ru == "Наурыз мейрамы (перенос)"
        assert seed.name_kk == "Наурыз мейрамы (ауыстырылған)"
        assert seed.name_en == "Nauryz (carried over)"
    assert date(2026, 3, 26) not in days


def test_independence_day_2026_is_16_december_only() -> None:
    days = days_of(2026)

    assert days[date(2026, 12, 16)].name_kk == "Тәуелсіздік күні"
    assert date(2026, 12, 17) not in days


def test_independence_day_before_2022_is_16_and_17_december() -> None:
    days = days_of(2021)

    assert days[date(2021, 12, 16)].name_en == "Independence Day"
    assert days[date(2021, 12, 17)].name_en == "Independence Day"


@pytest.mark.parametrize("year", range(2015, 2022))
def test_there_is_no_republic_day_before_2022(year: int) -> None:
    assert date(year, 10, 25) not in days_of(year)


@pytest.mark.parametrize("year", range(2022, 2031))
def test_republic_day_is_a_day_off_from_2022(year: int) -> None:
    assert days_of(year)[date(year, 10, 25)].name_kk == "Республика күні"


def test_religious_holidays_on_a_weekend_are_not_carried_over() -> None:
    # Orthodox Christmas 2023 is a Saturday, Kurban Ait 2024 a Sunday.
    assert date(2023, 1, 7).weekday() == 5
    assert date(2024, 6, 16).weekday() == 6

    assert date(2023, 1, 9) not in days_of(2023)
    assert days_of(2024)[date(2024, 6, 16)].name_kk == "Құрбан айт"
    assert date(2024, 6, 17) not in days_of(2024)


def test_kurban_ait_follows_the_table() -> None:
    assert days_of(2026)[date(2026, 5, 27)].name_en == "Kurban Ait"
    assert days_of(2015)[date(2015, 9, 24)].name_en == "Kurban Ait"
    assert days_of(2030)[date(2030, 4, 13)].name_en == "Kurban Ait"


@pytest.mark.parametrize("year", [2014, 2031])
def test_an_unsupported_year_is_rejected(year: int) -> None:
    with pytest.raises(ValueError, match=f"supported for 2015-2030 only, got {year}"):
        kazakhstan_days_off(year)


@pytest.mark.parametrize("year", range(2015, 2031))
def test_every_supported_year_has_sorted_unique_named_days_off(year: int) -> None:
    seeds = kazakhstan_days_off(year)
    days = [seed.day for seed in seeds]

    assert days == sorted(days)
    assert len(days) == len(set(days))
    assert all(day.year == year for day in days)
    assert all(seed.name_ru and seed.name_kk and seed.name_en for seed in seeds)
    for seed in seeds:
        if seed.name_en.endswith("(carried over)"):
            assert seed.day.weekday() < 5
            assert seed.name_ru.endswith("(перенос)")
            assert seed.name_kk.endswith("(ауыстырылған)")


@pytest.mark.parametrize("year", range(2015, 2031))
def test_every_non_religious_weekend_holiday_has_exactly_one_carried_over_day(year: int) -> None:
    seeds = kazakhstan_days_off(year)
    religious = {"Orthodox Christmas", "Kurban Ait"}
    on_weekend = [
        s for s in seeds if s.day.weekday() >= 5 and s.name_en not in religious and "carried" not in s.name_en
    ]
    carried = [s for s in seeds if s.name_en.endswith("(carried over)")]

    assert len(carried) == len(on_weekend)
    assert sorted(s.name_en for s in carried) == sorted(f"{s.name_en} (carried over)" for s in on_weekend)
