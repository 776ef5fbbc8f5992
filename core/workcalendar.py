"""The one working calendar: weekends off, public holidays off, adjusted weekends (调休) worked.

Any app that counts working days (demand deadlines, task lead times) asks `Clock.for_county(county_id)`.
The days themselves are data: the demands app keeps each county's editable calendar and registers it
here as the source (`register_source`), so no app has to import another app's models for the
calendar, and this module imports no app. A county without its own calendar follows the national
schedule shipped below.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.utils import timezone

# The State Council's 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号).
# Cross-checked date by date against the `chinesecalendar` package 1.11.0 (holidays and workdays for 2026).
CN_2026_HOLIDAYS: list[tuple[str, str, str]] = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
CN_2026_WORKDAYS: list[tuple[str, str]] = [
    ("2026-01-04", "元旦调休上班"),
    ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"),
    ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"),
    ("2026-10-10", "国庆节调休上班"),
]
HOLIDAY, WORKDAY = "holiday", "workday"


def national_days() -> list[tuple[date, str, str]]:
    """(date, "holiday"|"workday", note) for every shipped exception to Monday–Friday."""
    days: list[tuple[date, str, str]] = []
    for first, last, name in CN_2026_HOLIDAYS:
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        while d <= end:
            days.append((d, HOLIDAY, name))
            d += timedelta(days=1)
    for day, note in CN_2026_WORKDAYS:
        days.append((date.fromisoformat(day), WORKDAY, note))
    return days


# county id -> (holidays, workdays), or None when the county keeps no calendar of its own.
Source = Callable[[int], tuple[set[date], set[date]] | None]
_source: Source | None = None


def register_source(source: Source) -> None:
    """Called once by the app that stores counties' calendars (demands)."""
    global _source  # noqa: PLW0603 - one registry, set at start-up
    _source = source


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


class Clock:
    """A calendar loaded once; answers 'is this a working day' and 'N working days after'."""

    def __init__(self, holidays: set[date], workdays: set[date]):
        self.holidays = holidays
        self.workdays = workdays

    @classmethod
    def national(cls) -> "Clock":
        days = national_days()
        return cls({d for d, k, _n in days if k == HOLIDAY}, {d for d, k, _n in days if k == WORKDAY})

    @classmethod
    def for_county(cls, county_id: int | None) -> "Clock":
        found = _source(county_id) if _source is not None and county_id else None
        return cls(*found) if found is not None else cls.national()

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after start's (local) date."""
        day = _as_date(start)
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Whole working days after the day of `start` up to and including the day of `end` (0 if none)."""
        a, b = _as_date(start), _as_date(end)
        n = 0
        while a < b:
            a += timedelta(days=1)
            if self.is_working_day(a):
                n += 1
        return n
