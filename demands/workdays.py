"""Working-day arithmetic on a county's calendar (weekends off, holidays off, adjusted weekends worked).

Deadlines are computed from server time only: a deadline is the end of the Nth working day after
the day the clock starts.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from demands.models import CalendarDay, WorkingCalendar

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


def official_2026_days() -> list[tuple[date, str, str]]:
    """(date, kind, note) for every 2026 exception to Monday–Friday."""
    days: list[tuple[date, str, str]] = []
    for first, last, name in CN_2026_HOLIDAYS:
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        while d <= end:
            days.append((d, CalendarDay.Kind.HOLIDAY, name))
            d += timedelta(days=1)
    for day, note in CN_2026_WORKDAYS:
        days.append((date.fromisoformat(day), CalendarDay.Kind.WORKDAY, note))
    return days


class Clock:
    """A county's calendar loaded once; answers 'is this a working day' and 'N working days after'."""

    def __init__(self, holidays: set[date], workdays: set[date]):
        self.holidays = holidays
        self.workdays = workdays

    @classmethod
    def for_county(cls, county_id: int | None) -> "Clock":
        holidays: set[date] = set()
        workdays: set[date] = set()
        calendar = WorkingCalendar.objects.filter(county_id=county_id).first() if county_id else None
        if calendar is not None:
            for day, kind in calendar.days.values_list("date", "kind"):
                (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        return cls(holidays, workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after start's (local) date."""
        day = timezone.localtime(start).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        a, b = timezone.localtime(start).date(), timezone.localtime(end).date()
        n = 0
        while a < b:
            a += timedelta(days=1)
            if self.is_working_day(a):
                n += 1
        return n
