from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from burden import services
from burden.models import Assignment, TaskType
from burden.workdays import working_days_between
from core.testing import make_staff
from journal.models import Entry
from territory.models import Department
from territory.roles import Role

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.fixture
def civil(tree):
    return Department.objects.create(unit=tree.county, name="民政局", code="civil")


def _record(actor, tree, **kwargs):
    defaults = {
        "type": TaskType.FORM,
        "title": "特困人员摸排表",
        "issuer_unit": tree.county,
        "received_at": at(23),  # a Monday
        "deadline": at(27, 18),
        "units": [tree.village_a1],
    }
    return services.task_record(actor=actor, **{**defaults, **kwargs})


def test_working_days_skip_weekends_and_holidays():
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0  # morning for afternoon
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1  # National Day week


def test_task_under_floor_is_flagged_unreasonable(tree, village_official):
    task = _record(village_official, tree, deadline=at(23, 17))
    assert task.lead_working_days == 0
    assert task.unreasonable_deadline


def test_task_with_enough_lead_time_is_not_flagged(tree, village_official):
    task = _record(village_official, tree, deadline=at(27, 18))
    assert task.lead_working_days == 4
    assert not task.unreasonable_deadline


def test_floor_is_a_county_setting(tree, county_supervisor, village_official):
    services.setting_update(
        actor=county_supervisor,
        county=tree.county,
        lead_time_floor_days=5,
        weekly_hours=Decimal(40),
        minutes_per_cell=Decimal("0.5"),
        hours_per_visit=Decimal("0.75"),
    )
    assert _record(village_official, tree, deadline=at(27, 18)).unreasonable_deadline


def test_type_default_hours_apply_and_can_be_overridden(tree, county_supervisor, village_official):
    assert _record(village_official, tree).estimated_hours == Decimal("4.0")
    services.setting_update(
        actor=county_supervisor,
        county=tree.county,
        lead_time_floor_days=3,
        weekly_hours=Decimal(40),
        minutes_per_cell=Decimal("0.5"),
        hours_per_visit=Decimal("0.75"),
        type_defaults={TaskType.FORM: Decimal("6.5")},
    )
    assert _record(village_official, tree).estimated_hours == Decimal("6.5")
    assert _record(village_official, tree, estimated_hours=Decimal(2)).estimated_hours == Decimal(2)


def test_only_supervisors_change_settings(tree, township_leader):
    with pytest.raises(PermissionDenied):
        services.setting_update(
            actor=township_leader,
            county=tree.county,
            lead_time_floor_days=0,
            weekly_hours=Decimal(40),
            minutes_per_cell=Decimal("0.5"),
            hours_per_visit=Decimal("0.75"),
        )


def test_village_official_cannot_record_task_for_other_village(tree, village_official):
    with pytest.raises(PermissionDenied):
        _record(village_official, tree, units=[tree.village_b1])


def test_issuing_department_may_assign_anywhere_in_its_county(tree, civil):
    handler = make_staff(Role.COUNTY_HANDLER, [], username="civil-handler", department=civil)
    task = _record(handler, tree, issuer_department=civil, units=[tree.village_a1, tree.village_b1])
    assert task.assignments.count() == 2


def test_deadline_before_receipt_is_refused(tree, village_official):
    with pytest.raises(ValidationError):
        _record(village_official, tree, deadline=at(20))


def test_assignment_per_cadre_of_each_unit(tree, township_cadre, township_leader):
    task = _record(township_leader, tree, units=[tree.village_a1, tree.village_a2], staff=[township_cadre])
    rows = set(Assignment.objects.filter(task=task).values_list("unit_id", "staff_id"))
    assert rows == {(tree.village_a1.pk, township_cadre.pk), (tree.village_a2.pk, township_cadre.pk)}


def test_recording_is_journaled(tree, village_official):
    task = _record(village_official, tree, deadline=at(23, 17))
    entry = Entry.objects.get(action="burden.task.recorded", target_id=str(task.pk))
    assert entry.data["unreasonable"] is True


def test_moving_the_deadline_rechecks_the_floor_and_reaches_assignees(tree, village_official):
    task = _record(village_official, tree, deadline=at(23, 17))
    assert task.unreasonable_deadline
    services.task_update(actor=village_official, task=task, deadline=at(30, 18), estimated_hours=Decimal(7))
    task.refresh_from_db()
    assert task.lead_working_days == 5 and not task.unreasonable_deadline
    assert set(task.assignments.values_list("hours", flat=True)) == {Decimal(7)}
    assert Entry.objects.filter(action="burden.task.updated", target_id=str(task.pk)).exists()


def test_cannot_update_a_task_of_another_village(tree, village_official):
    task = _record(None, tree, units=[tree.village_b1])
    with pytest.raises(PermissionDenied):
        services.task_update(actor=village_official, task=task, title="改")
