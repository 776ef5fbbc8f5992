"""Accounts and ids for the Locust load test (bench/locustfile.py), read from the prod-local database.

    set -a; . var/prod-local-county/env; set +a
    .venv/bin/python bench/load_prepare.py --out var/load/plan.json --officials 30 --cadres 10 --handlers 4

Issues API tokens (through territory.services.token_issue, so they are journalled like any other) for
the chosen village officials and handlers, and one Open311 API key for the resident client, and a
signed-in web session for every simulated staff member (`session`: the cookie Locust sends).

The sessions are made here, before the run, because signing in is deliberately expensive: the
password check (PBKDF2, 1,000,000 iterations, Django's default) costs ~0.4 s of CPU. Seventy
simulated people signing in within the spawn's seven seconds put ~30 s of CPU in front of the
measured window, which the statistics reset did not exclude (a county's staff sign in once a day,
not all in the same seconds). docs/bench/load.md reports the sign-in's own cost separately.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from demands.models import Category, Demand  # noqa: E402
from demands.services import open311_client_issue  # noqa: E402
from portal.models import ArticlePage  # noqa: E402
from registry.models import Household  # noqa: E402
from territory.models import AdminUnit, Staff  # noqa: E402
from territory.roles import Role  # noqa: E402
from territory.services import token_issue  # noqa: E402


def _session(staff: Staff) -> str:
    """A signed-in session of `staff` in the stack's own session store, as the login page leaves it."""
    client = Client()
    client.force_login(staff, backend="territory.backends.RoleBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--officials", type=int, default=30)
    p.add_argument("--cadres", type=int, default=10)
    p.add_argument("--handlers", type=int, default=4)
    p.add_argument("--households-per-official", type=int, default=40)
    a = p.parse_args()

    officials = []
    for staff in (
        Staff.objects.filter(
            role=Role.VILLAGE_OFFICIAL, is_active=True, jurisdictions__level=AdminUnit.Level.VILLAGE
        )
        .distinct()
        .order_by("username")[: a.officials]
    ):
        village = staff.jurisdictions.get()
        households = list(
            Household.objects.filter(village=village)
            .order_by("pk")
            .values_list("pk", flat=True)[: a.households_per_official]
        )
        _t, key = token_issue(actor=None, staff=staff, name="load-test")
        officials.append(
            {"username": staff.username, "token": key, "households": households, "session": _session(staff)}
        )

    cadres = []
    for staff in Staff.objects.filter(role=Role.TOWNSHIP_CADRE, is_active=True).order_by("username")[
        : a.cadres
    ]:
        cadres.append(
            {
                "username": staff.username,
                "villages": list(staff.jurisdictions.values_list("pk", flat=True)),
                "session": _session(staff),
            }
        )

    handler = Staff.objects.get(username="handler")
    handlers = []
    for n in range(a.handlers):
        _t, key = token_issue(actor=None, staff=handler, name=f"load-test-{n}")
        handlers.append({"username": handler.username, "token": key, "session": _session(handler)})
    mine = Demand.objects.filter(owner_department=handler.department)
    pending = list(mine.filter(status=Demand.Status.PENDING).order_by("pk").values_list("pk", flat=True))
    browse = list(mine.order_by("-pk").values_list("pk", flat=True)[:200])

    _client, open311_key = open311_client_issue(actor=None, name="load-test")
    services = list(Category.objects.order_by("code").values_list("code", flat=True)[:10])
    villages = list(
        AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE).values_list("code", flat=True)[:50]
    )
    articles = [page.url for page in ArticlePage.objects.live().public().order_by("-pk")[:20]]

    plan = {
        "password": "doorstep-demo",
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "officials": officials,
        "cadres": cadres,
        "handlers": handlers,
        "pending_demands": pending,
        "browse_demands": browse,
        "open311_key": open311_key,
        "services": services,
        "villages": villages,
        "articles": [u for u in articles if u],
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"plan: {len(officials)} officials, {len(cadres)} cadres, {len(handlers)} handler sessions, "
        f"{len(pending)} pending demands, {len(browse)} to browse, {len(plan['articles'])} articles -> {a.out}"
    )


if __name__ == "__main__":
    main()
