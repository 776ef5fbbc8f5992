"""Editors are scoped in Wagtail to the site or section of their own jurisdiction."""

import pytest
from wagtail.models import GroupPagePermission

from core.testing import make_staff
from portal import services
from territory.roles import Role

pytestmark = pytest.mark.django_db


def test_township_leader_edits_and_publishes_only_their_township_section(portal_site, township_leader):
    services.editor_sync(staff=township_leader)
    section_a = portal_site["sections"][township_leader.jurisdictions.get().pk]
    own = portal_site["channels"][section_a.unit_id]["notice"]
    other = next(s for pk, s in portal_site["sections"].items() if pk != section_a.unit_id)
    assert own.permissions_for_user(township_leader).can_add_subpage()
    assert own.permissions_for_user(township_leader).can_publish_subpage()
    assert not other.permissions_for_user(township_leader).can_edit()
    assert not portal_site["home"].permissions_for_user(township_leader).can_edit()
    assert (
        not portal_site["channels"]["county"]["news"].permissions_for_user(township_leader).can_add_subpage()
    )


def test_township_cadre_with_a_township_drafts_but_cannot_publish(portal_site, tree):
    cadre = make_staff(Role.TOWNSHIP_CADRE, [tree.town_a], username="cadre_town_a")
    services.editor_sync(staff=cadre)
    channel = portal_site["channels"][tree.town_a.pk]["news"]
    assert channel.permissions_for_user(cadre).can_add_subpage()
    assert not channel.permissions_for_user(cadre).can_publish_subpage()


def test_county_administrator_gets_the_whole_county_site(portal_site, administrator):
    groups = services.editor_sync(staff=administrator)
    assert len(groups) == 1
    assert GroupPagePermission.objects.filter(group=groups[0], page=portal_site["home"]).exists()
    assert (
        portal_site["channels"][portal_site["sections"].__iter__().__next__()]["news"]
        .permissions_for_user(administrator)
        .can_publish_subpage()
    )


def test_village_official_without_a_village_section_gets_no_cms_pages(portal_site, village_official):
    assert services.editor_sync(staff=village_official) == []


def test_losing_the_jurisdiction_removes_the_cms_rights(portal_site, township_leader, tree):
    services.editor_sync(staff=township_leader)
    township_leader.jurisdictions.set([])
    del township_leader._jurisdiction_paths
    services.editor_sync(staff=township_leader)
    assert not township_leader.groups.filter(name__startswith=services.GROUP_PREFIX).exists()
    assert not portal_site["sections"][tree.town_a.pk].permissions_for_user(township_leader).can_edit()


def test_sync_is_journaled(portal_site, township_leader):
    from journal.models import Entry

    services.editor_sync(staff=township_leader)
    assert Entry.objects.filter(action="portal.editors.synced", target_id=str(township_leader.pk)).exists()


def test_login_syncs_cms_rights(client, portal_site, township_leader, tree):
    client.force_login(township_leader)
    assert township_leader.groups.filter(name__startswith=services.GROUP_PREFIX).count() == 1


def test_cms_refuses_editing_a_page_outside_the_jurisdiction(client, portal_site, township_leader, tree):
    client.force_login(township_leader)
    other = portal_site["channels"][tree.town_b.pk]["notice"]
    own = portal_site["channels"][tree.town_a.pk]["notice"]
    assert client.get(f"/cms/pages/{other.pk}/edit/").status_code in (302, 403)
    assert client.post(f"/cms/pages/{other.pk}/edit/", {"title": "篡改"}).status_code in (302, 403)
    assert client.get(f"/cms/pages/{own.pk}/edit/").status_code == 200


def test_staff_without_editor_role_cannot_enter_the_cms(client, portal_site, county_supervisor):
    client.force_login(county_supervisor)
    response = client.get("/cms/")
    assert response.status_code in (302, 403)


def test_a_cadres_draft_goes_for_moderation_to_the_publishers_of_that_township(portal_site, tree):
    """Moderation follows jurisdiction: the township's publishers approve, another township's cannot."""
    from portal.models import ArticlePage

    leader_a = make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="leader_town_a")
    leader_b = make_staff(Role.TOWNSHIP_LEADER, [tree.town_b], username="leader_town_b")
    cadre = make_staff(Role.TOWNSHIP_CADRE, [tree.town_a], username="cadre_town_a2")
    for staff in (leader_a, leader_b, cadre):
        services.editor_sync(staff=staff)
    channel = portal_site["channels"][tree.town_a.pk]["news"]
    draft = ArticlePage(
        title="村道硬化完工", slug="road-done", source="甲镇", body="<p>村道硬化工程已完工。</p>", live=False
    )
    channel.add_child(instance=draft)
    draft.save_revision(user=cadre)
    workflow = draft.get_workflow()
    assert workflow is not None and "甲镇" in workflow.name
    state = workflow.start(draft, cadre)
    task = state.current_task_state.task.specific
    assert task.get_actions(draft, leader_a)  # approve / reject offered to A's leader
    assert not task.get_actions(draft, leader_b)
    assert not task.get_actions(draft, cadre)


def test_a_scheduled_article_goes_live_only_when_its_time_comes(portal_site, tree):
    """Scheduled publishing is Wagtail's: `manage.py publish_scheduled` (run every minute) publishes it."""
    from datetime import timedelta
    from unittest import mock

    from django.core.management import call_command
    from django.utils import timezone

    from portal.models import ArticlePage

    channel = portal_site["channels"][tree.town_a.pk]["news"]
    page = ArticlePage(
        title="定时发布的通知",
        slug="scheduled-notice",
        source="甲镇",
        body="<p>明早发布。</p>",
        live=False,
        go_live_at=timezone.now() + timedelta(hours=1),
    )
    channel.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    assert not page.live
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert not page.live  # not yet
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live
