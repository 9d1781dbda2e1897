"""Deadlines in an office's working time (G2, section 4 of DESIGN.md).

Public: ``due_at``, ``working_minutes_left``. The norm always comes from the
governing reglament version; this module only does the arithmetic against
the office's calendar.
"""

from __future__ import annotations

import datetime

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
