"""Per-endpoint cost of the load test's requests, in-process, against the prod-local county data.

    set -a; . var/prod-local-county/env; set +a
    .venv/bin/python bench/load_profile.py --plan var/load/<run>/plan.json [--n 15] [--only worklist,coverage]
    .venv/bin/python bench/load_profile.py --plan ... --profile coverage   # pyinstrument tree (pip install pyinstrument)

The same requests as bench/locustfile.py, through Django's test client with config.settings.prod
(Redis sessions and cache, PostgreSQL), one user of each kind signed in with force_login. For each
endpoint: the median wall time, the median CPU time of this process (Python: middleware, views,
templates, psycopg), the number of SQL queries and the time spent waiting on them. PostgreSQL's own
CPU is not in "cpu ms"; it is roughly "db ms" on an idle machine. docs/bench/load.md uses these figures.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from demands.models import Demand  # noqa: E402
from territory.models import Staff  # noqa: E402

HOST = "127.0.0.1"
endpoints_pending: list[int] = []


class Timer:
    """Counts queries and the time spent in them (connection.execute_wrapper)."""

    def __init__(self):
        self.queries = 0
        self.db = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.db += time.perf_counter() - t
            self.queries += 1


def endpoints(plan: dict) -> dict:
    official = plan["officials"][0]
    cadre = plan["cadres"][0]
    handler = plan["handlers"][0]
    sent: list[dict] = []

    def visit_body():
        body = {
            "household_id": random.choice(official["households"]),  # noqa: S311
            "mode": "in_person",
            "note": "负载测试：入户了解近况",
            "client_id": str(uuid.uuid4()),
        }
        sent.append(body)
        return body

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {official['token']}"}
    # Demands still pending in the handler's department now (earlier runs accepted some of the plan's).
    handler_staff = Staff.objects.get(username=handler["username"])
    pending = list(
        Demand.objects.filter(owner_department=handler_staff.department, status=Demand.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    endpoints_pending.extend(pending)
    return {
        # name: (who, method, path or callable, kwargs factory, expected status)
        "worklist (official)": ("official", "get", lambda: "/work/visits/", dict, 200),
        "households": ("official", "get", lambda: "/work/registry/households/", dict, 200),
        "household": (
            "official",
            "get",
            lambda: f"/work/registry/households/{random.choice(official['households'])}/",  # noqa: S311
            dict,
            200,
        ),
        "visit new (API)": (
            None,
            "post",
            lambda: "/api/v1/visits/visits",
            lambda: {"data": visit_body(), "content_type": "application/json", **bearer},
            201,
        ),
        "visit resend (API)": (
            None,
            "post",
            lambda: "/api/v1/visits/visits",
            lambda: {"data": sent[0] if sent else visit_body(), "content_type": "application/json", **bearer},
            200,
        ),
        "coverage (cadre)": ("cadre", "get", lambda: "/work/visits/coverage/", dict, 200),
        "planner form (cadre)": ("cadre", "get", lambda: "/work/visits/plans/", dict, 200),
        "due (API, cadre)": (
            "cadre",
            "get",
            lambda: f"/api/v1/visits/due?village={random.choice(cadre['villages'])}",  # noqa: S311
            dict,
            200,
        ),
        "worklist (cadre)": ("cadre", "get", lambda: "/work/visits/", dict, 200),
        "demand list": ("handler", "get", lambda: "/work/demands/", dict, 200),
        "demand detail": (
            "handler",
            "get",
            lambda: f"/work/demands/{random.choice(plan['browse_demands'])}/",  # noqa: S311
            dict,
            200,
        ),
        "demand accept (API)": (
            None,
            "post",
            lambda: f"/api/v1/demands/demands/{pending.pop()}/accept",
            lambda: {"HTTP_AUTHORIZATION": f"Bearer {handler['token']}"},
            200,
        ),
        "portal home": (None, "get", lambda: "/", dict, 200),
        "portal article": (None, "get", lambda: random.choice(plan["articles"]), dict, 200),  # noqa: S311
        "demand form (public)": (None, "get", lambda: "/service/demand/", dict, 200),
        "open311 services": (None, "get", lambda: "/open311/v2/services.json", dict, 200),
        "open311 requests": (None, "get", lambda: "/open311/v2/requests.json", dict, 200),
        "open311 new": (
            None,
            "post",
            lambda: "/open311/v2/requests.json",
            lambda: {
                "data": {
                    "api_key": plan["open311_key"],
                    "service_code": random.choice(plan["services"]),  # noqa: S311
                    "address_id": random.choice(plan["villages"]),  # noqa: S311
                    "description": "负载测试：路灯不亮，晚上出行不便",
                    "last_name": "测",
                    "first_name": "试",
                },
                "REMOTE_ADDR": f"10.9.{random.randrange(256)}.{random.randrange(256)}",  # noqa: S311 - rate limit
            },
            201,
        ),
        "healthz": (None, "get", lambda: "/healthz", dict, 200),
    }


# Each endpoint's share of the locustfile's requests: users' weights (officials 5, cadres 2, handlers 2,
# residents 5 of 14, all at the same pace) times their task weights.
SHARE = {
    "worklist (official)": 5 / 14 * 3 / 12,
    "households": 5 / 14 * 3 / 12,
    "household": 5 / 14 * 3 / 12,
    "visit new (API)": 5 / 14 * 2 / 12,
    "visit resend (API)": 5 / 14 * 1 / 12,
    "coverage (cadre)": 2 / 14 * 2 / 7,
    "planner form (cadre)": 2 / 14 * 1 / 7,
    "due (API, cadre)": 2 / 14 * 2 / 7,
    "worklist (cadre)": 2 / 14 * 2 / 7,
    "demand list": 2 / 14 * 3 / 7,
    "demand detail": 2 / 14 * 3 / 7,
    "demand accept (API)": 2 / 14 * 1 / 7,
    "portal home": 5 / 14 * 4 / 14,
    "portal article": 5 / 14 * 4 / 14,
    "demand form (public)": 5 / 14 * 1 / 14,
    "open311 services": 5 / 14 * 2 / 14,
    "open311 requests": 5 / 14 * 2 / 14,
    "open311 new": 5 / 14 * 1 / 14,
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--plan", required=True)
    p.add_argument("--n", type=int, default=15)
    p.add_argument("--only", default="")
    p.add_argument("--profile", default="", help="endpoint name (substring): print a pyinstrument tree")
    p.add_argument("--json", default="", help="also write the table as JSON here")
    a = p.parse_args()
    plan = json.loads(Path(a.plan).read_text(encoding="utf-8"))
    random.seed(9)

    clients = {None: Client(HTTP_HOST=HOST)}
    for who, username in (
        ("official", plan["officials"][0]["username"]),
        ("cadre", plan["cadres"][0]["username"]),
        ("handler", plan["handlers"][0]["username"]),
    ):
        c = Client(HTTP_HOST=HOST)
        c.force_login(Staff.objects.get(username=username))
        clients[who] = c

    rows = []
    for name, (who, method, path, kwargs, expected) in endpoints(plan).items():
        if a.only and not any(o in name for o in a.only.split(",")):
            continue
        if a.profile and a.profile not in name:
            continue
        client = clients[who]
        if "accept" in name and len(endpoints_pending) < 11:
            print(f"{name:24} skipped: fewer than 11 demands still pending in the handler's department")
            continue
        n = a.n if "accept" not in name else min(a.n, 10)
        warm = 2 if "accept" not in name else 1
        walls, cpus, dbs, queries = [], [], [], []
        profiler = None
        for i in range(warm + n):
            timer = Timer()
            if a.profile and i == warm:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            w0, c0 = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timer):
                r = getattr(client, method)(path(), **kwargs())
            w1, c1 = time.perf_counter(), time.process_time()
            if r.status_code != expected:
                raise SystemExit(f"{name}: expected {expected}, got {r.status_code}: {r.content[:300]!r}")
            if i >= warm:
                walls.append((w1 - w0) * 1000)
                cpus.append((c1 - c0) * 1000)
                dbs.append(timer.db * 1000)
                queries.append(timer.queries)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        rows.append(
            {
                "endpoint": name,
                "wall_ms": round(statistics.median(walls), 1),
                "cpu_ms": round(statistics.median(cpus), 1),
                "db_ms": round(statistics.median(dbs), 1),
                "queries": int(statistics.median(queries)),
            }
        )
        r = rows[-1]
        print(
            f"{name:24} wall {r['wall_ms']:7.1f} ms  cpu {r['cpu_ms']:7.1f} ms  db {r['db_ms']:7.1f} ms  "
            f"queries {r['queries']:3d}",
            flush=True,
        )
    measured = [r for r in rows if r["endpoint"] in SHARE]
    if measured and not a.only and not a.profile:
        share = sum(SHARE[r["endpoint"]] for r in measured)
        cpu = sum(SHARE[r["endpoint"]] * r["cpu_ms"] for r in measured) / share
        db = sum(SHARE[r["endpoint"]] * r["db_ms"] for r in measured) / share
        print(
            f"{'weighted by the mix':24} cpu {cpu:7.1f} ms  db {db:7.1f} ms  ({share:.0%} of the mix measured)"
        )
    if a.json:
        Path(a.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
