"""Server time of the household list page and the search, on the county-scale demo data.

Usage (after building the county once, see docs/benchmarks.md):
    DATABASE_URL=sqlite:////tmp/main-county.sqlite3 .venv/bin/python bench/registry_pages.py [--runs 60]

Measures in-process server time (request in, response out, through the whole middleware stack)
with Django's test client, as three users of different reach, and the SQL query count per request.
"""

import argparse
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from registry.models import Household, Person  # noqa: E402
from territory.models import Staff  # noqa: E402


def measure(client: Client, urls: list[str], runs: int) -> tuple[list[float], list[int]]:
    times, queries = [], []
    client.get(urls[0])  # warm caches (templates, permissions) once
    for i in range(runs):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    return times, queries


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    print(
        f"database: {connection.vendor}, households={Household.objects.count()}, people={Person.objects.count()}"
    )
    names = list(Person.objects.order_by("id").values_list("name", flat=True)[:2000:97])
    scenarios = {
        "village": [
            "/work/registry/households/",
            "/work/registry/households/?tag=elderly_alone",
            "/work/registry/households/?page=3",
            "/work/registry/people/?tag=elderly_alone",
        ],
        "leader": [
            "/work/registry/households/",
            "/work/registry/households/?occupancy=away&page=5",
            "/work/registry/people/?tag=left_behind_child",
        ],
        "supervisor": [
            "/work/registry/households/",
            "/work/registry/households/?page=200",
            "/work/registry/households/?tag=dibao",
            "/work/registry/people/?min_age=80",
        ],
    }
    searches = [f"/work/registry/search/?q={n}" for n in names[:10]] + [
        "/work/registry/search/?q=wxy",
        "/work/registry/search/?q=三组",
        "/work/registry/search/?q=419901195003128015",
    ]
    print(f"{'user':<11}{'page':<10}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for username, urls in scenarios.items():
        client = Client()
        client.force_login(Staff.objects.get(username=username))
        for label, url_set in (("list", urls), ("search", searches)):
            times, queries = measure(client, url_set, args.runs)
            print(
                f"{username:<11}{label:<10}{statistics.median(times):>9.1f}{pct(times, 95):>9.1f}{max(queries):>9}"
            )


if __name__ == "__main__":
    main()
