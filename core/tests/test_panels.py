"""The workspace tabs: shown by permission, each with its address."""

from unittest import mock

from django.urls import reverse, set_script_prefix

from core import panels
from core.panels import NavItem, nav_for
from core.testing import make_staff
from territory.roles import Role


def test_a_tab_reverses_its_address_once_per_script_prefix():
    item = NavItem("户", "registry:household_list")
    with mock.patch.object(panels, "reverse", wraps=reverse) as reversing:
        assert item.url == "/work/registry/households/"
        assert item.url == "/work/registry/households/"
        assert reversing.call_count == 1  # the second answer came from the tab
        set_script_prefix("/doorstep/")
        try:
            assert item.url == "/doorstep/work/registry/households/"
        finally:
            set_script_prefix("/")
        assert reversing.call_count == 2
        assert item.url == "/work/registry/households/"


def test_tabs_follow_permissions_and_link_to_their_pages(client, village_official, tree):
    client.force_login(village_official)
    page = client.get("/work/").content.decode()
    assert 'href="/work/registry/households/"' in page
    handler = make_staff(Role.COUNTY_HANDLER, [tree.county], username="handler_tabs")
    assert "registry:household_list" not in [i.url_name for i in nav_for(handler)]


def test_the_current_tab_is_marked(client, village_official):
    client.force_login(village_official)
    page = client.get("/work/registry/households/").content.decode()
    assert '<a href="/work/registry/households/" class="active" aria-current="page">' in page
