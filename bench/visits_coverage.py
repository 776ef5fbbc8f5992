"""Coverage and overdue computation on the county-scale demo (100k households, ~200k visits).

    DJANGO_SETTINGS_MODULE=config.settings.dev DATABASE_URL=sqlite:////tmp/visits-county.sqlite3 \
      .venv/bin/python bench/visits_coverage.py

Reports median and p95 of wall time over repeated runs for a county supervisor (whole county),
a township leader, and a village official's worklist.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from territory.models import Staff  # noqa: E402
from visits import selectors  # noqa: E402
from visits.models import Visit  # noqa: E402


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def fresh(username):
    return Staff.objects.get(username=username)


def main():
    repeat = int(os.environ.get("REPEAT", "5"))
    if connection.vendor == "postgresql" and os.environ.get("PG_NO_PARALLEL"):
        # On a 2-core box shared with other work, launching parallel workers costs more than it saves.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    if connection.vendor == "postgresql" and os.environ.get("PG_NO_JIT"):
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    from registry.models import Household

    print(
        f"database: {connection.vendor}, households {Household.objects.count()}, visits {Visit.objects.count()}"
    )
    print()
    print("| what | user | median s | p95 s | result |")
    print("|---|---|---|---|---|")
    for label, username, fn, show in [
        (
            "coverage (all policies, villages, townships, cadres, 8-week trend)",
            "supervisor",
            lambda u: selectors.coverage(user=u),
            lambda c: f"{c.total.total} under policy, {c.total.share}% on time",
        ),
        (
            "coverage",
            "leader",
            lambda u: selectors.coverage(user=u),
            lambda c: f"{c.total.total} under policy, {c.total.share}% on time",
        ),
        (
            "overdue count (home panel)",
            "supervisor",
            lambda u: selectors.overdue_summary(user=u),
            lambda s: f"{s['overdue']} overdue",
        ),
        ("worklist due list", "village", lambda u: selectors.due_list(user=u), lambda d: f"{len(d)} due"),
    ]:
        user = fresh(username)
        result = fn(user)
        median, p95 = timed(lambda fn=fn, user=user: fn(fresh(user.username)), repeat)
        print(f"| {label} | {username} | {median:.3f} | {p95:.3f} | {show(result)} |")


if __name__ == "__main__":
    main()
