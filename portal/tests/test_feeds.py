"""Feeds, sitemap and robots.txt are valid and list only what is published."""

import pytest
from defusedxml import ElementTree

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_rss_feed_of_a_channel_is_valid_xml_with_its_items(client, portal_site):
    channel = portal_site["channels"]["county"]["notice"]
    response = client.get(f"/feeds/{channel.pk}/rss/")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "rss"
    titles = [i.findtext("title") for i in root.iter("item")]
    assert set(titles) == {"低保申请须知", "城乡低保标准提高"}
    links = [i.findtext("link") for i in root.iter("item")]
    assert all(link.startswith("http://testserver/notices/") for link in links)


def test_atom_feed_is_valid_xml(client, portal_site):
    channel = portal_site["channels"]["county"]["news"]
    root = ElementTree.fromstring(client.get(f"/feeds/{channel.pk}/atom/").content)
    assert root.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")] == ["县里召开秋收工作会议"]


def test_feed_of_an_unknown_or_non_channel_page_is_404(client, portal_site):
    assert client.get(f"/feeds/{portal_site['articles']['apply'].pk}/rss/").status_code == 404
    assert client.get("/feeds/999999/rss/").status_code == 404


def test_sitemap_lists_published_pages(client, portal_site):
    portal_site["articles"]["news"].unpublish()
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    assert root.tag == f"{SITEMAP}urlset"
    locs = {u.findtext(f"{SITEMAP}loc") for u in root.iter(f"{SITEMAP}url")}
    assert "http://testserver/notices/dibao-apply/" in locs
    assert "http://testserver/news/autumn-meeting/" not in locs


def test_robots_txt_keeps_crawlers_out_of_the_workspace(client, portal_site):
    text = client.get("/robots.txt").content.decode()
    assert (
        "Disallow: /work/" in text
        and "Disallow: /cms/" in text
        and "Sitemap: http://testserver/sitemap.xml" in text
    )
