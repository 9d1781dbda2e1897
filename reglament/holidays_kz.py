"""Kazakhstan's public holidays that are days off, as seeds for editable data.

This module only generates a starting point: a data migration uses it to seed
the work calendar, and from then on the calendar is data that administrators
edit. In particular, the government's yearly decrees that move days off and
working days (e.g. a working Saturday in exchange for a bridge day) are not
derived here; administrators enter them each year.

Rules encoded (Labour Code of the Republic of Kazakhstan, art. 85, and the Law
"On holidays in the Republic of Kazakhstan"):

* National and state holidays are days off. When one falls on a Saturday or a
  Sunday, the next working day is a day off ("carried over").
* Religious holidays (Orthodox Christmas, the first day of Kurban Ait) are days
  off but are never carried over.
* Republic Day (25 October) is a day off from 2022; Independence Day was two
  days (16-17 December) before 2022 and is one day (16 December) since.
* Kurban Ait follows the lunar calendar; its dates come from a fixed table, so
  only :data:`SUPPORTED_YEARS` are supported.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

__all__ = ["SUPPORTED_YEARS", "HolidaySeed", "kazakhstan_days_off"]

SUPPORTED_YEARS = range(2015, 2031)

# First day of Kurban Ait as announced by the Spiritual Administration of
# Muslims of Kazakhstan; a new year needs a new row, not a formula.
_KURBAN_AIT: dict[int, date] = {
    2015: date(2015, 9, 24),
    2016: date(2016, 9, 12),
    2017: date(2017, 9, 1),
    2018: date(2018, 8, 21),
    2019: date(2019, 8, 11),
    2020: date(2020, 7, 31),
    2021: date(2021, 7, 20),
    2022: date(2022, 7, 9),
    2023: date(2023, 6, 28),
    2024: date(2024, 6, 16),
    2025: date(2025, 6, 6),
    2026: date(2026, 5, 27),
    2027: date(2027, 5, 16),
    2028: date(2028, 5, 5),
    2029: date(2029, 4, 24),
    2030: date(2030, 4, 13),
}

_CARRIED_OVER = ("перенос", "ауыстырылған", "carried over")

_SATURDAY = 5


class HolidaySeed(NamedTuple):
    day: date
    name_ru: str
    name_kk: str
    name_en: str


class _Names(NamedTuple):
    ru: str
    kk: str
    en: str


_NEW_YEAR = _Names("Новый год", "Жаңа жыл", "New Year")
_ORTHODOX_CHRISTMAS = _Names("Православное Рождество", "Православиелік Рождество", "Orthodox Christmas")
_WOMENS_DAY = _Names("Международный женский день", "Халықаралық әйелдер күні", "International Women's Day")
_NAURYZ = _Names("Наурыз мейрамы", "Наурыз мейрамы", "Nauryz")
_UNITY_DAY = _Names(
    "Праздник единства народа Казахстана",
    "Қазақстан халқының бірлігі мерекесі",
    "Unity Day of the People of Kazakhstan",
)
_DEFENDER_DAY = _Names("День защитника Отечества", "Отан қорғаушы күні", "Defender of the Fatherland Day")
_VICTORY_DAY = _Names("День Победы", "Жеңіс күні", "Victory Day")
_CAPITAL_DAY = _Names("День столицы", "Астана күні", "Capital Day")
_CONSTITUTION_DAY = _Names("День Конституции", "Конституция күні", "Constitution Day")
_REPUBLIC_DAY = _Names("День Республики", "Республика күні", "Republic Day")
_INDEPENDENCE_DAY = _Names("День Независимости", "Тәуелсіздік күні", "Independence Day")
_KURBAN_AIT_NAMES = _Names("Курбан айт", "Құрбан айт", "Kurban Ait")


def kazakhstan_days_off(year: int) -> list[HolidaySeed]:
    """Public holidays of ``year`` that are days off, plus their carried-over days.

    Sorted by date, one entry per date. Raises ValueError for years outside
    :data:`SUPPORTED_YEARS`.
    """
    if year not in SUPPORTED_YEARS:
        raise ValueError(
            f"Kazakhstan holidays are supported for {SUPPORTED_YEARS.start}-"
            f"{SUPPORTED_YEARS.stop - 1} only, got {year}"
        )

    # (day, names, carried over if on a weekend)
    holidays: list[tuple[date, _Names, bool]] = [
        (date(year, 1, 1), _NEW_YEAR, True),
        (date(year, 1, 2), _NEW_YEAR, True),
        (date(year, 1, 7), _ORTHODOX_CHRISTMAS, False),
        (date(year, 3, 8), _WOMENS_DAY, True),
        (date(year, 3, 21), _NAURYZ, True),
        (date(year, 3, 22), _NAURYZ, True),
        (date(year, 3, 23), _NAURYZ, True),
        (date(year, 5, 1), _UNITY_DAY, True),
        (date(year, 5, 7), _DEFENDER_DAY, True),
        (date(year, 5, 9), _VICTORY_DAY, True),
        (date(year, 7, 6), _CAPITAL_DAY, True),
        (date(year, 8, 30), _CONSTITUTION_DAY, True),
        (date(year, 12, 16), _INDEPENDENCE_DAY, True),
        (_KURBAN_AIT[year], _KURBAN_AIT_NAMES, False),
    ]
    if year >= 2022:
        holidays.append((date(year, 10, 25), _REPUBLIC_DAY, True))
    else:
        holidays.append((date(year, 12, 17), _INDEPENDENCE_DAY, True))
    holidays.sort(key=lambda item: item[0])

    days_off = {day for day, _, _ in holidays}
    if len(days_off) != len(holidays):
        # A lunar date landing on a fixed holiday would need a decision about
        # carrying over; refuse rather than guess.
        raise ValueError(f"two holidays share a date in {year}; review the Kurban Ait table")

    seeds = [HolidaySeed(day, names.ru, names.kk, names.en) for day, names, _ in holidays]
    # In date order, so consecutive weekend holidays (Nauryz on Sat+Sun) take
    # consecutive following working days in the same order.
    for day, names, carried in holidays:
        if not carried or day.weekday() < _SATURDAY:
            continue
        substitute = day + timedelta(days=1)
        while substitute.weekday() >= _SATURDAY or substitute in days_off:
            substitute += timedelta(days=1)
        days_off.add(substitute)
        ru, kk, en = _CARRIED_OVER
        seeds.append(
            HolidaySeed(
                substitute,
                f"{names.ru} ({ru})",
                f"{names.kk} ({kk})",
                f"{names.en} ({en})",
            )
        )
    seeds.sort(key=lambda seed: seed.day)
    return seeds
