import re
import time

import pytest

from core.testing import PASSWORD, make_household, make_person, make_staff
from e2e.conftest import ARTIFACTS, login, screenshot
from territory.roles import Role


@pytest.fixture
def village(transactional_db):
    from core.testing import build_tree
    from visits import services

    tree = build_tree()
    services.policies_seed(actor=None, county=tree.county)
    official = make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="zhang", full_name="张德福")
    cadre = make_staff(
        Role.TOWNSHIP_CADRE, [tree.village_a1, tree.village_a2], username="li", full_name="李娜"
    )
    make_staff(Role.TOWNSHIP_CADRE, [tree.village_a2], username="wang", full_name="王刚")
    names = ["刘桂芝", "陈秀英", "赵福贵", "孙兰", "周德明", "吴凤"]
    for n, name in enumerate(names):
        village_unit = tree.village_a1 if n < 4 else tree.village_a2
        household = make_household(
            village_unit,
            address=f"{village_unit.name}{n + 1}组{n + 3}号",
            latitude=village_unit.latitude + 0.002 * n,
            longitude=village_unit.longitude - 0.0015 * n,
        )
        make_person(household, name, tags=[tree.tags["elderly_alone"]])
    return {"tree": tree, "official": official, "cadre": cadre}


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_village_official_records_three_visits_from_the_worklist(live_server, phone, village):
    from visits.models import Visit

    login(phone, live_server.url, "zhang", PASSWORD)
    phone.get_by_role("link", name="走访").first.click()
    phone.wait_for_url(re.compile(r"/work/visits/$"))
    screenshot(phone, "visits-worklist-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ["刘桂芝", "陈秀英", "赵福贵"]:
        row = phone.locator("li.due", has_text=name)
        row.get_by_role("button", name="已走访").click()  # one tap per routine visit
        row.get_by_role("button", name="已记录 ✓").wait_for()
    assert _wait_for(lambda: Visit.objects.count() == 3)
    assert set(Visit.objects.values_list("mode", flat=True)) == {"in_person"}
    screenshot(phone, "visits-recorded-phone")
    phone.get_by_role("link", name="走访覆盖").click()
    phone.wait_for_selector("svg.chart")
    assert phone.locator("svg.chart").count() >= 3
    screenshot(phone, "visits-coverage-phone")


def test_visits_recorded_offline_arrive_once_after_reload(live_server, phone, village):
    from visits.models import Visit

    login(phone, live_server.url, "zhang", PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/")
    phone.wait_for_selector("#visit-queue[data-offline-ready='1']", state="attached")
    phone.context.set_offline(True)
    for name in ["刘桂芝", "陈秀英"]:
        row = phone.locator("li.due", has_text=name)
        row.get_by_role("button", name="已走访").click()
        row.get_by_role("button", name="已存，待发送").wait_for()
    phone.wait_for_selector("#visit-queue[data-pending='2']", state="attached")
    screenshot(phone, "visits-offline-queue-phone")
    assert Visit.objects.count() == 0
    phone.reload()  # served by the service worker; the queue survives in IndexedDB
    phone.wait_for_selector("#visit-queue[data-pending='2']", state="attached")
    assert phone.get_by_text("2 条走访已存在手机上").is_visible()
    phone.context.set_offline(False)
    assert _wait_for(lambda: Visit.objects.count() == 2)
    phone.wait_for_selector("#visit-queue[data-pending='0']", state="attached")
    time.sleep(6)  # another retry cycle: nothing is sent twice
    assert Visit.objects.count() == 2
    names = set(Visit.objects.values_list("household__members__name", flat=True))
    assert names == {"刘桂芝", "陈秀英"}


def test_township_cadre_plans_tomorrow_for_two_cadres_opens_map_and_prints(live_server, phone, village):
    from visits.models import Plan, PlanRoute

    login(phone, live_server.url, "li", PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/plans/")
    phone.get_by_label("王刚").check()
    phone.get_by_label("李娜").check()
    screenshot(phone, "visits-plan-form-phone")
    phone.get_by_role("button", name="生成路线").click()
    phone.wait_for_url(re.compile(r"/work/visits/plans/\d+/$"))
    phone.get_by_role("link", name="地图").wait_for()
    plan = Plan.objects.get()
    assert plan.status == Plan.Status.DONE
    assert PlanRoute.objects.filter(plan=plan).count() == 2
    assert sum(r.stops.count() for r in plan.routes.all()) == 6
    # Shared out, not one cadre with six and one with none: at most ceil(6 / 2) + 1 each.
    assert all(2 <= r.stops.count() <= 4 for r in plan.routes.all())
    assert phone.locator(".plan-loads svg.load-bar").count() == 2
    screenshot(phone, "visits-plan-phone")
    phone.get_by_role("link", name="地图").click()
    phone.wait_for_selector("#route-drawing svg")
    assert phone.locator("#route-drawing svg g.stop").count() == 6
    screenshot(phone, "visits-map-phone")
    phone.get_by_role("link", name="打印路线单").click()
    phone.wait_for_selector(".day-sheet")
    phone.emulate_media(media="print")
    assert not phone.locator(".topbar").is_visible()
    assert phone.locator(".day-sheet").count() == 2
    screenshot(phone, "visits-day-sheet-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = phone.pdf(path=str(ARTIFACTS / "visits-day-sheet.pdf"), format="A4")
    assert pdf[:4] == b"%PDF"


def test_signing_out_removes_the_pages_kept_for_offline_use_but_not_unsent_visits(
    live_server, phone, village
):
    """Names and addresses must not stay on a shared phone after sign-out; queued visits must not be lost."""
    from visits.models import Visit

    login(phone, live_server.url, "zhang", PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/")
    phone.wait_for_selector("#visit-queue[data-offline-ready='1']", state="attached")
    assert _wait_for(lambda: phone.evaluate("caches.keys().then(k => k.length)") > 0)
    phone.context.set_offline(True)
    row = phone.locator("li.due", has_text="刘桂芝")
    row.get_by_role("button", name="已走访").click()
    row.get_by_role("button", name="已存，待发送").wait_for()
    phone.route("**/api/v1/visits/**", lambda route: route.abort())  # keep it unsent until after sign-out
    phone.context.set_offline(False)
    phone.get_by_role("button", name="退出").click()
    phone.wait_for_url(re.compile(r"/accounts/login/"))
    assert phone.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('doorstep-')).length)") == 0
    phone.unroute("**/api/v1/visits/**")
    assert Visit.objects.count() == 0
    login(phone, live_server.url, "zhang", PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/")
    assert _wait_for(lambda: Visit.objects.count() == 1)


def test_county_supervisor_changes_a_visit_policy_in_the_workspace(live_server, phone, village):
    from journal.models import Entry
    from visits.models import VisitPolicy

    make_staff(Role.COUNTY_SUPERVISOR, [village["tree"].county], username="zhao", full_name="赵监督")
    login(phone, live_server.url, "zhao", PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/rules/")
    row = phone.locator("tr", has_text="低保户每月入户")
    row.get_by_role("link", name="修改").click()
    phone.get_by_label("间隔天数").fill("21")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(re.compile(r"/work/visits/rules/"))
    phone.get_by_text("走访要求已保存").wait_for()
    assert VisitPolicy.objects.get(name="低保户每月入户").interval_days == 21
    assert Entry.objects.filter(action="visits.policy.saved", actor_id__isnull=False).exists()
    screenshot(phone, "visits-rules-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
