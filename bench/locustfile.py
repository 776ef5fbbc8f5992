"""A county's working day against `make prod-local` (docs/bench/load.md); run by scripts/load.sh.

Who is on the system at once, and what they do (weights = share of users, tasks = share of their requests):
  village officials  their worklist, their village's households (list and one household), visits recorded
                     through the idempotent visit API (a phone's queue resends some of them: same client_id)
  township cadres    the coverage report, the day planner's form, the due list of one of their villages
  county handlers    their demand list, one demand, accepting a pending one (API)
  residents          the portal home and articles, the public demand form, Open311 services/requests,
                     now and then a new request through Open311 with the county's client API key
  CeilingUser        GET /healthz only: run alone (LOAD_CEILING phase) for the stack's own ceiling

Plain requests only, loopback only: LOAD_PLAN (bench/load_prepare.py's JSON) supplies accounts and ids.
"""

import json
import os
import random
import re
import uuid
from collections import deque
from http.cookiejar import Cookie
from pathlib import Path

from locust import between, constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", "var/load/plan.json")).read_text(encoding="utf-8"))
PACE = float(os.environ.get("LOAD_PACE", "2.5"))  # requests per second per simulated person
# The warm-up (LOAD_PENDING_PART=1) and the measured run (0) accept disjoint halves of the pending demands.
PENDING = deque(PLAN["pending_demands"][int(os.environ.get("LOAD_PENDING_PART", "0")) :: 2])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_counters = {"official": 0, "cadre": 0, "handler": 0}


@events.test_start.add_listener
def _only_loopback(environment, **kwargs):
    host = environment.host or ""
    if not host.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit(f"this load test only runs against loopback, not {host!r}")


def _next(kind: str, pool: list):
    n = _counters[kind]
    _counters[kind] += 1
    return pool[n % len(pool)]


class Staff(FastHttpUser):
    abstract = True
    wait_time = constant_throughput(PACE)

    def sign_in(self, me: dict) -> None:
        """Carry the session bench/load_prepare.py signed in for this person (why: its docstring).

        LOAD_SIGN_IN=1 signs in through the login page instead, as session 3's runs did."""
        if os.environ.get("LOAD_SIGN_IN") == "1" or not me.get("session"):
            self.login(me["username"])
            return
        self.client.cookiejar.set_cookie(
            Cookie(
                0,
                PLAN["session_cookie"],
                me["session"],
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def page(self, path: str, name: str, **kwargs) -> None:
        """A signed-in GET: anything but 200 (a redirect to the login page above all) is an error."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True, **kwargs) as r:
            if r.status_code != 200:
                r.failure(f"{path} gave {r.status_code}")

    def login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="login (GET)")
        token = CSRF.search(page.text or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": username,
                "password": PLAN["password"],
            },
            headers={"Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            name="login (POST)",
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login as {username} gave {r.status_code}")


class VillageOfficial(Staff):
    weight = 5

    def on_start(self):
        me = _next("official", PLAN["officials"])
        self.token = me["token"]
        self.households = me["households"]
        self.sent: list[dict] = []
        self.sign_in(me)

    @task(3)
    def worklist(self):
        self.page("/work/visits/", "/work/visits/ (worklist)")

    @task(3)
    def households(self):
        self.page("/work/registry/households/", "/work/registry/households/")

    @task(3)
    def household(self):
        pk = random.choice(self.households)  # noqa: S311 - load generator
        self.page(f"/work/registry/households/{pk}/", "/work/registry/households/[id]/")

    @task(2)
    def record_visit(self):
        body = {
            "household_id": random.choice(self.households),  # noqa: S311
            "mode": "in_person",
            "note": "负载测试：入户了解近况",
            "client_id": str(uuid.uuid4()),
        }
        self._submit(body, "POST /api/v1/visits/visits (new)", 201)
        self.sent.append(body)

    @task(1)
    def resend_visit(self):
        if not self.sent:
            return
        self._submit(random.choice(self.sent), "POST /api/v1/visits/visits (resend)", 200)  # noqa: S311

    def _submit(self, body: dict, name: str, expected: int) -> None:
        with self.client.post(
            "/api/v1/visits/visits",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            name=name,
            catch_response=True,
        ) as r:
            if r.status_code != expected:
                r.failure(f"expected {expected}, got {r.status_code}: {(r.text or '')[:200]}")


class TownshipCadre(Staff):
    weight = 2

    def on_start(self):
        me = _next("cadre", PLAN["cadres"])
        self.villages = me["villages"] or [None]
        self.sign_in(me)

    @task(2)
    def coverage(self):
        self.page("/work/visits/coverage/", "/work/visits/coverage/")

    @task(1)
    def planner(self):
        self.page("/work/visits/plans/", "/work/visits/plans/ (planner form)")

    @task(2)
    def due(self):
        village = random.choice(self.villages)  # noqa: S311
        self.page("/api/v1/visits/due", "/api/v1/visits/due", params={"village": village})

    @task(2)
    def worklist(self):
        self.page("/work/visits/", "/work/visits/ (worklist)")


class CountyHandler(Staff):
    weight = 2

    def on_start(self):
        me = _next("handler", PLAN["handlers"])
        self.token = me["token"]
        self.sign_in(me)

    @task(3)
    def demand_list(self):
        self.page("/work/demands/", "/work/demands/")

    @task(3)
    def demand_detail(self):
        pk = random.choice(PLAN["browse_demands"])  # noqa: S311
        self.page(f"/work/demands/{pk}/", "/work/demands/[id]/")

    @task(1)
    def accept(self):
        if not PENDING:
            return
        pk = PENDING.popleft()
        with self.client.post(
            f"/api/v1/demands/demands/{pk}/accept",
            headers={"Authorization": f"Bearer {self.token}"},
            name="POST /api/v1/demands/demands/[id]/accept",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"accept {pk} gave {r.status_code}: {(r.text or '')[:200]}")


class Resident(FastHttpUser):
    weight = 5
    wait_time = constant_throughput(PACE)

    @task(4)
    def home(self):
        self.client.get("/", name="/ (portal home)")

    @task(4)
    def article(self):
        if PLAN["articles"]:
            self.client.get(random.choice(PLAN["articles"]), name="portal article")  # noqa: S311

    @task(1)
    def demand_form(self):
        self.client.get("/service/demand/", name="/service/demand/ (form)")

    @task(2)
    def services(self):
        self.client.get("/open311/v2/services.json", name="/open311/v2/services.json")

    @task(2)
    def requests(self):
        self.client.get("/open311/v2/requests.json", name="/open311/v2/requests.json")

    @task(1)
    def new_request(self):
        with self.client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": PLAN["open311_key"],
                "service_code": random.choice(PLAN["services"]),  # noqa: S311
                "address_id": random.choice(PLAN["villages"]),  # noqa: S311
                "description": "负载测试：路灯不亮，晚上出行不便",
                "last_name": "测",
                "first_name": "试",
            },
            name="POST /open311/v2/requests.json",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"Open311 POST gave {r.status_code}: {(r.text or '')[:200]}")


class CeilingUser(FastHttpUser):
    """The same stack's own ceiling: nginx -> gunicorn -> Django's middleware -> a view without DB or template."""

    wait_time = between(0, 0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz (ceiling)")
