import re

import pytest

from core.testing import PASSWORD, make_staff
from e2e.conftest import login, screenshot
from territory.roles import Role


@pytest.fixture
def portal(transactional_db):
    from django.core.cache import cache

    from core.testing import build_tree
    from portal import services

    cache.clear()
    tree = build_tree()
    site = services.site_create(
        county=tree.county, townships=[tree.town_a, tree.town_b], hostname="localhost"
    )
    county = site["channels"]["county"]
    services.article_publish(
        actor=None,
        channel=county["notice"],
        title="低保申请须知",
        slug="dibao-apply",
        source="县民政局",
        keywords="低保，申请",
        body="<p>家庭人均收入低于当地低保标准的居民，可以向乡镇提出申请。</p><p>需要准备户口簿和身份证。</p>",
        is_pick=True,
    )
    services.article_publish(
        actor=None,
        channel=county["policy"],
        title="城乡低保政策问答",
        slug="dibao-qa",
        source="县民政局",
        keywords="城乡低保，政策问答",
        body="<p>低保一般每年复核一次。</p>",
    )
    services.article_publish(
        actor=None, channel=county["news"], title="县里部署秋收工作", slug="harvest", body="<p>秋收秋种。</p>"
    )
    leader = make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="leader_a")
    return {"tree": tree, "site": site, "leader": leader}


def test_resident_reads_a_notice_searches_dibao_and_opens_the_demand_form(live_server, phone, portal):
    phone.goto(live_server.url + "/")
    assert phone.get_by_role("link", name="我要反映").first.is_visible()
    screenshot(phone, "portal-home-phone")
    phone.get_by_role("link", name="低保申请须知").first.click()
    phone.wait_for_url(re.compile(r"/notices/dibao-apply/$"))
    assert "您的位置：" in phone.locator("nav.crumbs").inner_text()
    assert phone.get_by_text("来源：县民政局").is_visible()
    screenshot(phone, "portal-article-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.fill("#q", "低保")
    phone.get_by_role("button", name="搜索").click()
    phone.wait_for_url(re.compile(r"/search/\?q="))
    results = phone.locator("ul.results").inner_text()
    assert "低保申请须知" in results and "城乡低保政策问答" in results and "秋收" not in results
    screenshot(phone, "portal-search-phone")

    phone.get_by_role("link", name="我要反映").first.click()
    phone.wait_for_url(re.compile(r"/service/demand/$"))


def test_township_leader_finds_their_section_in_the_cms(live_server, desktop, portal):
    login(desktop, live_server.url, "leader_a", PASSWORD)
    desktop.goto(live_server.url + "/cms/")
    screenshot(desktop, "portal-cms-dashboard")
    section = portal["site"]["sections"][portal["tree"].town_a.pk]
    desktop.goto(f"{live_server.url}/cms/pages/{section.pk}/")
    assert desktop.get_by_text("通知公告").first.is_visible()
    screenshot(desktop, "portal-cms-section")
    channel = portal["site"]["channels"][portal["tree"].town_a.pk]["notice"]
    desktop.goto(f"{live_server.url}/cms/pages/add/portal/articlepage/{channel.pk}/")
    assert desktop.get_by_text("来源").first.is_visible()
    screenshot(desktop, "portal-cms-article-editor")
    desktop.goto(f"{live_server.url}/cms/portal/disclosure/")
    assert desktop.get_by_text("发布村务公开名单").first.is_visible()
    screenshot(desktop, "portal-cms-disclosure")
    other = portal["site"]["sections"][portal["tree"].town_b.pk]
    response = desktop.goto(f"{live_server.url}/cms/pages/{other.pk}/edit/")
    assert response.status in (302, 403) or "/cms/" in desktop.url and "edit" not in desktop.url
