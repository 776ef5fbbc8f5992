"""Village-affairs disclosure: built from the registry in the editor's jurisdiction, masked, journaled, withdrawn."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from core.testing import make_household, make_person, synthetic_id
from journal.models import Entry
from portal import services
from portal.models import DisclosurePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def dibao_households(tree):
    made = []
    for village, name in [
        (tree.village_a1, "张建明"),
        (tree.village_a1, "李红"),
        (tree.village_b1, "乙村人"),
    ]:
        household = make_household(village, address=f"{name}家", tags=[tree.tags["dibao"]])
        make_person(household, name, id_number=synthetic_id())
        made.append(household)
    make_person(make_household(tree.village_a1, address="非低保户"), "王五", id_number=synthetic_id())
    return made


def _publish(leader, portal_site, tree, **kwargs):
    services.editor_sync(staff=leader)
    channel = portal_site["channels"][tree.town_a.pk]["disclosure"]
    return services.disclosure_publish(
        actor=leader,
        channel=channel,
        village=tree.village_a1,
        tag_code="dibao",
        title="甲一村2026年第四季度低保对象公示",
        period_label="2026年第四季度",
        **kwargs,
    )


def test_disclosure_lists_the_villages_tagged_households_masked(
    client, portal_site, tree, township_leader, dibao_households
):
    page = _publish(township_leader, portal_site, tree)
    names = sorted(row["name"] for row in page.rows)
    assert names == ["张*明", "李*"]
    html = client.get(page.url).content.decode()
    assert "张*明" in html and "李*" in html
    assert "张建明" not in html and "李红" not in html and "王五" not in html and "乙村人" not in html
    for person in [h.members.get() for h in dibao_households[:2]]:
        full_id = person.id_masked
        assert full_id[:4] + "**********" + full_id[-4:] in html
    assert "共 2 户" in html


def test_publishing_is_journaled_without_personal_data(portal_site, tree, township_leader, dibao_households):
    page = _publish(township_leader, portal_site, tree)
    entry = Entry.objects.get(action="portal.disclosure.published")
    assert entry.target_id == str(page.pk) and entry.data["rows"] == 2
    assert "张建明" not in str(entry.data)


def test_editor_cannot_disclose_a_village_outside_their_jurisdiction(
    portal_site, tree, township_leader, dibao_households
):
    services.editor_sync(staff=township_leader)
    with pytest.raises(PermissionDenied):
        services.disclosure_publish(
            actor=township_leader,
            channel=portal_site["channels"][tree.town_a.pk]["disclosure"],
            village=tree.village_b1,
            tag_code="dibao",
            title="越权公示",
            period_label="本季度",
        )


def test_editor_cannot_publish_into_another_townships_channel(
    portal_site, tree, township_leader, dibao_households
):
    services.editor_sync(staff=township_leader)
    with pytest.raises(PermissionDenied):
        services.disclosure_publish(
            actor=township_leader,
            channel=portal_site["channels"][tree.town_b.pk]["disclosure"],
            village=tree.village_a1,
            tag_code="dibao",
            title="发错地方",
            period_label="本季度",
        )


def test_expired_disclosure_is_not_shown_even_before_withdrawal_runs(
    client, portal_site, tree, township_leader, dibao_households
):
    page = _publish(township_leader, portal_site, tree, days=7)
    url = page.url
    assert client.get(url).status_code == 200
    DisclosurePage.objects.filter(pk=page.pk).update(withdraw_at=timezone.now() - timedelta(minutes=1))
    from django.core.cache import cache

    cache.clear()
    assert client.get(url).status_code == 404
    channel_html = client.get(portal_site["channels"][tree.town_a.pk]["disclosure"].url).content.decode()
    assert "低保对象公示" not in channel_html


def test_withdrawal_command_unpublishes_and_journals(portal_site, tree, township_leader, dibao_households):
    page = _publish(township_leader, portal_site, tree, days=30)
    assert services.disclosure_withdraw_expired(now=timezone.now() + timedelta(days=29)) == 0
    DisclosurePage.objects.filter(pk=page.pk).update(withdraw_at=timezone.now() - timedelta(seconds=1))
    call_command("portal_withdraw_expired", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.refresh_from_db()
    assert not page.live
    assert Entry.objects.filter(action="portal.disclosure.withdrawn", target_id=str(page.pk)).exists()


def test_withdrawal_task_runs_the_same_rule(portal_site, tree, township_leader, dibao_households):
    from portal.tasks import withdraw_expired_disclosures

    page = _publish(township_leader, portal_site, tree, days=1)
    DisclosurePage.objects.filter(pk=page.pk).update(withdraw_at=timezone.now() - timedelta(seconds=1))
    result = withdraw_expired_disclosures.enqueue()
    assert result.return_value == 1


def test_disclosure_notes_cannot_carry_a_link_farm_and_markup_is_escaped(
    client, portal_site, tree, township_leader, dibao_households
):
    from django.core.exceptions import ValidationError

    from portal.tests.conftest import LINK_FARM

    with pytest.raises(ValidationError):
        _publish(township_leader, portal_site, tree, intro=LINK_FARM)
    page = _publish(township_leader, portal_site, tree, intro='<script>alert("x")</script>')
    html = client.get(page.url).content.decode()
    assert "<script" not in html and "&lt;script&gt;" in html
