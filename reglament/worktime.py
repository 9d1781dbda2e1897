"""Working-time arithmetic for service norms: pure functions, no Django.

This module owns the answer to "when is a step due?" and "how much working
time has passed?" for a norm expressed in working minutes. An office's working
time is described by a :class:`WorkSchedule` (ordinary daily intervals in the
office's zone, weekend weekdays, public holidays and transferred working days).
Loading a schedule from the database is someone else's job; everything here
works on plain values so it can be tested exhaustively and reused anywhere.

Conventions
-----------
* Working time is the union of the half-open intervals ``[start, end)`` of each
  working day, in local wall-clock time of ``schedule.tz``.
* A due time lies in ``(start, end]``: a norm that uses up an interval exactly
  is due at the interval's end (18:00), not at the start of the next one.
* Durations are real elapsed time: each interval's bounds are built in the
  zone and converted to UTC, so DST days have their true length.
* Results are aware datetimes in UTC; inputs may be in any zone but must be
  aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_IDLE_DAYS",
    "WorkSchedule",
    "add_working_minutes",
    "is_valid_due_time",
    "is_working_day",
    "is_working_time",
    "next_working_moment",
    "working_minutes_between",
]

# Ten years and change: longer than any real run of days off, short enough that
# a schedule with no working days at all fails fast instead of looping forever.
MAX_IDLE_DAYS = 3660

_ONE_MINUTE = timedelta(minutes=1)
_ONE_DAY = timedelta(days=1)

Interval = tuple[time, time]


@dataclass(frozen=True)
class WorkSchedule:
    """The working time of one office.

    ``intervals`` are the working intervals of an ordinary working day in local
    time, e.g. ``((time(9), time(13)), (time(14), time(18)))`` for a lunch
    break 13:00-14:00. ``weekend`` holds weekday numbers (Monday=0).
    ``holidays`` are days off even on a weekday; ``extra_working_days`` are
    transferred working days, i.e. weekend dates worked with the ordinary
    intervals.
    """

    tz: ZoneInfo
    intervals: tuple[Interval, ...]
    weekend: frozenset[int] = field(default=frozenset({5, 6}))
    holidays: frozenset[date] = field(default=frozenset())
    extra_working_days: frozenset[date] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.intervals:
            raise ValueError("WorkSchedule needs at least one working interval")
        previous_end: time | None = None
        for index, (start, end) in enumerate(self.intervals):
            if start.tzinfo is not None or end.tzinfo is not None:
                # The zone belongs to the schedule; a second zone on the times
                # would silently disagree with it.
                raise ValueError(
                    f"interval {index} ({start}-{end}) must use naive local times; "
                    "the zone is WorkSchedule.tz"
                )
            if not start < end:
                raise ValueError(
                    f"interval {index} ({start}-{end}) must start before it ends "
                    "(intervals cannot cross midnight)"
                )
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    f"interval {index} ({start}-{end}) overlaps or precedes the previous "
                    f"interval ending at {previous_end}; intervals must be sorted and "
                    "non-overlapping"
                )
            previous_end = end
        bad_weekdays = sorted(d for d in self.weekend if not 0 <= d <= 6)
        if bad_weekdays:
            raise ValueError(f"weekend weekdays must be 0 (Monday) .. 6 (Sunday), got {bad_weekdays}")


def is_working_day(schedule: WorkSchedule, day: date) -> bool:
    """Whether ``day`` is a working day of the schedule.

    A date in ``holidays`` is never working, even if it is also listed in
    ``extra_working_days`` (a data-entry conflict must not create working time
    on a public holiday). ``extra_working_days`` only matters for weekend
    dates: a weekday that is not a holiday is working anyway.
    """
    if day in schedule.holidays:
        return False
    if day.weekday() in schedule.weekend:
        return day in schedule.extra_working_days
    return True


def is_working_time(schedule: WorkSchedule, moment: datetime) -> bool:
    """Whether ``moment`` is inside working time, i.e. in some ``[start, end)``.

    This is the "is the office open?" question; for "may a step be due now?"
    use :func:`is_valid_due_time`, which is closed at the end instead.
    """
    _require_aware(moment, "moment")
    return any(start <= moment < end for start, end in _intervals_on(schedule, _local_day(schedule, moment)))


def is_valid_due_time(schedule: WorkSchedule, moment: datetime) -> bool:
    """Whether ``moment`` can be a due time: ``start < moment <= end`` on a working day."""
    _require_aware(moment, "moment")
    return any(start < moment <= end for start, end in _intervals_on(schedule, _local_day(schedule, moment)))


def next_working_moment(schedule: WorkSchedule, moment: datetime) -> datetime:
    """The first working moment at or after ``moment``, in UTC.

    ``moment`` itself if it is inside ``[start, end)`` of an interval, else the
    start of the next interval. Raises ValueError if there is no working time
    within :data:`MAX_IDLE_DAYS` days.
    """
    _require_aware(moment, "moment")
    moment_utc = moment.astimezone(dt.UTC)
    for start, end in _working_intervals_from(schedule, moment_utc):
        if end <= moment_utc:
            continue
        return max(start, moment_utc)
    raise AssertionError("unreachable: _working_intervals_from is infinite or raises")


def add_working_minutes(schedule: WorkSchedule, start: datetime, minutes: int) -> datetime:
    """When a step of ``minutes`` working minutes started at ``start`` is due (UTC).

    If ``start`` is outside working time the clock starts at the next working
    moment. The result satisfies :func:`is_valid_due_time`: a step that ends
    exactly at the close of an interval is due at that close. Seconds of
    ``start`` are kept, so the elapsed working time is exactly ``minutes``.
    Cost is one constant-size step per calendar day crossed.
    """
    _require_aware(start, "start")
    # bool is an int subclass; True minutes is almost certainly a bug upstream.
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError(f"minutes must be an int, got {minutes!r}")
    if minutes < 1:
        raise ValueError(f"minutes must be >= 1, got {minutes}")

    start_utc = start.astimezone(dt.UTC)
    remaining = timedelta(minutes=minutes)
    for interval_start, interval_end in _working_intervals_from(schedule, start_utc):
        if interval_end <= start_utc:
            continue
        segment_start = max(interval_start, start_utc)
        available = interval_end - segment_start
        if available <= timedelta(0):
            # Only possible for intervals squeezed by a DST transition.
            continue
        # `<=` puts a due time that exhausts the interval at its end, the
        # closed-at-end convention; `remaining > 0` keeps it after the start.
        if remaining <= available:
            return segment_start + remaining
        remaining -= available
    raise AssertionError("unreachable: _working_intervals_from is infinite or raises")


def working_minutes_between(schedule: WorkSchedule, start: datetime, end: datetime) -> int:
    """Whole working minutes in ``[start, end)``; 0 if ``end <= start``.

    The working time is summed exactly and the total is truncated to whole
    minutes once (not each bound separately), so for any ``start``:
    ``working_minutes_between(s, start, add_working_minutes(s, start, m)) == m``.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    start_utc = start.astimezone(dt.UTC)
    end_utc = end.astimezone(dt.UTC)
    if end_utc <= start_utc:
        return 0

    total = timedelta(0)
    day = _local_day(schedule, start_utc)
    last_day = _local_day(schedule, end_utc)
    # Bounded by the calendar span, so no idle-day guard is needed here.
    while day <= last_day:
        for interval_start, interval_end in _intervals_on(schedule, day):
            overlap = min(interval_end, end_utc) - max(interval_start, start_utc)
            if overlap > timedelta(0):
                total += overlap
        day += _ONE_DAY
    return total // _ONE_MINUTE


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _local_day(schedule: WorkSchedule, moment: datetime) -> date:
    return moment.astimezone(schedule.tz).date()


def _intervals_on(schedule: WorkSchedule, day: date) -> list[tuple[datetime, datetime]]:
    """The working intervals of ``day`` as UTC datetimes; empty on a day off."""
    if not is_working_day(schedule, day):
        return []
    # Build each bound from local wall-clock time in the zone, then convert:
    # adding timedeltas to local datetimes would be wrong across DST changes.
    return [
        (
            datetime.combine(day, start, tzinfo=schedule.tz).astimezone(dt.UTC),
            datetime.combine(day, end, tzinfo=schedule.tz).astimezone(dt.UTC),
        )
        for start, end in schedule.intervals
    ]


def _working_intervals_from(
    schedule: WorkSchedule, moment_utc: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (UTC) from the local day of ``moment_utc`` on, without end.

    Raises ValueError after MAX_IDLE_DAYS consecutive days without working
    time, which is how a schedule that never works is reported instead of
    looping forever.
    """
    day = _local_day(schedule, moment_utc)
    idle_days = 0
    while True:
        intervals = _intervals_on(schedule, day)
        if intervals:
            idle_days = 0
            yield from intervals
        else:
            idle_days += 1
            if idle_days >= MAX_IDLE_DAYS:
                raise ValueError(
                    f"no working time within {MAX_IDLE_DAYS} days after "
                    f"{moment_utc.isoformat()}; check the schedule's weekend and holidays"
                )
        day += _ONE_DAY
