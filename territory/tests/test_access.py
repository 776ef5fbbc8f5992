"""The access cache (territory/access.py): permissions and jurisdictions from the cache, never stale after a change."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.testing import make_household, make_staff
from territory import access
from territory.models import Staff
from territory.roles import Role

LIST = "/work/registry/households/"


@pytest.fixture
def handler(tree):
    """A county handler: the role grants no registry permission, so the household list is refused."""
    return make_staff(Role.COUNTY_HANDLER, [tree.county], username="handler_x")


@pytest.fixture
def view_household():
    return Permission.objects.get(content_type__app_label="registry", codename="view_household")


@pytest.fixture
def viewers(handler, view_household):
    """A group that may see households, with the handler in it."""
    group = Group.objects.create(name="户籍查看")
    group.permissions.add(view_household)
    handler.groups.add(group)
    return group


def _access_queries(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "auth_permission" in q["sql"] or "territory_staff_jurisdictions" in q["sql"]
    ]


def test_a_signed_in_page_reads_permissions_and_jurisdictions_from_the_cache(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200  # the session's first renewal is written here, not below
    access.access_changed()
    with CaptureQueriesContext(connection) as first:
        assert client.get(LIST).status_code == 200
    assert len(_access_queries(first)) == 3  # computed once: user, group permissions and jurisdictions
    with CaptureQueriesContext(connection) as again:
        assert client.get(LIST).status_code == 200
    assert _access_queries(again) == []
    assert len(again) == len(first) - 3


def test_a_permission_granted_through_a_group_counts_on_the_next_request(client, handler, view_household):
    client.force_login(handler)
    assert client.get(LIST).status_code == 403
    group = Group.objects.create(name="户籍查看")
    group.permissions.add(view_household)
    handler.groups.add(group)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200  # now from the cache


def test_a_permission_removed_from_the_group_is_gone_on_the_next_request(
    client, handler, view_household, viewers
):
    group = viewers
    client.force_login(handler)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200  # cached
    group.permissions.remove(view_household)
    assert client.get(LIST).status_code == 403


def test_leaving_the_group_or_deleting_it_removes_its_permissions(client, handler, viewers):
    group = viewers
    client.force_login(handler)
    assert client.get(LIST).status_code == 200
    handler.groups.remove(group)
    assert client.get(LIST).status_code == 403
    handler.groups.add(group)
    assert client.get(LIST).status_code == 200
    group.delete()
    assert client.get(LIST).status_code == 403


def test_user_permissions_are_granted_and_removed_on_the_next_request(client, handler, view_household):
    client.force_login(handler)
    assert client.get(LIST).status_code == 403
    handler.user_permissions.add(view_household)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200
    handler.user_permissions.clear()
    assert client.get(LIST).status_code == 403


def test_an_inactive_user_has_no_permissions(handler, view_household):
    handler.user_permissions.add(view_household)
    fresh = Staff.objects.get(pk=handler.pk)
    assert fresh.has_perm("registry.view_household")
    Staff.objects.filter(pk=handler.pk).update(is_active=False)
    inactive = Staff.objects.get(pk=handler.pk)
    assert not inactive.has_perm("registry.view_household")
    assert not inactive.has_perm("territory.view_adminunit")  # nor the role's
    assert inactive.get_all_permissions() == set()


def test_a_removed_jurisdiction_is_out_of_sight_on_the_next_request(client, tree, township_cadre):
    household = make_household(tree.village_a2, address="甲二村一组1号")
    client.force_login(township_cadre)
    page = f"/work/registry/households/{household.pk}/"
    assert client.get(page).status_code == 200
    assert client.get(page).status_code == 200  # cached
    township_cadre.jurisdictions.remove(tree.village_a2)
    assert client.get(page).status_code == 404
    township_cadre.jurisdictions.add(tree.village_a2)
    assert client.get(page).status_code == 200


def test_an_entry_computed_before_the_change_committed_is_not_used_after_it(
    handler, view_household, django_capture_on_commit_callbacks
):
    """Another request may read the old rows after the version changed but before the change committed."""
    handler.user_permissions.add(view_household)
    with django_capture_on_commit_callbacks(execute=True):
        handler.user_permissions.remove(view_household)
        # What that request would have stored: the old permission under the version of the moment.
        stale = {"perms": frozenset({"registry.view_household"}), "paths": ()}
        cache.set(access._entry_key(handler.pk), (cache.get(access.VERSION_KEY), stale))
    assert not Staff.objects.get(pk=handler.pk).has_perm("registry.view_household")


def test_an_unreadable_cache_falls_back_to_the_database(client, handler, view_household):
    handler.user_permissions.add(view_household)
    client.force_login(handler)
    with mock.patch.object(access.cache, "get_many", side_effect=ConnectionError("cache down")):
        assert client.get(LIST).status_code == 200
        handler.user_permissions.remove(view_household)
        assert client.get(LIST).status_code == 403


def test_roles_still_grant_their_permissions(village_official, handler):
    assert village_official.has_perm("registry.view_full_pii")
    assert not handler.has_perm("registry.view_household")
    assert "territory.view_adminunit" in Staff.objects.get(pk=handler.pk).get_all_permissions()


def _staff_row_queries(queries, staff) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "territory_staff"' in q["sql"] and str(staff.pk) in q["sql"]]


def test_a_signed_in_page_reads_the_staff_row_from_the_cache(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200  # the session's renewal and the access entry
    access.staff_changed(village_official.pk)
    with CaptureQueriesContext(connection) as first:
        assert client.get(LIST).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(LIST).status_code == 200
    assert len(_staff_row_queries(first, village_official)) == 1
    assert _staff_row_queries(again, village_official) == []
    assert len(again) == len(first) - 1


def test_the_cached_row_holds_no_password(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200
    stored = cache.get(access._user_key(village_official.pk))
    assert stored is not None
    assert village_official.password not in repr(stored)


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200  # from the cache
    village_official.is_active = False
    village_official.save(update_fields=["is_active"])
    assert client.get(LIST).status_code == 302


def test_a_new_password_ends_other_sessions_on_their_next_request(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200
    village_official.set_password("another-long-passphrase")
    village_official.save()
    assert client.get(LIST).status_code == 302


def test_a_renamed_user_shows_the_new_name_on_the_next_request(client, village_official):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200
    village_official.full_name = "改名后的村干部"
    village_official.save(update_fields=["full_name"])
    assert "改名后的村干部" in client.get(LIST).content.decode()


def test_a_row_read_before_the_change_committed_is_not_used_after_it(
    client, village_official, django_capture_on_commit_callbacks
):
    client.force_login(village_official)
    assert client.get(LIST).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        stored = cache.get(access._user_key(village_official.pk))
        village_official.is_active = False
        village_official.save(update_fields=["is_active"])
        # What a request reading the old row between the save and the commit would have stored.
        version = cache.get(access._user_version_key(village_official.pk))
        cache.set(access._user_key(village_official.pk), (version, *stored[1:]))
    assert client.get(LIST).status_code == 302


def test_the_staff_row_comes_from_the_database_when_the_cache_is_down(client, village_official):
    client.force_login(village_official)
    with mock.patch.object(access.cache, "get_many", side_effect=ConnectionError("cache down")):
        assert client.get(LIST).status_code == 200
        village_official.is_active = False
        Staff.objects.filter(pk=village_official.pk).update(is_active=False)
        assert client.get(LIST).status_code == 302
