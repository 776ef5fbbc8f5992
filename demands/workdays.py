"""Each county's working calendar, as data the county edits (WorkingCalendar + CalendarDay).

The arithmetic and the shipped national schedule live in `core.workcalendar`, shared with burden;
this module is the calendar's source (registered in DemandsConfig.ready). Deadlines are computed from
server time only: a deadline is the end of the Nth working day after the day the clock starts.
"""

from datetime import date

from core.workcalendar import CN_2026_HOLIDAYS, CN_2026_WORKDAYS, Clock, national_days  # noqa: F401
from demands.models import CalendarDay, WorkingCalendar


def official_2026_days() -> list[tuple[date, str, str]]:
    """(date, kind, note) for every 2026 exception to Monday–Friday."""
    kinds = {"holiday": CalendarDay.Kind.HOLIDAY, "workday": CalendarDay.Kind.WORKDAY}
    return [(d, kinds[k], note) for d, k, note in national_days() if d.year == 2026]


def county_days(county_id: int) -> tuple[set[date], set[date]] | None:
    """The county's own holidays and adjusted workdays, or None if it keeps no calendar."""
    # The calendar and its days in one query (every new demand reads them): no row means no calendar, a
    # calendar without days comes back as one row of NULLs.
    rows = WorkingCalendar.objects.filter(county_id=county_id).values_list("days__date", "days__kind")
    holidays: set[date] = set()
    workdays: set[date] = set()
    found = False
    for day, kind in rows:
        found = True
        if day is not None:
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    return (holidays, workdays) if found else None
