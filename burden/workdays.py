"""Working days for lead-time checks, on the county's own working calendar.

The calendar (weekends, public holidays and adjusted working weekends, editable per county) is the one
the demand deadlines use: `core.workcalendar.Clock`. A county without its own calendar follows the
shipped national schedule.
"""

from datetime import date, datetime

from core.workcalendar import Clock


def working_days_between(
    start: datetime | date, end: datetime | date, *, county_id: int | None = None
) -> int:
    """Whole working days after the day of `start` up to and including the day of `end`.

    A task received on Monday morning and due Monday afternoon has 0; due Tuesday, 1.
    """
    return Clock.for_county(county_id).working_days_between(start, end)
