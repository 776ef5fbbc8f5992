import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.testing import make_household, make_person
from journal.models import Checkpoint, Encounter, Entry
from journal.services import encounter_acknowledge, encounter_record


def _encounter(actor, village, **kw):
    return encounter_record(
        actor=actor,
        village=village,
        occurred_at=timezone.now(),
        place="村委会",
        counterpart="王大爷",
        asked="要求当天解决宅基地纠纷",
        promised="三天内请乡里国土所来现场看",
        **kw,
    )


def test_cadre_records_an_encounter_and_the_journal_holds_what_was_said(township_cadre, tree):
    encounter = _encounter(township_cadre, tree.village_a1)
    entry = Entry.objects.get(seq=encounter.recorded_seq)
    assert entry.action == "journal.encounter.recorded" and entry.actor == township_cadre
    assert entry.data["asked"] == "要求当天解决宅基地纠纷" and entry.data["promised"].startswith("三天内")
    assert encounter.scope_path == tree.village_a1.path


def test_encounter_outside_jurisdiction_is_refused(village_official, tree):
    with pytest.raises(PermissionDenied):
        _encounter(village_official, tree.village_b1)


def test_role_without_the_capability_cannot_record(county_supervisor, tree):
    with pytest.raises(PermissionDenied):
        _encounter(county_supervisor, tree.village_a1)


def test_household_must_lie_in_the_chosen_village(village_official, tree):
    other = make_household(tree.village_a2, address="甲二村1号")
    with pytest.raises((ValidationError, PermissionDenied)):
        _encounter(village_official, tree.village_a1, household=other)


def test_resident_acknowledges_once_and_it_is_journaled(village_official, tree):
    encounter = _encounter(village_official, tree.village_a1)
    encounter_acknowledge(actor=village_official, encounter=encounter, resident_name="王建国")
    entry = Entry.objects.get(seq=encounter.acknowledged_seq)
    assert entry.action == "journal.encounter.acknowledged" and entry.data["resident_name"] == "王建国"
    with pytest.raises(ValidationError):
        encounter_acknowledge(actor=village_official, encounter=encounter, resident_name="王建国")


def test_record_acknowledge_and_receipt_through_the_pages(client, village_official, tree):
    client.force_login(village_official)
    response = client.post(
        reverse("journal:encounter_new"),
        {
            "village": tree.village_a1.pk,
            "occurred_at": "2026-11-20T10:30",
            "place": "村委会门口",
            "counterpart": "李大姐",
            "asked": "要求马上发放补贴",
            "promised": "本周五前答复",
        },
    )
    encounter = Encounter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "journal:encounter_detail", args=[encounter.pk]
    )
    page = client.get(reverse("journal:encounter_acknowledge", args=[encounter.pk])).content.decode()
    assert "要求马上发放补贴" in page and "本周五前答复" in page
    response = client.post(
        reverse("journal:encounter_acknowledge", args=[encounter.pk]),
        {"resident_name": "李秀英", "agree": "on"},
    )
    encounter.refresh_from_db()
    assert response["Location"] == reverse("journal:receipt", args=[encounter.acknowledged_seq])
    receipt = client.get(response["Location"])
    body = receipt.content.decode()
    entry = Entry.objects.get(seq=encounter.acknowledged_seq)
    assert entry.entry_hash in body and "<svg" in body and "<script" not in body.split("</head>")[1]
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.tree_size >= entry.seq and checkpoint.note.splitlines()[0] in body
    assert re.search(r"— doorstep\.test/journal \S+", body)


def test_acknowledge_needs_the_residents_name_and_agreement(client, village_official, tree):
    encounter = _encounter(village_official, tree.village_a1)
    client.force_login(village_official)
    response = client.post(
        reverse("journal:encounter_acknowledge", args=[encounter.pk]), {"resident_name": ""}
    )
    assert response.status_code == 200
    encounter.refresh_from_db()
    assert encounter.acknowledged_at is None


def test_actor_gets_receipt_for_own_entry_but_not_for_anothers_out_of_scope(client, village_official, tree):
    import journal

    own = journal.record(actor=village_official, action="journal.entry.exported", data={})
    client.force_login(village_official)
    assert client.get(reverse("journal:receipt", args=[own.seq])).status_code == 200
    household = make_household(tree.village_b1, address="乙一村3号")
    foreign = journal.record(actor=None, action="journal.entry.exported", target=household, data={})
    assert client.get(reverse("journal:receipt", args=[foreign.seq])).status_code == 404


def test_my_encounters_list_shows_only_mine_and_pins_queries(
    client, village_official, township_cadre, tree, django_assert_num_queries
):
    for _ in range(3):
        _encounter(village_official, tree.village_a1)
    _encounter(township_cadre, tree.village_a1)
    client.force_login(village_official)
    client.get(reverse("journal:index"))
    # 3: no session write within the renewal minute (SESSION_RENEW_SECONDS), the staff row, permissions and
    # jurisdictions from the cache (territory/access.py); it was 7 more on every request.
    with django_assert_num_queries(3):
        response = client.get(reverse("journal:index"))
    assert response.content.decode().count("村委会") == 3
    with django_assert_num_queries(3):
        response = client.get(reverse("journal:index") + "?all=1")
    assert response.content.decode().count("村委会") == 4


def test_person_access_log_lists_who_saw_full_data(client, village_official, tree):
    from datetime import date

    from core.testing import synthetic_id
    from registry.services import person_reveal

    household = make_household(tree.village_a1, address="甲一村5号")
    person = make_person(household, "刘桂芝", id_number=synthetic_id(date(1940, 1, 1), "F"))
    person_reveal(actor=village_official, person=person, field="id_number", purpose="核对低保申请")
    client.force_login(village_official)
    body = client.get(reverse("journal:person_access", args=[person.pk])).content.decode()
    assert "核对低保申请" in body and str(village_official) in body


def test_nav_tab_shows_the_fair_record(client, village_official):
    client.force_login(village_official)
    assert "公正记录" in client.get(reverse("journal:index")).content.decode()


def test_receipt_link_tag_points_at_the_latest_entry_about_an_object(village_official, tree):
    from django.template import Context, Template

    encounter = _encounter(village_official, tree.village_a1)
    encounter_acknowledge(actor=village_official, encounter=encounter, resident_name="王建国")
    html = Template("{% load journal_tags %}{% receipt_link obj %}").render(Context({"obj": encounter}))
    assert reverse("journal:receipt", args=[encounter.acknowledged_seq]) in html


def test_encounter_page_warns_when_the_row_no_longer_matches_the_journal(client, village_official, tree):
    encounter = _encounter(village_official, tree.village_a1)
    client.force_login(village_official)
    url = reverse("journal:encounter_detail", args=[encounter.pk])
    assert "不一致" not in client.get(url).content.decode()
    Encounter.objects.filter(pk=encounter.pk).update(promised="什么也没答应")
    assert "不一致" in client.get(url).content.decode()


def test_home_page_card_counts_my_unacknowledged_encounters(client, village_official, tree):
    _encounter(village_official, tree.village_a1)
    done = _encounter(village_official, tree.village_a1)
    encounter_acknowledge(actor=village_official, encounter=done, resident_name="王建国")
    client.force_login(village_official)
    body = client.get(reverse("home")).content.decode()
    assert "我记的当面沟通 2 次，其中 1 次对方尚未确认" in body
