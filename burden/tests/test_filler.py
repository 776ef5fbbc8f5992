"""The report filler: layout traps, mapping, aggregates against independent counts, formatting kept."""

import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from openpyxl import load_workbook

from burden import filler, services
from burden.models import ReportFill, RowUnit, Synonym
from burden.tests import workbooks
from registry.models import Household, Person

pytestmark = pytest.mark.django_db


def _upload(actor, unit, content, name="模板"):
    return services.template_upload(actor=actor, unit=unit, name=name, content=content)


def _confirm(actor, template, **overrides):
    sources = {c["col"]: overrides.get(c["letter"], c["source"]) for c in template.columns}
    return services.template_confirm(
        actor=actor, template=template, row_unit=template.row_unit, sources=sources
    )


def _fill(actor, template) -> tuple[ReportFill, bytes]:
    fill = services.fill_request(actor=actor, template=template)
    fill.refresh_from_db()
    assert fill.status == ReportFill.Status.DONE, fill.error
    with fill.output.open("rb") as fh:
        return fill, fh.read()


def test_layout_finds_two_row_merged_header_under_title_and_skips_number_row():
    layout = filler.detect_layout(workbooks.village_template())
    assert (layout.header_start, layout.header_end, layout.data_start) == (3, 4, 6)
    assert layout.row_unit == RowUnit.VILLAGE
    labels = [c["label"] for c in layout.columns]
    assert "人口情况/户籍人口" in labels and "人口情况/常住人口" in labels
    assert layout.title == "2026年各村人口和重点人群情况统计表"


@pytest.mark.parametrize(
    "content, unit",
    [
        (workbooks.township_template(), RowUnit.TOWNSHIP),
        (workbooks.person_template(), RowUnit.PERSON),
        (workbooks.household_template(), RowUnit.HOUSEHOLD),
    ],
)
def test_layout_guesses_row_unit(content, unit):
    assert filler.detect_layout(content).row_unit == unit


def test_mapping_proposes_sources_and_tells_60_from_80(tree, township_leader):
    template = _upload(township_leader, tree.town_a, workbooks.village_template())
    by_letter = {c["letter"]: c["source"] for c in template.columns}
    assert by_letter == {
        "A": "seq",
        "B": "unit_name",
        "C": "households",
        "D": "people",
        "E": "resident_people",
        "F": "age60",
        "G": "elderly_alone",
        "H": "dibao_households",
        "I": "",  # 村级公益岗位数: the registry does not know it
    }


def test_similarity_needs_numbers_to_agree():
    assert filler.similarity("80岁以上人数", "60岁以上人数") < filler.THRESHOLD
    assert filler.similarity("常住人口数", "常住人口") > filler.THRESHOLD


def test_confirmed_correction_is_learned_for_the_next_template(tree, township_leader):
    first = _upload(township_leader, tree.town_a, workbooks.village_template())
    _confirm(township_leader, first, D="resident_people", I=filler.MANUAL)
    assert Synonym.objects.filter(
        label=filler.normalize("人口情况/户籍人口"), source="resident_people"
    ).exists()
    second = _upload(township_leader, tree.town_a, workbooks.village_template())
    by_letter = {c["letter"]: c["source"] for c in second.columns}
    assert by_letter["D"] == "resident_people"
    assert by_letter["I"] == filler.MANUAL


def test_village_aggregates_match_independent_counts(tree, township_leader, population):
    today = timezone.localdate()
    people = filler._scoped(township_leader, type("T", (), {"unit": tree.town_a})())[0]
    households = Household.objects.filter(scope_path__startswith=tree.town_a.path)
    units = [tree.village_a1, tree.village_a2]
    values = filler.aggregate(
        people=people,
        households=households,
        units=units,
        level=RowUnit.VILLAGE,
        sources=set(filler.sources_for(RowUnit.VILLAGE)),
        today=today,
    )
    for village in units:
        registered = [
            p
            for p in Person.objects.filter(household__village=village)
            if p.residence not in ("moved_out", "deceased")
        ]
        got = values[village.pk]
        assert got["people"] == len(registered)
        assert got["resident_people"] == sum(p.residence == "resident" for p in registered)
        assert got["age60"] == sum(p.age(today) >= 60 for p in registered)
        assert got["elderly_alone"] == sum(
            any(t.code == "elderly_alone" for t in p.tags.all()) for p in registered
        )
        assert got["left_behind_child"] == sum(
            any(t.code == "left_behind_child" for t in p.tags.all()) for p in registered
        )
        assert got["households"] == Household.objects.filter(village=village).count()
        assert (
            got["vacant_households"] == Household.objects.filter(village=village, occupancy="vacant").count()
        )
        assert (
            got["dibao_households"] == Household.objects.filter(village=village, tags__code="dibao").count()
        )
        assert got["dibao_people"] == sum(p.household.tags.filter(code="dibao").exists() for p in registered)
        assert got["grids"] == (1 if village == tree.village_a1 else 0)
        assert got["visits_month"] == 0  # until the visits app exists
    assert values[tree.village_a1.pk]["people"] == 3  # the deceased is not counted


def _style(cell):
    return (
        cell.font.name,
        cell.font.b,
        cell.font.sz,
        cell.font.color.rgb if cell.font.color else None,
        cell.fill.fgColor.rgb,
        cell.fill.fill_type,
        cell.border.left.style,
        cell.alignment.horizontal,
        cell.number_format,
    )


def test_filled_village_workbook_keeps_formatting_cell_by_cell(tree, township_leader, population):
    content = workbooks.village_template()
    template = _upload(township_leader, tree.town_a, content)
    _confirm(township_leader, template)
    fill, output = _fill(township_leader, template)
    before = load_workbook(io.BytesIO(content))
    after = load_workbook(io.BytesIO(output))
    assert before.sheetnames == after.sheetnames
    for name in before.sheetnames:
        b, a = before[name], after[name]
        assert {str(r) for r in b.merged_cells.ranges} == {str(r) for r in a.merged_cells.ranges}
        for letter, dim in b.column_dimensions.items():
            assert a.column_dimensions[letter].width == dim.width
        assert a.freeze_panes == b.freeze_panes
        for row in b.iter_rows(min_row=1, max_row=5 if name == "人口统计" else b.max_row):
            for cell in row:
                twin = a[cell.coordinate]
                assert twin.value == cell.value, cell.coordinate
                assert _style(twin) == _style(cell), cell.coordinate
    ws = after["人口统计"]
    assert ws.row_dimensions[3].height == 30
    # Data rows carry the template's data-row style, and the values.
    assert ws["B7"].value == "甲一村" and ws["B8"].value == "甲二村"
    assert _style(ws["C8"]) == _style(before["人口统计"]["C7"])
    assert [ws.cell(7, c).value for c in range(1, 9)] == [1, "甲一村", 2, 3, 2, 1, 1, 1]
    assert [ws.cell(8, c).value for c in range(1, 9)] == [2, "甲二村", 1, 2, 2, 1, 1, 0]
    assert [ws.cell(6, c).value for c in range(3, 9)] == [3, 5, 4, 2, 2, 1]  # 合计
    assert ws["B9"].value is None  # 乙一村 lies outside township A
    assert fill.rows_filled == 2
    assert fill.cells_filled == 2 * 8 + 6
    assert fill.hours_saved > 0


def test_listed_villages_are_filled_in_place(tree, township_leader, population):
    content = workbooks.village_template(listed_villages=["甲二村", "甲一村"], total_row=False)
    template = _upload(township_leader, tree.town_a, content)
    _confirm(township_leader, template)
    _fill_record, output = _fill(township_leader, template)
    ws = load_workbook(io.BytesIO(output))["人口统计"]
    assert ws["B6"].value == "甲二村" and ws["C6"].value == 1
    assert ws["B7"].value == "甲一村" and ws["C7"].value == 2


def test_unmapped_column_is_asked_once_and_remembered(tree, township_leader, population):
    template = _upload(township_leader, tree.town_a, workbooks.village_template())
    _confirm(township_leader, template, I=filler.MANUAL)
    missing = filler.missing_manual(template, township_leader)
    assert {(u.name, c["letter"]) for u, c in missing} == {("甲一村", "I"), ("甲二村", "I")}
    services.manual_values_enter(
        actor=township_leader,
        values={(u.pk, filler.normalize(c["label"])): str(n) for n, (u, c) in enumerate(missing, start=4)},
    )
    assert filler.missing_manual(template, township_leader) == []
    again = _upload(township_leader, tree.town_a, workbooks.village_template())
    _confirm(township_leader, again)
    assert filler.missing_manual(again, township_leader) == []
    _fill_record, output = _fill(township_leader, again)
    ws = load_workbook(io.BytesIO(output))["人口统计"]
    assert {ws["I7"].value, ws["I8"].value} == {"4", "5"}


def test_person_list_is_streamed_with_header_and_other_sheets_intact(tree, township_leader, population):
    content = workbooks.person_template()
    template = _upload(township_leader, tree.town_a, content)
    by_letter = {c["letter"]: c["source"] for c in template.columns}
    assert by_letter["B"] == "name" and by_letter["F"] == "id_masked" and by_letter["D"] == "birth_date"
    _confirm(township_leader, template, J=filler.SKIP)
    fill, output = _fill(township_leader, template)
    wb = load_workbook(io.BytesIO(output))
    ws = wb["花名册"]
    assert ws["A1"].value == "重点人群花名册" and ws["A1"].font.b
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:J1"]
    names = [ws.cell(r, 2).value for r in range(3, ws.max_row + 1)]
    assert sorted(names) == sorted(["王老汉", "王小明", "王大力", "赵秀英", "赵强"])  # no deceased, no B1
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "王老汉")
    assert ws.cell(row, 3).value == "男"
    assert ws.cell(row, 7).value == "甲一村"
    assert ws.cell(row, 9).value == "独居老人"
    assert ws.cell(row, 2).font.name == "仿宋"  # the template's data-row style
    assert ws.column_dimensions["H"].width == 30
    assert wb["填表说明"]["A1"].value == "1. 数据截至上月末。"
    assert fill.rows_filled == 5


def test_household_list_counts_members(tree, township_leader, population):
    template = _upload(township_leader, tree.town_a, workbooks.household_template())
    _confirm(township_leader, template)
    _fill_record, output = _fill(township_leader, template)
    ws = load_workbook(io.BytesIO(output)).active
    rows = {ws.cell(r, 3).value: [ws.cell(r, c).value for c in range(1, 8)] for r in range(2, ws.max_row + 1)}
    assert rows["A1-001"][4:6] == [3, 2]
    assert "低保" in rows["A1-001"][6]
    assert "B1-001" not in rows


def test_names_starting_with_equals_are_not_formulas(tree, township_leader):
    from core.testing import make_household, make_person

    household = make_household(tree.village_a1, address="=HYPERLINK(1)")
    make_person(household, "=1+1")
    template = _upload(township_leader, tree.town_a, workbooks.person_template())
    _confirm(township_leader, template)
    _fill_record, output = _fill(township_leader, template)
    ws = load_workbook(io.BytesIO(output)).active
    assert ws["B3"].value == "'=1+1"


def test_township_template_for_supervisor_counts_each_township(tree, county_supervisor, population):
    from territory.roles import Role

    assert county_supervisor.role == Role.COUNTY_SUPERVISOR
    from core.testing import make_staff

    admin = make_staff(Role.ADMINISTRATOR, [tree.county], username="admin-fill")
    template = _upload(admin, tree.county, workbooks.township_template())
    _confirm(admin, template)
    _fill_record, output = _fill(admin, template)
    ws = load_workbook(io.BytesIO(output)).active
    rows = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(3, 7)] for r in range(3, ws.max_row + 1)}
    assert rows["甲镇"] == [4, 1, 0, 1]
    assert rows["乙乡"] == [1, 0, 0, 0]


def test_fill_outside_jurisdiction_is_refused(tree, village_official):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _upload(village_official, tree.village_b1, workbooks.village_template())


def test_failed_fill_is_recorded(tree, township_leader):
    template = _upload(township_leader, tree.town_a, workbooks.village_template())
    _confirm(township_leader, template)
    template.file.save("broken.xlsx", ContentFile(b"not a workbook"), save=True)
    fill = services.fill_request(actor=township_leader, template=template)
    fill.refresh_from_db()
    assert fill.status == ReportFill.Status.FAILED
    assert fill.error
    assert not fill.output


def test_village_reports_fill_at_once_and_person_lists_go_to_the_worker(tree, township_leader, population):
    from django.test import override_settings

    village = _upload(township_leader, tree.town_a, workbooks.village_template())
    person = _upload(township_leader, tree.town_a, workbooks.person_template())
    _confirm(township_leader, village)
    _confirm(township_leader, person)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        now = services.fill_request(actor=township_leader, template=village)
        later = services.fill_request(actor=township_leader, template=person)
    now.refresh_from_db()
    later.refresh_from_db()
    assert now.status == ReportFill.Status.DONE
    assert later.status == ReportFill.Status.QUEUED


def test_hand_entered_value_fills_every_row_of_a_person_list(tree, township_leader, population):
    template = _upload(township_leader, tree.town_a, workbooks.person_template())
    _confirm(township_leader, template, J=filler.MANUAL)
    [(unit, column)] = filler.missing_manual(template, township_leader)
    assert unit == tree.town_a and column["label"] == "帮扶责任人"
    services.manual_values_enter(
        actor=township_leader, values={(unit.pk, filler.normalize(column["label"])): "李娜"}
    )
    _fill_record, output = _fill(township_leader, template)
    ws = load_workbook(io.BytesIO(output)).active
    assert {ws.cell(r, 10).value for r in range(3, ws.max_row + 1)} == {"李娜"}


def test_streamed_workbook_reads_in_an_independent_reader(tree, township_leader, population):
    """calamine (Rust) parses the streamed sheet too: not only openpyxl accepts what we write."""
    from python_calamine import CalamineWorkbook

    template = _upload(township_leader, tree.town_a, workbooks.person_template())
    _confirm(township_leader, template, J=filler.SKIP)
    _fill_record, output = _fill(township_leader, template)
    book = CalamineWorkbook.from_filelike(io.BytesIO(output))
    assert book.sheet_names == ["花名册", "填表说明"]
    rows = book.get_sheet_by_name("花名册").to_python()
    assert rows[1][:3] == ["序号", "姓名", "性别"]
    assert sorted(r[1] for r in rows[2:]) == sorted(["王老汉", "王小明", "王大力", "赵秀英", "赵强"])
    assert [r[0] for r in rows[2:]] == [1, 2, 3, 4, 5]
