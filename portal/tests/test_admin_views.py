"""The portal's screens in the CMS: building a disclosure list and moderating feedback go through the services."""

import pytest

from core.testing import make_household, make_person, synthetic_id
from portal import services
from portal.models import DisclosurePage, Feedback

pytestmark = pytest.mark.django_db


def test_leader_builds_a_disclosure_list_from_the_cms(client, portal_site, tree, township_leader):
    household = make_household(tree.village_a1, address="一组", tags=[tree.tags["dibao"]])
    make_person(household, "赵长山", id_number=synthetic_id())
    client.force_login(township_leader)
    page = client.get("/cms/portal/disclosure/").content.decode()
    assert "甲一村" in page and "乙一村" not in page  # only villages of the jurisdiction are offered
    channel = portal_site["channels"][tree.town_a.pk]["disclosure"]
    response = client.post(
        "/cms/portal/disclosure/",
        {
            "channel": channel.pk,
            "village": tree.village_a1.pk,
            "tag": "dibao",
            "title": "甲一村低保公示",
            "period_label": "本季度",
            "days": 30,
        },
    )
    assert response.status_code == 302
    disclosure = DisclosurePage.objects.get()
    assert disclosure.live and disclosure.rows[0]["name"] == "赵*山"


def test_cms_disclosure_refuses_a_village_outside_the_jurisdiction(
    client, portal_site, tree, township_leader
):
    client.force_login(township_leader)
    response = client.post(
        "/cms/portal/disclosure/",
        {
            "channel": portal_site["channels"][tree.town_a.pk]["disclosure"].pk,
            "village": tree.village_b1.pk,
            "tag": "dibao",
            "title": "越权",
            "period_label": "本季度",
            "days": 30,
        },
    )
    assert response.status_code == 200 and not DisclosurePage.objects.exists()


def test_township_leader_cannot_moderate_county_feedback(client, portal_site, township_leader):
    feedback = services.feedback_submit(
        root=portal_site["home"], name="老李", body="路灯坏了", address="1.1.1.1"
    )
    client.force_login(township_leader)
    response = client.post(f"/cms/portal/feedback/{feedback.pk}/", {"status": "published"})
    assert response.status_code == 404
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.PENDING


def test_county_administrator_publishes_feedback_with_a_reply(client, portal_site, administrator):
    feedback = services.feedback_submit(
        root=portal_site["home"], name="老李", body="路灯坏了", address="1.1.1.1"
    )
    client.force_login(administrator)
    assert "路灯坏了" in client.get("/cms/portal/feedback/").content.decode()
    client.post(f"/cms/portal/feedback/{feedback.pk}/", {"status": "published", "reply": "已修好"})
    client.logout()
    html = client.get("/feedback/").content.decode()
    assert "路灯坏了" in html and "已修好" in html
