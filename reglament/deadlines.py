"""Deadlines in an office's working time (G2, section 4 of DESIGN.md).

Public: ``due_at``, ``working_minutes_between``, ``Clock``, ``OfficeClocks``. The norm always comes from the
governing reglament version; this module only does the arithmetic against
the office's calendar.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from reglament import worktime
from reglament.models import Office

# Enough calendar years ahead for any norm the reglaments set (minutes to
# days); the schedule itself refuses to run past its data.
_YEARS_AHEAD = 1


def _schedule(office: Office, moment: datetime.datetime) -> worktime.WorkSchedule:
    year = moment.astimezone(office.tz).year
    return office.calendar.schedule(first_year=year, last_year=year + _YEARS_AHEAD)


def due_at(*, office: Office, start: datetime.datetime, norm_minutes: int) -> datetime.datetime:
    """When a step started at ``start`` with a norm of ``norm_minutes`` is due."""
    return worktime.add_working_minutes(_schedule(office, start), start, norm_minutes)


def working_minutes_between(*, office: Office, start: datetime.datetime, end: datetime.datetime) -> int:
    return worktime.working_minutes_between(_schedule(office, start), start, end)


@dataclass(frozen=True)
class Clock:
    """A step's clock as people read it: the due time in the office's zone
    and the working minutes left (or past)."""

    due_local: datetime.datetime
    minutes_left: int
    overdue_minutes: int

    @property
    def overdue(self) -> bool:
        return self.overdue_minutes > 0


class OfficeClocks:
    """Clocks of many steps of one office with one calendar query."""

    def __init__(self, office: Office, now: datetime.datetime) -> None:
        self.office = office
        self.now = now
        year = now.astimezone(office.tz).year
        self.schedule = office.calendar.schedule(first_year=year - 1, last_year=year + _YEARS_AHEAD)

    def clock(self, due: datetime.datetime) -> Clock:
        if due >= self.now:
            left = worktime.working_minutes_between(self.schedule, self.now, due)
            return Clock(due.astimezone(self.office.tz), left, 0)
        late = worktime.working_minutes_between(self.schedule, due, self.now)
        return Clock(due.astimezone(self.office.tz), 0, max(late, 1))
