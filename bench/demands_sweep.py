"""Benchmark: the demands deadline sweep and the dashboard/list pages on a county year of demands.

Build the county once (50,000 demands, 5,000 open), see bench/demands_build.py:
    DATABASE_URL=sqlite:////tmp/demands-county.sqlite3 .venv/bin/python bench/demands_build.py
Then:
    .venv/bin/python bench/demands_sweep.py /tmp/demands-county.sqlite3
    .venv/bin/python bench/demands_sweep.py postgres://postgres@127.0.0.1:5432/doorstep_demands_bench

The sweep changes data, so it runs on a copy (of the SQLite file; of the PostgreSQL database, made with
CREATE DATABASE … TEMPLATE and dropped at exit). Prints medians and p95s, and the load average.
"""

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pg_copy(url: str) -> str:
    import psycopg

    base, name = url.rsplit("/", 1)
    copy = f"{name}_run{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')

    atexit.register(drop)
    return f"{base}/{copy}"


def _setup(db: str) -> None:
    if db.startswith("postgres"):
        os.environ["DATABASE_URL"] = _pg_copy(db)
    else:
        work = Path(tempfile.gettempdir()) / f"demands-bench-{os.getpid()}.sqlite3"
        shutil.copyfile(db, work)
        atexit.register(
            lambda: [Path(f"{work}{suffix}").unlink(missing_ok=True) for suffix in ("", "-wal", "-shm")]
        )
        os.environ["DATABASE_URL"] = f"sqlite:///{work}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEMANDS_NOTIFY_BACKEND = "demands.notify.MemorySender"
    settings.DEBUG = False


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _time_pages(client, urls: dict, rounds: int, cold: bool = False) -> dict:
    from django.core.cache import cache

    out = {}
    for label, url in urls.items():
        client.get(url)  # warm
        samples = []
        for _ in range(rounds):
            if cold:
                cache.clear()  # the dashboard's five-minute cache: measure the full recomputation
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        out[label] = (statistics.median(samples), _pct(samples, 0.95))
    return out


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def settings_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _cold_pair(client, username: str, rounds: int) -> dict:
    from django.core.cache import cache

    from demands import selectors

    real = selectors.dashboard

    def before(**kwargs):
        return real(**kwargs, live=True)

    samples: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(rounds + 1):
        for label in ("before", "after") if i % 2 else ("after", "before"):
            selectors.dashboard = before if label == "before" else real
            try:
                cache.clear()
                t0 = time.perf_counter()
                response = client.get("/work/demands/dashboard/")
                elapsed = (time.perf_counter() - t0) * 1000
            finally:
                selectors.dashboard = real
            assert response.status_code == 200
            if i:  # the first pair warms up
                samples[label].append(elapsed)
    return {
        f"{username} dashboard cold, {label}": (statistics.median(v), _pct(v, 0.95))
        for label, v in samples.items()
    }


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: bench/demands_sweep.py PATH/TO/county.sqlite3 | postgres://…/doorstep_demands_bench")
    db = sys.argv[1]
    rounds = int(os.environ.get("ROUNDS", "30"))
    _setup(db)
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from demands.models import Demand
    from demands.services import OPEN_STATUSES, deadline_sweep
    from territory.models import Staff

    total = Demand.objects.count()
    open_n = Demand.objects.filter(status__in=OPEN_STATUSES).count()
    print(f"demands: {total}, open: {open_n}; database: {settings_vendor()}; {_load()}")

    # Pages first (before the sweep rewrites flags): county supervisor, department handler, township leader, village.
    client = Client()
    results = {}
    for username in ("supervisor", "handler", "leader", "village"):
        user = Staff.objects.get(username=username)
        client.force_login(user)
        pages = _time_pages(
            client,
            {
                f"{username} dashboard (cached)": "/work/demands/dashboard/",
                f"{username} list": "/work/demands/",
                f"{username} list open": "/work/demands/?status=open",
            },
            rounds,
        )
        results.update(pages)
        # Cold: the five-minute cache cleared before every request. "before" forces the pass over the
        # demands (what every dashboard did before the monthly counts); "after" is what the page does now.
        # The two alternate request by request, so load on the machine hits both alike.
        results.update(_cold_pair(client, username, rounds))
        client.logout()
    print(f"\npages ({rounds} requests each, ms; {_load()}):")
    print(f"{'page':32} {'median':>8} {'p95':>8}")
    for label, (median, p95) in results.items():
        print(f"{label:32} {median:8.1f} {p95:8.1f}")

    # Sweep 1: as scheduled now (reminders for the next 24 h, escalations of fresh breaches).
    now = timezone.now()
    t0 = time.perf_counter()
    stats = deadline_sweep(now=now)
    print(f"\nsweep now: {stats} in {time.perf_counter() - t0:.2f}s")
    # Sweep 2 (worst case): clear every flag and sweep 60 days ahead, so all open demands breach at once.
    Demand.objects.filter(status__in=OPEN_STATUSES).update(
        accept_reminded=False,
        resolve_reminded=False,
        accept_breached=False,
        resolve_breached=False,
        escalated_to=None,
    )
    t0 = time.perf_counter()
    stats = deadline_sweep(now=now + timedelta(days=60))
    print(f"sweep worst case (every open demand breaches): {stats} in {time.perf_counter() - t0:.2f}s")
    # Sweep 3: the idle case, nothing left to do.
    t0 = time.perf_counter()
    stats = deadline_sweep(now=now + timedelta(days=60))
    print(f"sweep idle re-run: {stats} in {time.perf_counter() - t0:.3f}s")
    escalated = Demand.objects.filter(~Q(escalated_to=None), status__in=OPEN_STATUSES).count()
    print(f"open demands now escalated: {escalated}")
    print(_load())


if __name__ == "__main__":
    main()
