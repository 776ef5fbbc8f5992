import re
from datetime import date

import pytest

from core.testing import PASSWORD, make_household, make_person, make_staff, synthetic_id
from e2e.conftest import login, screenshot
from territory.roles import Role


@pytest.fixture
def village(transactional_db):
    from core.testing import build_tree

    tree = build_tree()
    official = make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="zhang")
    lonely = make_household(tree.village_a1, address="甲一村三组5号")
    number = synthetic_id(date(1939, 8, 8), "F")
    make_person(lonely, "刘桂芝", id_number=number, phone="13900005678", tags=[tree.tags["elderly_alone"]])
    family = make_household(tree.village_a1, address="甲一村一组2号")
    make_person(family, "陈志强", birth_date=date(1978, 1, 1))
    return {"official": official, "number": number}


def test_village_official_finds_elderly_living_alone_and_sees_id_masked(live_server, phone, village):
    login(phone, live_server.url, "zhang", PASSWORD)
    screenshot(phone, "registry-home-phone")
    phone.get_by_role("link", name=re.compile("独居老人")).click()
    phone.wait_for_url(re.compile(r"/work/registry/people/\?tag=elderly_alone"))
    assert phone.get_by_text("陈志强").count() == 0
    phone.get_by_text("刘桂芝").click()
    phone.get_by_role("link", name=re.compile("刘桂芝户")).click()
    phone.wait_for_url(re.compile(r"/work/registry/households/\d+/"))
    masked = village["number"][:4] + "*" * 10 + village["number"][-4:]
    assert phone.get_by_text(masked).is_visible()
    assert village["number"] not in phone.content()
    screenshot(phone, "registry-household-phone")
    # The page fits the phone: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_cadre_reveals_full_id_with_a_purpose_and_the_view_is_listed(live_server, desktop, village):
    login(desktop, live_server.url, "zhang", PASSWORD)
    desktop.goto(f"{live_server.url}/work/registry/search/?q=lgz")
    desktop.get_by_role("link", name=re.compile("刘桂芝")).first.click()
    desktop.fill("input[name=purpose]", "核对高龄补贴")
    desktop.get_by_role("button", name="显示完整").click()
    desktop.locator("[data-revealed=id_number]").wait_for()
    assert desktop.locator("[data-revealed=id_number]").inner_text() == village["number"]
    desktop.reload()
    assert desktop.get_by_text("核对高龄补贴").is_visible()
    assert village["number"] not in desktop.content()  # after reload it is masked again
    screenshot(desktop, "registry-person-desktop")
