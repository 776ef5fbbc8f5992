from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from burden import selectors, services
from burden.models import ReportFill, ReportTemplate, RowUnit, TaskType
from core.testing import make_staff
from territory.models import Department
from territory.roles import Role

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, tzinfo=TZ)


@pytest.fixture
def civil(tree):
    return Department.objects.create(unit=tree.county, name="民政局", code="civil")


@pytest.fixture
def tasks(tree, civil):
    def record(
        title, units, hours, *, type=TaskType.FORM, department=civil, deadline=MONDAY + timedelta(days=3)
    ):
        return services.task_record(
            actor=None,
            type=type,
            title=title,
            issuer_unit=department.unit if department else tree.town_a,
            issuer_department=department,
            received_at=MONDAY,
            deadline=deadline,
            units=units,
            estimated_hours=Decimal(hours),
        )

    return {
        "a1": record("甲一村报表", [tree.village_a1], 4),
        "both": record("两村会议", [tree.village_a1, tree.village_a2], 3, type=TaskType.MEETING),
        "b1": record("乙一村检查", [tree.village_b1], 6, type=TaskType.INSPECTION),
        "rush": record("上午布置下午要", [tree.village_a2], 2, deadline=MONDAY + timedelta(hours=6)),
        "town": record("镇里自己的", [tree.village_a1], 1, department=None),
    }


def _titles(qs):
    return sorted(t.title for t in qs)


def test_village_official_sees_tasks_landing_on_own_village(village_official, tasks):
    assert _titles(selectors.task_list(user=village_official)) == ["两村会议", "甲一村报表", "镇里自己的"]


def test_township_leader_sees_tasks_landing_on_its_villages(township_leader, tasks):
    assert "乙一村检查" not in _titles(selectors.task_list(user=township_leader))
    assert len(_titles(selectors.task_list(user=township_leader))) == 4


def test_issuing_department_sees_only_its_own_tasks_county_wide(tree, civil, tasks):
    handler = make_staff(Role.COUNTY_HANDLER, [tree.county], username="civil", department=civil)
    assert _titles(selectors.task_list(user=handler)) == [
        "上午布置下午要",
        "两村会议",
        "乙一村检查",
        "甲一村报表",
    ]


def test_unreasonable_filter(township_leader, tasks):
    assert _titles(selectors.task_list(user=township_leader, filters={"unreasonable": True})) == [
        "上午布置下午要"
    ]


def test_nobody_sees_nothing(nobody, tasks):
    assert not selectors.task_list(user=nobody).exists()


def test_dashboard_adds_hours_per_village_and_ranks_issuers(tree, township_leader, township_cadre, tasks):
    board = selectors.dashboard(user=township_leader, as_of=MONDAY.date(), weeks=1)
    by_unit = {r.label: r for r in board.units}
    assert by_unit["甲一村"].demanded == Decimal(4 + 3 + 1)
    assert by_unit["甲二村"].demanded == Decimal(3 + 2)
    assert "乙一村" not in by_unit
    # The one cadre covering both villages gives each half of a 40-hour week.
    assert by_unit["甲一村"].available == Decimal(20)
    assert board.task_count == 4
    assert board.unreasonable == 1
    assert board.issuers[0][0] == "测试县民政局" and board.issuers[0][1] == Decimal(4 + 3 + 3 + 2)
    counts = {code: n for code, _label, n, _h in board.by_type}
    assert counts["form"] == 3 and counts["meeting"] == 1 and counts["inspection"] == 0
    cadre = next(r for r in board.cadres if r.label == str(township_cadre))
    assert cadre.demanded == Decimal(13)  # every task on A1 and A2, shared by the one cadre there


def test_county_supervisor_compares_townships(tree, county_supervisor, tasks):
    board = selectors.dashboard(user=county_supervisor, as_of=MONDAY.date(), weeks=1)
    by_unit = {r.label: r.demanded for r in board.units}
    assert by_unit["甲镇"] == Decimal(13) and by_unit["乙乡"] == Decimal(6)


def test_field_hours_are_zero_until_visits_exist(township_cadre):
    assert selectors.in_person_visits(staff_ids=[township_cadre.pk], start=MONDAY, end=MONDAY) == {}


def test_duplicate_requests_and_hours_saved(tree, township_leader):
    for name in ("民政局报表", "卫健委报表"):
        template = ReportTemplate.objects.create(
            owner=township_leader,
            unit=tree.town_a,
            scope_path=tree.town_a.path,
            name=name,
            file="x.xlsx",
            sheet_name="S",
            header_start=1,
            header_end=1,
            data_start=2,
            row_unit=RowUnit.VILLAGE,
            confirmed=True,
            columns=[{"col": 1, "label": "常住人口", "source": "resident_people"}],
        )
        ReportFill.objects.create(
            template=template,
            actor=township_leader,
            unit=tree.town_a,
            scope_path=tree.town_a.path,
            status=ReportFill.Status.DONE,
            cells_filled=60,
            hours_saved=Decimal("0.5"),
        )
    board = selectors.dashboard(user=township_leader, as_of=MONDAY.date())
    assert board.duplicates == [
        {"source": "resident_people", "label": "常住人口", "templates": sorted(["民政局报表", "卫健委报表"])}
    ]
    assert board.hours_saved == Decimal(1) and board.cells_filled == 120


def test_issuing_department_dashboard_shows_only_the_cost_of_its_own_tasks(tree, civil, tasks):
    other = Department.objects.create(unit=tree.county, name="卫健委", code="health")
    services.task_record(
        actor=None,
        type=TaskType.FORM,
        title="卫健委的表",
        issuer_unit=tree.county,
        issuer_department=other,
        received_at=MONDAY,
        deadline=MONDAY + timedelta(days=2),
        units=[tree.village_a1],
        estimated_hours=Decimal(50),
    )
    handler = make_staff(Role.COUNTY_HANDLER, [tree.county], username="civil", department=civil)
    board = selectors.dashboard(user=handler, as_of=MONDAY.date(), weeks=1)
    assert [name for name, *_rest in board.issuers] == ["测试县民政局"]
    assert {r.label: r.demanded for r in board.units}["甲镇"] == Decimal(4 + 3 + 3 + 2)


def test_dashboard_query_count_does_not_grow_with_tasks(tree, township_leader, tasks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        township_leader._jurisdiction_paths = None
        with CaptureQueriesContext(connection) as ctx:
            selectors.dashboard(user=township_leader, as_of=MONDAY.date())
        return len(ctx.captured_queries)

    count()  # the first look creates the county setting row
    before = count()
    for n in range(10):
        services.task_record(
            actor=None,
            type=TaskType.MEETING,
            title=f"会议{n}",
            issuer_unit=tree.county,
            received_at=MONDAY,
            deadline=MONDAY + timedelta(days=1),
            units=[tree.village_a1, tree.village_a2],
        )
    assert count() == before <= 25


def test_in_person_visits_count_as_field_hours_on_the_dashboard(tree, township_cadre, township_leader):
    """The visit log feeds the burden dashboard: nobody reports field time by hand."""
    from core.testing import make_household
    from visits.services import visit_record

    household = make_household(tree.village_a1, address="甲一村一组8号")
    visit_record(actor=township_cadre, household=household)
    visit_record(actor=township_cadre, household=household, mode="phone")
    board = selectors.dashboard(user=township_leader)
    cadre_rows = [r for r in board.cadres if r.field > 0]
    assert len(cadre_rows) == 1
    assert sum(r.field for r in board.units) > 0
