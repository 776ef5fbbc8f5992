"""Ledger import of what belongs to the household and to tags: household fields, tag columns, 人口数,
remembered mappings borrowed from a parent unit, multi-sheet quarantine workbooks, the db_worker path."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.test import override_settings
from openpyxl import load_workbook

from core import crypto
from core.testing import make_household, make_person
from journal.models import Entry
from registry import idcard
from registry.ledger import engine, services
from registry.models import Household, LedgerImport, LedgerMapping, Person
from registry.services import id_index, phone_index
from registry.tests.ledgers import Ledger, make_id, to_xlsx


def run(actor, unit, content: bytes, filename: str = "台账.xlsx", mapping=None) -> LedgerImport:
    ledger_import = services.ledger_upload(actor=actor, unit=unit, content=content, filename=filename)
    return services.ledger_confirm(
        actor=actor, ledger_import=ledger_import, mapping=mapping, background=False
    )


def counts(result: LedgerImport) -> tuple[int, int, int, int]:
    return result.created_count, result.updated_count, result.unchanged_count, result.quarantined_count


def preview_of(actor, unit, content: bytes):
    upload = services.ledger_upload(actor=actor, unit=unit, content=content, filename="a.xlsx")
    return upload, services.ledger_preview(actor=actor, ledger_import=upload)


HH_HEADER = ["户编号", "户主姓名", "姓名", "身份证号", "与户主关系", "住址", "户居住情况"]


def _known_household(village, **kwargs):
    household = make_household(village, address="甲一村一组1号", household_no="A-001", **kwargs)
    number = make_id(date(1950, 1, 1), 61)
    person = make_person(household, "周大山", id_number=number)
    return household, person, number


# --- household fields ------------------------------------------------------------------------------


def test_matched_household_takes_address_and_occupancy_from_the_ledger_shown_and_journaled(
    tree, village_official
):
    household, person, number = _known_household(tree.village_a1)
    row = ["A-001", "周大山", "周大山", number, "户主", "甲一村二组8号", "外出"]
    upload, preview = preview_of(
        village_official, tree.village_a1, to_xlsx(Ledger(header=HH_HEADER, rows=[row]))
    )
    assert preview.counts["updated"] == 1
    assert preview.updates[0].household_diff == {
        "address": ["甲一村一组1号", "甲一村二组8号"],
        "occupancy": ["常住", "外出"],
    }
    assert ("户居住情况", "常住", "外出") in preview.updates[0].changes()
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (0, 1, 0, 0)
    household.refresh_from_db()
    assert (household.address, household.occupancy) == ("甲一村二组8号", Household.Occupancy.AWAY)
    written = Entry.objects.filter(action="registry.ledger.rows_written", data__has_key="updated_households")
    assert written.get().data["updated_households"][str(household.pk)]["occupancy"] == ["常住", "外出"]
    again = run(village_official, tree.village_a1, to_xlsx(Ledger(header=HH_HEADER, rows=[row])))
    assert counts(again) == (0, 0, 1, 0)


def test_blank_household_cells_change_nothing(tree, village_official):
    household, _person, number = _known_household(tree.village_a1, occupancy=Household.Occupancy.VACANT)
    row = ["A-001", "周大山", "周大山", number, "户主", "", ""]
    result = run(village_official, tree.village_a1, to_xlsx(Ledger(header=HH_HEADER, rows=[row])))
    assert counts(result) == (0, 0, 1, 0)
    household.refresh_from_db()
    assert (household.address, household.occupancy) == ("甲一村一组1号", Household.Occupancy.VACANT)


def test_a_group_without_an_address_does_not_replace_the_households_address(tree, village_official):
    household, _person, number = _known_household(tree.village_a1)
    header = ["户编号", "户主姓名", "身份证号", "组", "住址"]
    result = run(
        village_official,
        tree.village_a1,
        to_xlsx(Ledger(header=header, rows=[["A-001", "周大山", number, "三组", ""]])),
    )
    assert counts(result) == (0, 0, 1, 0)
    household.refresh_from_db()
    assert household.address == "甲一村一组1号"


def test_grid_column_moves_a_household_and_its_people_into_the_grid(tree, village_official):
    household, person, number = _known_household(tree.village_a1)
    header = ["户编号", "户主姓名", "身份证号", "网格"]
    result = run(
        village_official,
        tree.village_a1,
        to_xlsx(Ledger(header=header, rows=[["A-001", "周大山", number, "第1网格"]])),
    )
    assert counts(result) == (0, 1, 0, 0)
    household.refresh_from_db()
    person.refresh_from_db()
    assert household.grid == tree.grid_a1
    assert household.scope_path == person.scope_path == tree.grid_a1.path


def test_unknown_grid_or_occupancy_is_quarantined_naming_the_cell(tree, village_official):
    header = ["户主姓名", "身份证号", "网格", "户居住情况"]
    rows = [
        ["吴一", make_id(date(1960, 1, 1), 62), "第9网格", "常住"],
        ["吴二", make_id(date(1961, 1, 1), 63), "", "半年在家"],
    ]
    result = run(village_official, tree.village_a1, to_xlsx(Ledger(header=header, rows=rows)))
    assert counts(result) == (0, 0, 0, 2)
    first, second = result.quarantined_rows.order_by("row_number")
    assert "C2" in first.reason and "第1网格" in first.reason
    assert "D3" in second.reason and "空置" in second.reason


# --- tags ----------------------------------------------------------------------------------------


def test_one_column_per_tag_adds_and_removes_only_that_tag(tree, village_official):
    household = make_household(tree.village_a1, address="甲一村三组3号", tags=[tree.tags["dibao"]])
    number = make_id(date(1940, 2, 2), 64)
    person = make_person(
        household,
        "郑婆婆",
        id_number=number,
        tags=[tree.tags["elderly_alone"], tree.tags["left_behind_child"]],
    )
    header = ["户主姓名", "姓名", "身份证号", "住址", "是否低保", "独居老人"]
    content = to_xlsx(Ledger(header=header, rows=[["郑婆婆", "郑婆婆", number, "甲一村三组3号", "否", "√"]]))
    upload, preview = preview_of(village_official, tree.village_a1, content)
    sheet = preview.sheets[0]
    assert sheet.mapping[4] == "tag:dibao" and sheet.mapping[5] == "tag:elderly_alone"
    assert preview.updates[0].household_diff == {"household_tags": ["低保", "—"]}
    assert "tags" not in preview.updates[0].diff  # 独居老人 was already on; 留守儿童 has no column
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (0, 1, 0, 0)
    assert list(household.tags.all()) == []
    assert {t.code for t in person.tags.all()} == {"elderly_alone", "left_behind_child"}
    again = run(village_official, tree.village_a1, content)
    assert counts(again) == (0, 0, 1, 0)


def test_tag_list_column_sets_the_tags_it_names_and_new_people_get_them(tree, village_official):
    known = make_person(
        make_household(tree.village_a1, address="甲一村四组4号"),
        "冯老",
        id_number=make_id(date(1938, 3, 3), 65),
        tags=[tree.tags["elderly_alone"], tree.tags["left_behind_child"]],
    )
    header = ["户主姓名", "姓名", "身份证号", "住址", "人员类别"]
    rows = [
        ["冯老", "冯老", make_id(date(1938, 3, 3), 65), "甲一村四组4号", "低保户"],
        ["韩新", "韩新", make_id(date(1945, 4, 4), 66), "甲一村五组5号", "低保、独居"],
        ["韩新", "韩小", make_id(date(2015, 5, 5), 67), "甲一村五组5号", "无"],
    ]
    upload, preview = preview_of(village_official, tree.village_a1, to_xlsx(Ledger(header=header, rows=rows)))
    assert preview.sheets[0].mapping[4] == "tags"
    # 独居老人 appears in the column, so it speaks for it: 冯老 loses it; 留守儿童 never appears, so it stays
    assert preview.updates[0].diff == {"tags": ["独居老人、留守儿童", "留守儿童"]}
    assert preview.updates[0].household_diff == {"household_tags": ["—", "低保"]}
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (2, 1, 0, 0)
    assert {t.code for t in known.tags.all()} == {"left_behind_child"}
    assert set(known.household.tags.values_list("code", flat=True)) == {"dibao"}
    new = Person.objects.get(name="韩新")
    assert set(new.tags.values_list("code", flat=True)) == {"elderly_alone"}
    assert set(new.household.tags.values_list("code", flat=True)) == {"dibao"}
    assert not Person.objects.get(name="韩小").tags.exists()


def test_unknown_tag_values_are_quarantined_naming_the_cell_and_the_known_tags(tree, village_official):
    header = ["户主姓名", "身份证号", "类别", "留守儿童"]
    rows = [
        ["褚一", make_id(date(1950, 6, 6), 68), "低保、贫困生", ""],
        ["褚二", make_id(date(1951, 6, 6), 69), "", "待定"],
    ]
    result = run(village_official, tree.village_a1, to_xlsx(Ledger(header=header, rows=rows)))
    assert counts(result) == (0, 0, 0, 2)
    first, second = result.quarantined_rows.order_by("row_number")
    assert "C2" in first.reason and "贫困生" in first.reason and "低保、独居老人、留守儿童" in first.reason
    assert "D3" in second.reason and "是" in second.reason


# --- 人口数 --------------------------------------------------------------------------------------


def test_household_size_that_disagrees_is_a_warning_not_a_quarantine(tree, village_official):
    header = ["户主姓名", "姓名", "身份证号", "住址", "人口数"]
    rows = [
        ["陈甲", "陈甲", make_id(date(1960, 7, 7), 70), "甲一村一组9号", 3],
        ["陈甲", "陈乙", make_id(date(1962, 7, 7), 71), "甲一村一组9号", None],
        ["卫丙", "卫丙", make_id(date(1963, 7, 7), 72), "甲一村一组10号", "1人"],
        ["蒋丁", "蒋丁", make_id(date(1964, 7, 7), 73), "甲一村一组11号", "三"],
    ]
    content = to_xlsx(Ledger(header=header, rows=rows))
    _upload, preview = preview_of(village_official, tree.village_a1, content)
    assert [w["row"] for w in preview.warnings] == [2, 5]
    result = run(village_official, tree.village_a1, content)
    assert counts(result) == (4, 0, 0, 0)
    assert [(w["row"], w["declared"], w["counted"]) for w in result.warnings] == [(2, "3", 2), (5, "三", 1)]
    assert "3人" in result.warnings[0]["message"] and "2人" in result.warnings[0]["message"]


# --- remembered mappings ------------------------------------------------------------------------


def _odd_layout(n: int) -> bytes:
    return to_xlsx(
        Ledger(
            header=["序号", "户主姓名", "名", "身份证号"],
            rows=[[1, "钱大", "钱大", make_id(date(1960, 1, 1), n)]],
        )
    )


def test_a_village_borrows_its_townships_confirmed_mapping_for_the_same_header(tree, village_official):
    upload, _ = preview_of(village_official, tree.village_a1, _odd_layout(80))
    corrected = {"1": "head_name", "2": "name", "3": "id_number"}
    LedgerMapping.objects.create(unit=tree.town_a, signature=first_table_signature(upload), mapping=corrected)
    _upload, preview = preview_of(village_official, tree.village_a1, _odd_layout(81))
    sheet = preview.sheets[0]
    assert sheet.remembered and sheet.remembered_from == "甲镇"
    assert sheet.mapping == {1: "head_name", 2: "name", 3: "id_number"}


def first_table_signature(ledger_import) -> str:
    return services._tables(ledger_import)[0].signature


def test_the_villages_own_mapping_wins_over_the_townships(tree, village_official, township_leader):
    upload, _ = preview_of(village_official, tree.village_a1, _odd_layout(82))
    signature = first_table_signature(upload)
    LedgerMapping.objects.create(
        unit=tree.town_a, signature=signature, mapping={"1": "head_name", "2": "note"}
    )
    LedgerMapping.objects.create(
        unit=tree.village_a1, signature=signature, mapping={"1": "head_name", "2": "name"}
    )
    _again, preview = preview_of(village_official, tree.village_a1, _odd_layout(83))
    assert (
        preview.sheets[0].mapping == {1: "head_name", 2: "name"} and preview.sheets[0].remembered_from == ""
    )


def test_a_similar_header_borrows_the_countys_most_recent_mapping_by_label(
    tree, village_official, administrator
):
    # another village confirmed a layout; this village's file has one extra column and another order
    confirmed = ["序号", "户主姓名", "名", "身份证号", "联系电话"]
    LedgerMapping.objects.create(
        unit=tree.village_b1,
        signature="x" * 40,
        labels=confirmed,
        mapping={"1": "head_name", "2": "name", "3": "id_number", "4": "phone"},
    )
    header = ["序号", "名", "户主姓名", "身份证号", "联系电话", "民族"]
    content = to_xlsx(
        Ledger(header=header, rows=[[1, "钱二", "钱大", make_id(date(1960, 1, 1), 84), "", "汉"]])
    )
    _upload, preview = preview_of(village_official, tree.village_a1, content)
    sheet = preview.sheets[0]
    assert sheet.remembered_from == "乙一村"
    assert sheet.mapping == {1: "name", 2: "head_name", 3: "id_number", 4: "phone"}


# --- quarantine workbook with several sheets ----------------------------------------------------


def test_two_sheet_quarantine_workbook_keeps_each_sheets_header_and_reimports_after_fixing(
    tree, village_official
):
    one = Ledger(
        name="一组",
        header=["序号", "户主姓名", "身份证号", "住址"],
        rows=[
            [1, "沈一", "4.10102E+17", "甲一村一组1号"],
            [2, "沈二", make_id(date(1970, 1, 1), 85), "甲一村一组2号"],
        ],
    )
    two = Ledger(
        name="二组",
        header=["住址", "联系电话", "姓名", "公民身份号码", "与户主关系"],
        rows=[["甲一村二组1号", "", "韩三", "41990119700101", "户主"]],
    )
    result = run(village_official, tree.village_a1, to_xlsx(one, two))
    assert counts(result) == (1, 0, 0, 2)
    book = load_workbook(
        io.BytesIO(services.quarantine_workbook(actor=village_official, ledger_import=result))
    )
    assert book.sheetnames == ["一组", "二组"]
    first = [[c.value for c in r] for r in book["一组"].iter_rows()]
    second = [[c.value for c in r] for r in book["二组"].iter_rows()]
    assert first[0] == ["序号", "户主姓名", "身份证号", "住址", "原因"] and first[1][1] == "沈一"
    assert (
        second[0] == ["住址", "联系电话", "姓名", "身份证号", "与户主关系", "原因"] and second[1][2] == "韩三"
    )
    book["一组"].cell(row=2, column=3, value=make_id(date(1971, 1, 1), 86))
    book["二组"].cell(row=2, column=4, value=make_id(date(1972, 1, 1), 87))
    fixed = io.BytesIO()
    book.save(fixed)
    again = run(village_official, tree.village_a1, fixed.getvalue(), filename="待处理.xlsx")
    assert counts(again) == (2, 0, 0, 0)
    assert set(Person.objects.values_list("name", flat=True)) == {"沈一", "沈二", "韩三"}


# --- the background worker ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_through_the_database_task_backend_and_its_worker(tree, village_official):
    header = ["户主姓名", "身份证号", "住址"]
    rows = [["杨一", make_id(date(1955, 1, 1), 88), "甲一村一组1号"], ["杨二", "4.1E+17", "甲一村一组2号"]]
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        from django_tasks_db.models import DBTaskResult

        upload = services.ledger_upload(
            actor=village_official,
            unit=tree.village_a1,
            content=to_xlsx(Ledger(header=header, rows=rows)),
            filename="a.xlsx",
        )
        queued = services.ledger_confirm(actor=village_official, ledger_import=upload)
        assert queued.status == LedgerImport.Status.QUEUED and queued.task_id
        assert not Person.objects.exists()
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0
        )
        task = DBTaskResult.objects.get(id=queued.task_id)
        assert task.status == "SUCCESSFUL" and task.return_value == {"id": upload.pk, "status": "done"}
    upload.refresh_from_db()
    assert upload.status == LedgerImport.Status.DONE and counts(upload) == (1, 0, 0, 1)
    assert services.progress_read(upload)["phase"] == "done"
    assert Person.objects.get().name == "杨一"


# --- the fast paths agree with the reference implementations ------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        make_id(date(1956, 3, 12), 1, "F"),
        "11010519491231002X",
        "110105194912310021",
        "11010519491331002X",
        "1101051949123100",
    ],
)
def test_fast_id_parse_and_blind_index_agree_with_idcard_and_crypto(typed):
    today = date(2026, 11, 27)
    try:
        expected = idcard.parse(typed, today=today)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            engine.parse_id(typed, today)
    else:
        assert engine.parse_id(typed, today) == expected
        assert engine.blind_index(expected.number, "person.id_number") == id_index(expected.number)
    assert engine.blind_index("13800001234", "person.phone") == phone_index("13800001234")
    assert crypto.blind_index("13800001234", purpose="person.phone") == phone_index("13800001234")
