import re

import pytest

from core.testing import PASSWORD, make_staff
from demands.models import Demand
from e2e.conftest import login, screenshot
from territory.roles import Role


@pytest.fixture
def county(transactional_db):
    from core.testing import build_tree
    from demands.tests.factories import make_categories, make_handler

    tree = build_tree()
    setup = make_categories(tree)
    make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="zhang", full_name="张德福")
    make_handler(tree, setup["civil"], username="sunli")
    return {"tree": tree, "setup": setup}


def test_resident_submits_on_a_phone_and_gets_a_ticket(live_server, phone, county):
    phone.goto(f"{live_server.url}/service/demand/")
    phone.fill("#id_resident_name", "王大爷")
    phone.fill("#id_phone", "13900005678")
    phone.select_option("#id_place_unit", label="甲镇 甲一村")
    phone.fill("#id_text", "村口的路灯坏了三个月，晚上出门看不见")
    screenshot(phone, "demands-public-form-phone")
    phone.get_by_role("button", name="提交").click()
    ticket = phone.locator("#ticket").inner_text()
    assert re.fullmatch(r"\d{14}", ticket)
    assert phone.get_by_text("由甲一村办理").is_visible()
    screenshot(phone, "demands-public-ticket-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_village_official_records_county_handler_resolves_resident_reopens(
    live_server, browser, phone, desktop, county
):
    # A village official records a demand during a visit; it is routed to the county civil affairs bureau.
    login(phone, live_server.url, "zhang", PASSWORD)
    phone.goto(f"{live_server.url}/work/demands/new/")
    phone.fill("#id_resident_name", "李奶奶")
    phone.fill("#id_phone", "13900004321")
    phone.fill("#id_text", "老伴去世后生活困难，想申请低保")
    phone.wait_for_selector("#suggestion >> text=低保救助")
    phone.select_option("#id_channel", "visit")
    screenshot(phone, "demands-intake-phone")
    phone.get_by_role("button", name="登记").click()
    phone.wait_for_url(re.compile(r"/work/demands/\d+/$"))
    assert phone.get_by_text(re.compile("由县民政局办理，\\d+月\\d+日前答复")).first.is_visible()
    screenshot(phone, "demands-detail-phone")
    demand = Demand.objects.get(resident_name="李奶奶")

    # The county handler it was routed to accepts and answers it.
    login(desktop, live_server.url, "sunli", PASSWORD)
    desktop.goto(f"{live_server.url}/work/demands/")
    desktop.get_by_text("低保救助 · 甲一村").click()
    desktop.get_by_role("button", name="受理").click()
    desktop.get_by_text("答复", exact=True).click()
    desktop.check("input[name=outcome][value=resolved]")
    desktop.fill("#id_answer", "已入户核实，按程序纳入低保")
    desktop.get_by_role("button", name="提交答复").click()
    assert desktop.get_by_text("已答复，等待群众评价").is_visible()
    screenshot(desktop, "demands-answered-desktop")

    # The resident, on their own phone, checks the status on the portal and says it is not resolved: it reopens.
    resident_context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone = resident_context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server.url}/service/status/")
    phone.fill("#id_ticket", demand.ticket)
    phone.fill("#id_last4", "4321")
    phone.get_by_role("button", name="查询").click()
    assert phone.get_by_text("县民政局").first.is_visible()
    assert "孙" not in phone.content()
    phone.check("input[name=resolved][value='0']")
    phone.check("input[name=satisfied][value='0']")
    screenshot(phone, "demands-status-phone")
    phone.get_by_role("button", name="提交评价").click()
    assert phone.get_by_text("将重新办理").is_visible()
    demand.refresh_from_db()
    assert demand.status == "processing" and demand.reopen_count == 1
    assert phone.get_by_text("重新办理").first.is_visible()
    screenshot(phone, "demands-reopened-phone")
    resident_context.close()

    # The dashboard shows the rates.
    desktop.goto(f"{live_server.url}/work/demands/dashboard/")
    assert desktop.get_by_text("满意率").first.is_visible()
    screenshot(desktop, "demands-dashboard-desktop")
