import pytest
from django.core.cache import cache

from portal import services

LINK_FARM = (
    "主站蜘蛛池模板： 免费视频|在线观看|高清影院|午夜剧场|精品资源|国产专区|日韩专区|最新地址|永久入口 "
    "http://spam.example.com www.farm-spam.cn"
)
SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">点我</a>'


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal_site(tree):
    """The test county's site with township sections and a few articles."""
    site = services.site_create(
        county=tree.county, townships=[tree.town_a, tree.town_b], hostname="testserver"
    )
    county = site["channels"]["county"]
    site["articles"] = {
        "apply": services.article_publish(
            actor=None,
            channel=county["notice"],
            title="低保申请须知",
            slug="dibao-apply",
            source="县民政局",
            body="<p>申请低保需要准备户口簿和收入证明，到村委会提出申请。</p>",
            keywords="低保，申请",
            is_pick=True,
        ),
        "standard": services.article_publish(
            actor=None,
            channel=county["notice"],
            title="城乡低保标准提高",
            slug="dibao-standard",
            source="县民政局",
            body="<p>自下月起城乡低保标准每人每月提高五十元。</p>",
            keywords="低保，标准",
        ),
        "news": services.article_publish(
            actor=None,
            channel=county["news"],
            title="县里召开秋收工作会议",
            slug="autumn-meeting",
            source="县政府办",
            body="<p>会议部署了秋收和秋种工作。</p>",
        ),
        "town_b": services.article_publish(
            actor=None,
            channel=site["channels"][tree.town_b.pk]["notice"],
            title="乙乡道路维修通知",
            slug="road-repair",
            body="<p>乙乡主干道维修，请绕行。</p>",
        ),
    }
    return site
