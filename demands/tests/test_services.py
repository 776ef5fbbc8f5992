from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demands import services
from demands.models import Demand, DemandEvent
from demands.tests.factories import make_demand
from demands.workdays import Clock, official_2026_days
from journal.models import Entry

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, 0, tzinfo=SH)


def test_the_shipped_2026_calendar_has_33_holidays_and_6_adjusted_workdays():
    days = official_2026_days()
    assert sum(1 for _d, k, _n in days if k == "holiday") == 33
    assert sorted(d for d, k, _n in days if k == "workday") == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_working_day_clock_skips_national_day_and_counts_the_adjusted_saturday(setup, tree):
    clock = Clock.for_county(tree.county.pk)
    # Tue 29 Sep: Wed 30 Sep is day 1; 1–7 Oct off; Thu 8, Fri 9, Sat 10 (worked) are days 2–4.
    due = clock.add_working_days(at(2026, 9, 29), 4)
    assert timezone.localtime(due).date() == date(2026, 10, 10)
    # Sat 19 Sep → Sun 20 Sep is a worked Sunday: one working day later is the 20th.
    assert timezone.localtime(clock.add_working_days(at(2026, 9, 19), 1)).date() == date(2026, 9, 20)
    # An ordinary Friday: the next working day is Monday.
    assert timezone.localtime(clock.add_working_days(at(2026, 11, 27), 1)).date() == date(2026, 11, 30)


def test_deadlines_come_from_server_time_and_the_category_clock(setup, tree):
    demand = make_demand(tree, setup)
    created = timezone.localtime(demand.created_at).date()
    clock = Clock.for_county(tree.county.pk)
    assert (
        timezone.localtime(demand.accept_due).date()
        == timezone.localtime(clock.add_working_days(demand.created_at, 1)).date()
    )
    assert clock.working_days_between(demand.created_at, demand.resolve_due) == 10
    assert timezone.localtime(demand.resolve_due).date() > created


def test_routing_follows_the_authority_matrix(setup, tree):
    road = make_demand(tree, setup, category="road")
    assert (road.owner_level, road.owner_unit, road.owner_department) == ("village", tree.village_a1, None)
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    assert welfare.owner_department == setup["civil"]
    assert welfare.owner_label == "县民政局"
    small_land = make_demand(tree, setup, category="land", text="占地补偿款没到", amount=Decimal("3000"))
    assert small_land.owner_department == setup["social_a"]
    assert small_land.owner_label == "甲镇社会事务办"
    big_land = make_demand(tree, setup, category="land", text="占地补偿款没到", amount=Decimal("80000"))
    assert big_land.owner_department == setup["land_dept"]
    project = make_demand(
        tree, setup, category="land", text="县里修路占了我家地", concerns_county_project=True
    )
    assert project.owner_department == setup["land_dept"]
    assert project.events.filter(kind=DemandEvent.Kind.ROUTED, text__contains="县自然资源局").exists()


def test_phone_is_encrypted_and_masked_and_journal_has_only_the_mask(setup, tree):
    demand = make_demand(tree, setup, phone="13912345678")
    assert demand.phone_masked == "139****5678"
    assert "13912345678" not in demand.phone_cipher
    entry = Entry.objects.filter(action="demands.demand.created").last()
    assert "13912345678" not in str(entry.data)


def test_transfer_requires_a_reason(setup, tree, land_handler):
    demand = make_demand(tree, setup, category="land", concerns_county_project=True)
    with pytest.raises(ValidationError):
        services.demand_transfer(actor=land_handler, demand=demand, reason=" ", to_department=setup["civil"])


def test_after_two_transfers_the_demand_goes_to_the_coordinator(setup, tree, land_handler, civil_handler):
    demand = make_demand(tree, setup, category="land", concerns_county_project=True)
    services.demand_transfer(actor=land_handler, demand=demand, reason="属民政", to_department=setup["civil"])
    services.demand_transfer(
        actor=civil_handler, demand=demand, reason="属国土", to_department=setup["land_dept"]
    )
    assert demand.transfers == 2
    services.demand_transfer(
        actor=land_handler, demand=demand, reason="还是民政", to_department=setup["civil"]
    )
    demand.refresh_from_db()
    assert demand.owner_department == setup["petitions"]
    assert demand.with_coordinator
    assert demand.events.filter(kind=DemandEvent.Kind.COORDINATOR).count() == 1


def test_the_coordinator_can_assign_after_the_cap(
    setup, tree, land_handler, civil_handler, petitions_handler
):
    demand = make_demand(tree, setup, category="land", concerns_county_project=True)
    for actor, to in [(land_handler, "civil"), (civil_handler, "land_dept"), (land_handler, "civil")]:
        services.demand_transfer(actor=actor, demand=demand, reason="不归我", to_department=setup[to])
    services.demand_transfer(
        actor=petitions_handler, demand=demand, reason="协调后定", to_department=setup["land_dept"]
    )
    assert demand.owner_department == setup["land_dept"]
    assert not demand.with_coordinator


def test_only_the_owner_can_act(setup, tree, civil_handler, village_official):
    demand = make_demand(tree, setup, category="land", concerns_county_project=True)
    with pytest.raises(PermissionDenied):
        services.demand_accept(actor=civil_handler, demand=demand)
    with pytest.raises(PermissionDenied):
        services.demand_answer(actor=village_official, demand=demand, outcome="resolved", answer="好了")


def test_unresolvable_needs_the_policy_cited(setup, tree, village_official):
    demand = make_demand(tree, setup)
    with pytest.raises(ValidationError):
        services.demand_answer(actor=village_official, demand=demand, outcome="unresolvable", answer="办不了")
    services.demand_answer(
        actor=village_official,
        demand=demand,
        outcome="unresolvable",
        answer="不在规划内",
        policy="县道路规划（2025）",
    )
    assert demand.status == Demand.Status.ANSWERED


def test_not_resolved_verdict_reopens_with_history(setup, tree, village_official):
    demand = make_demand(tree, setup)
    services.demand_accept(actor=village_official, demand=demand)
    services.demand_answer(actor=village_official, demand=demand, outcome="resolved", answer="已修好")
    services.demand_verdict(actor=None, demand=demand, resolved=False, satisfied=False, channel="portal")
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PROCESSING
    assert demand.reopen_count == 1
    kinds = list(demand.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["answered", "verdict", "reopened"]
    services.demand_answer(actor=village_official, demand=demand, outcome="resolved", answer="换了新灯")
    services.demand_verdict(
        actor=village_official, demand=demand, resolved=True, satisfied=True, channel="visit"
    )
    assert demand.status == Demand.Status.CLOSED


def test_sweep_reminds_before_and_escalates_after_a_deadline(
    setup, tree, django_capture_on_commit_callbacks, memory_sender
):
    from core.testing import make_staff
    from territory.roles import Role

    make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="leader_x", phone="13700000001")
    make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="vo_x", phone="13700000002")
    demand = make_demand(tree, setup)
    with django_capture_on_commit_callbacks(execute=True):
        stats = services.deadline_sweep(now=demand.accept_due - timedelta(hours=2))
    assert stats == {"reminded": 1, "escalated": 0}
    assert any(m.kind == "reminder" and m.phone == "13700000002" for m in memory_sender.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        stats = services.deadline_sweep(now=demand.accept_due + timedelta(minutes=1))
    assert stats["escalated"] == 1
    demand.refresh_from_db()
    assert demand.accept_breached and demand.escalated_to == tree.town_a
    assert demand.events.filter(kind=DemandEvent.Kind.ESCALATED, text__contains="甲镇").exists()
    assert any(m.kind == "escalation" and m.phone == "13700000001" for m in memory_sender.outbox)
    # Running again changes nothing: each reminder and escalation happens once.
    assert services.deadline_sweep(now=demand.accept_due + timedelta(minutes=2)) == {
        "reminded": 0,
        "escalated": 0,
    }
    # Resolve breach escalates one level further, to the county.
    services.deadline_sweep(now=demand.resolve_due + timedelta(minutes=1))
    demand.refresh_from_db()
    assert demand.resolve_breached and demand.escalated_to == tree.county


def test_merge_closes_the_duplicate_into_the_earlier_demand(setup, tree, village_official):
    first = make_demand(tree, setup, text="村口的路灯坏了，晚上看不见路")
    second = make_demand(tree, setup, text="村口路灯坏了好久，晚上出门看不见")
    from demands.selectors import duplicate_candidates

    assert first in duplicate_candidates(user=village_official, demand=second)
    services.demand_merge(actor=village_official, demand=second, into=first)
    assert (
        second.status == Demand.Status.CLOSED
        and second.outcome == "duplicate"
        and second.merged_into == first
    )


def test_withdrawn_closes_with_reason(setup, tree, village_official):
    demand = make_demand(tree, setup)
    services.demand_withdraw(actor=village_official, demand=demand, reason="自己修好了")
    assert demand.outcome == "withdrawn" and demand.status == Demand.Status.CLOSED


def test_attachment_type_is_checked_by_content(setup, tree, village_official, settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    demand = make_demand(tree, setup)
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.attachment_add(actor=village_official, demand=demand, upload=fake)
    png = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="text/plain")
    attachment = services.attachment_add(actor=village_official, demand=demand, upload=png)
    assert attachment.content_type == "image/png"
    assert services.attachment_path(attachment).is_file()
    assert str(tmp_path) in str(services.attachment_path(attachment))


def test_open311_key_is_stored_only_as_a_hash(db):
    client, key = services.open311_client_issue(actor=None, name="市民通")
    assert key not in client.key_hash and services.open311_client_authenticate(key=key) == client
    assert services.open311_client_authenticate(key="wrong") is None


def test_a_registry_person_brings_place_and_phone_so_nobody_asks_twice(setup, tree, village_official):
    from core.testing import make_household, make_person

    household = make_household(tree.village_a1, address="甲一村三组5号")
    person = make_person(household, "刘桂芝", phone="13900007777")
    demand = services.demand_create(
        actor=village_official,
        resident_name=person.name,
        text="想申请低保",
        place_unit=tree.village_a1,
        category=setup["welfare"],
        person=person,
    )
    assert demand.household == household and demand.place == "甲一村三组5号"
    assert demand.phone_masked == "139****7777"


def test_village_official_cannot_record_for_a_household_elsewhere(setup, tree, village_official):
    from core.testing import make_household

    household = make_household(tree.village_b1, address="乙一村一组")
    with pytest.raises(PermissionDenied):
        services.demand_create(
            actor=village_official,
            resident_name="x",
            text="路灯",
            place_unit=tree.village_a1,
            category=setup["road"],
            household=household,
        )


def test_the_sweep_runs_as_a_command_and_as_a_background_task(setup, tree):
    from django.core.management import call_command

    from demands.tasks import deadline_sweep_task

    demand = make_demand(tree, setup)
    Demand.objects.filter(pk=demand.pk).update(accept_due=timezone.now() - timedelta(minutes=5))
    result = deadline_sweep_task.enqueue()
    assert result.return_value == {"reminded": 0, "escalated": 1}
    call_command("demands_sweep")
    demand.refresh_from_db()
    assert demand.accept_breached and demand.escalated_to == tree.town_a
