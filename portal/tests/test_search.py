"""Chinese search, segmented with jieba."""

import pytest

from portal import selectors, services

pytestmark = pytest.mark.django_db


def _titles(qs) -> set[str]:
    return {a.title for a in qs}


def test_dibao_finds_dibao_application_and_urban_rural_dibao(portal_site):
    found = _titles(selectors.search(root=portal_site["home"], query="低保"))
    assert found == {"低保申请须知", "城乡低保标准提高"}


def test_longer_query_needs_every_word(portal_site):
    assert _titles(selectors.search(root=portal_site["home"], query="城乡低保")) == {"城乡低保标准提高"}
    assert _titles(selectors.search(root=portal_site["home"], query="低保 申请")) == {"低保申请须知"}


def test_search_finds_words_in_the_body(portal_site):
    assert _titles(selectors.search(root=portal_site["home"], query="户口簿")) == {"低保申请须知"}


def test_search_ignores_drafts_and_unpublished_pages(portal_site):
    portal_site["articles"]["apply"].unpublish()
    assert _titles(selectors.search(root=portal_site["home"], query="低保")) == {"城乡低保标准提高"}


def test_search_page_renders_results(client, portal_site):
    html = client.get("/search/", {"q": "低保"}).content.decode()
    assert "低保申请须知" in html and "城乡低保标准提高" in html and "共找到 2 条结果" in html


def test_search_of_nothing_or_punctuation_finds_nothing(client, portal_site):
    assert list(selectors.search(root=portal_site["home"], query="，，")) == []
    assert client.get("/search/", {"q": ""}).status_code == 200


def test_keywords_are_suggested_from_the_body_when_left_empty(portal_site):
    article = services.article_publish(
        actor=None,
        channel=portal_site["channels"]["county"]["policy"],
        title="医保缴费政策解读",
        slug="yibao",
        body="<p>城乡居民医保缴费标准调整，医保缴费可以在手机上办理，医保待遇同步提高。</p>",
    )
    assert "医保" in article.keyword_list
