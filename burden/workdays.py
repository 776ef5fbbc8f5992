"""Working days for lead-time checks: Monday to Friday, minus a small list of public holidays.

The demands app builds a full working calendar (with make-up working days, 调休) in parallel;
after the merge both apps should share that one calendar instead of this list.
"""

from datetime import date, datetime, timedelta

# Statutory holidays (weekdays only matter). 2026 and 2027 as announced by the State Council;
# make-up Saturdays are ignored here on purpose: the floor check errs in the cadre's favour.
HOLIDAYS: frozenset[date] = frozenset(
    [
        date(2026, 1, 1),
        date(2026, 1, 2),
        *(date(2026, 2, d) for d in range(16, 24)),
        date(2026, 4, 6),
        *(date(2026, 5, d) for d in range(1, 6)),
        date(2026, 6, 19),
        date(2026, 9, 25),
        *(date(2026, 10, d) for d in range(1, 8)),
        date(2027, 1, 1),
        *(date(2027, 2, d) for d in range(5, 12)),
        date(2027, 4, 5),
        *(date(2027, 5, d) for d in range(1, 6)),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *(date(2027, 10, d) for d in range(1, 8)),
    ]
)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def working_days_between(start: datetime | date, end: datetime | date) -> int:
    """Whole working days after the day of `start` up to and including the day of `end`.

    A task received on Monday morning and due Monday afternoon has 0; due Tuesday, 1.
    """
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    if last <= first:
        return 0
    days, day = 0, first + timedelta(days=1)
    while day <= last:
        days += is_working_day(day)
        day += timedelta(days=1)
    return days
