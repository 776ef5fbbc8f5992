"""The public pages: channels, breadcrumb, picks, previous/next, footer, service links, languages, cache, headers."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal import services
from portal.models import ChannelPage

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_lists_latest_items_of_every_channel(client, portal_site):
    html = _html(client.get("/"))
    for kind in ChannelPage.Kind:
        assert str(kind.label) in html
    assert "低保申请须知" in html and "县里召开秋收工作会议" in html
    assert "频道精选" in html


def test_every_channel_renders_its_own_items(client, portal_site):
    for kind, channel in portal_site["channels"]["county"].items():
        html = _html(client.get(channel.url))
        assert f"<h1>{channel.title}</h1>" in html
        if kind == "notice":
            assert "低保申请须知" in html and "县里召开秋收工作会议" not in html


def test_channel_list_paginates(client, portal_site):
    channel = portal_site["channels"]["county"]["news"]
    for i in range(20):
        services.article_publish(
            actor=None, channel=channel, title=f"新闻第{i}条", slug=f"n{i}", body="<p>内容</p>"
        )
    html = _html(client.get(channel.url))
    assert "第 1 / 2 页" in html and "?page=2" in html
    assert "新闻第" in _html(client.get(channel.url + "?page=2"))


def test_article_shows_breadcrumb_source_time_keywords_and_neighbours(client, portal_site):
    article = portal_site["articles"]["standard"]
    html = _html(client.get(article.url))
    assert "您的位置：" in html
    assert '<a href="/">首页</a> &gt; <a href="/notices/">通知公告</a> &gt;' in html
    assert "来源：县民政局" in html and "发布时间：" in html
    assert "关键词：" in html and ">标准</a>" in html
    assert "上一篇：" in html and "低保申请须知" in html  # the older notice
    assert "频道精选" in html


def test_article_picks_show_the_channel_picks(client, portal_site):
    html = _html(client.get(portal_site["articles"]["standard"].url))
    picks = html.split("频道精选", 1)[1]
    assert "低保申请须知" in picks


def test_related_articles_share_keywords(client, portal_site):
    html = _html(client.get(portal_site["articles"]["apply"].url))
    related = html.split("相关文章", 1)[1].split("</section>", 1)[0]
    assert "城乡低保标准提高" in related and "秋收" not in related


def test_township_section_article_breadcrumb_includes_the_township(client, portal_site, tree):
    html = _html(client.get(portal_site["articles"]["town_b"].url))
    assert (
        '&gt; <a href="/town-419901002000/">乙乡</a> &gt; <a href="/town-419901002000/notices/">通知公告</a>'
        in html
    )


def test_every_public_page_links_the_demand_form_and_status_page(client, portal_site):
    demand, status = reverse("demands_public:submit"), reverse("demands_public:status")
    urls = ["/", "/notices/", portal_site["articles"]["apply"].url, "/search/?q=低保", "/feedback/"]
    for url in urls:
        html = _html(client.get(url))
        assert f'href="{demand}"' in html and f'href="{status}"' in html, url


@override_settings(PORTAL_ICP_NUMBER="豫ICP备00000000号-1", PORTAL_PSB_NUMBER="豫公网安备41000000000000号")
def test_footer_comes_from_settings(client, portal_site):
    html = _html(client.get("/"))
    assert "豫ICP备00000000号-1" in html and "豫公网安备41000000000000号" in html
    assert "版权所有" in html


def test_footer_site_setting_overrides_django_settings(client, portal_site):
    from wagtail.models import Site

    from portal.models import FooterSettings

    footer = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    footer.icp_number = "京ICP备12345678号"
    footer.save()
    assert "京ICP备12345678号" in _html(client.get("/"))


def test_traditional_chinese_is_converted_with_opencc(client, portal_site):
    client.cookies["django_language"] = "zh-hant"
    html = _html(client.get(portal_site["articles"]["apply"].url))
    assert "低保申請須知" in html and "您的位置：" in html and 'href="/notices/dibao-standard/"' in html


def test_english_labels_come_from_the_catalog(client, portal_site):
    client.cookies["django_language"] = "en"
    html = _html(client.get(portal_site["articles"]["apply"].url))
    assert "Search" in html and "Source:" in html


def test_language_link_sets_the_cookie_and_stays_on_site(client, portal_site):
    response = client.get("/lang/", {"l": "zh-hant", "next": "https://evil.example.com/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "zh-hant"


def test_anonymous_pages_are_cached_and_invalidated_on_publish(
    client, portal_site, django_assert_num_queries
):
    client.get("/")
    with django_assert_num_queries(0):  # served from the cache: no database work at all
        assert "县里召开秋收工作会议" in _html(client.get("/"))
    services.article_publish(
        actor=None,
        channel=portal_site["channels"]["county"]["news"],
        title="新发布的消息",
        slug="fresh",
        body="<p>新</p>",
    )
    assert "新发布的消息" in _html(client.get("/"))


def test_public_pages_carry_the_strict_csp_and_the_cms_alone_is_relaxed(client, portal_site, administrator):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    client.force_login(administrator)
    assert "unsafe-inline" in client.get("/cms/")["Content-Security-Policy"]
    assert "unsafe-inline" not in client.get("/notices/")["Content-Security-Policy"]


def test_public_pages_need_no_javascript(client, portal_site):
    for url in ["/", "/notices/", portal_site["articles"]["apply"].url, "/search/?q=低保", "/feedback/"]:
        html = _html(client.get(url))
        assert "<script" not in html and " style=" not in html, url


def test_unpublished_article_is_not_served(client, portal_site):
    article = portal_site["articles"]["news"]
    article.unpublish()
    assert client.get(article.url or "/news/autumn-meeting/").status_code == 404
    assert "县里召开秋收工作会议" not in _html(client.get("/"))


def test_home_page_query_count_is_pinned(client, portal_site, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        client.get("/")


def test_cached_pages_are_kept_apart_per_language(client, portal_site):
    url = portal_site["articles"]["standard"].url
    assert "城乡低保标准提高" in _html(client.get(url))
    client.cookies["django_language"] = "zh-hant"
    assert "城鄉低保標準提高" in _html(client.get(url))
    client.cookies["django_language"] = "zh-hans"
    assert "城乡低保标准提高" in _html(client.get(url))


def test_signed_in_staff_never_get_the_anonymous_cache(client, portal_site, administrator):
    client.get("/")
    client.force_login(administrator)
    response = client.get("/")
    assert response.status_code == 200 and "public" not in response.get("Cache-Control", "")


def test_article_with_a_lead_image_renders_it(client, portal_site):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 600), (200, 30, 30)).save(buffer, "PNG")
    image = Image.objects.create(title="题图", file=ImageFile(buffer, name="lead.png"))
    article = portal_site["articles"]["news"]
    article.lead_image = image
    article.save_revision().publish()
    html = _html(client.get(article.url))
    assert '<img alt="题图" class="lead"' in html and 'width="800"' in html


def test_changing_the_footer_drops_the_cached_pages(client, portal_site):
    from wagtail.models import Site

    from portal.models import FooterSettings

    client.get("/")
    footer = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    footer.psb_number = "豫公网安备41999999999999号"
    footer.save()
    assert "豫公网安备41999999999999号" in _html(client.get("/"))
