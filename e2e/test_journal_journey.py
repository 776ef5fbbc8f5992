import re

import pytest

from core.testing import PASSWORD, make_household, make_staff
from e2e.conftest import login, screenshot
from journal.models import Encounter, Entry
from territory.roles import Role


@pytest.fixture
def village(transactional_db):
    from core.testing import build_tree

    tree = build_tree()
    cadre = make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1], username="li_cadre")
    make_household(tree.village_a1, address="甲一村二组8号")
    return {"tree": tree, "cadre": cadre}


def test_cadre_records_an_encounter_resident_acknowledges_and_receipt_shows_qr(live_server, phone, village):
    login(phone, live_server.url, "li_cadre", PASSWORD)
    phone.get_by_role("link", name="公正记录").click()
    phone.wait_for_url(re.compile(r"/work/journal/$"))
    phone.get_by_role("link", name="记一次当面沟通").click()
    phone.fill("#id_place", "甲一村村委会")
    phone.fill("#id_counterpart", "王大爷")
    phone.fill("#id_asked", "要求今天就把宅基地纠纷解决")
    phone.fill("#id_promised", "三天内请乡国土所到现场查看")
    screenshot(phone, "journal-encounter-form-phone")
    phone.get_by_role("button", name="保存记录").click()
    phone.wait_for_url(re.compile(r"/work/journal/encounters/\d+/$"))
    assert phone.get_by_text("尚未确认").is_visible()

    # The cadre hands the phone to the resident, who reads the record and types their name.
    phone.get_by_role("link", name="请对方确认").click()
    assert phone.get_by_text("要求今天就把宅基地纠纷解决").is_visible()
    phone.fill("#id_resident_name", "王建国")
    phone.check("#id_agree")
    screenshot(phone, "journal-acknowledge-phone")
    phone.get_by_role("button", name="确认").click()
    phone.wait_for_url(re.compile(r"/work/journal/receipts/\d+/$"))

    encounter = Encounter.objects.get()
    entry = Entry.objects.get(seq=encounter.acknowledged_seq)
    assert encounter.acknowledged_name == "王建国"
    assert phone.locator("#entry-hash").inner_text().strip() == entry.entry_hash
    qr = phone.locator("#receipt-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150
    assert phone.get_by_text("doorstep.test/journal").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "journal-receipt-phone")
