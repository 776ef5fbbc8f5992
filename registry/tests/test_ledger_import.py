"""Ledger import: one test per trap found in real offices' spreadsheets, through the service."""

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from core.masking import mask_id_number
from core.testing import make_household, make_person
from journal.models import Entry
from registry import idcard
from registry.ledger import engine, services
from registry.models import Household, LedgerImport, Person
from registry.services import id_index
from registry.tests import ledgers
from registry.tests.ledgers import HEADER, Ledger, make_id


def run(actor, unit, content: bytes, filename: str = "台账.xlsx", mapping=None) -> LedgerImport:
    ledger_import = services.ledger_upload(actor=actor, unit=unit, content=content, filename=filename)
    return services.ledger_confirm(
        actor=actor, ledger_import=ledger_import, mapping=mapping, background=False
    )


def counts(result: LedgerImport) -> tuple[int, int, int, int]:
    return result.created_count, result.updated_count, result.unchanged_count, result.quarantined_count


def one_person(idn="", name="王秀英", birth="1956-03-12", sex="女", **extra) -> list:
    row = [1, name, name, idn, sex, birth, "户主", "", "甲一村三组5号", "常住"]
    for key, value in extra.items():
        row[HEADER.index(key)] = value
    return row


def test_header_below_a_title_with_blank_subtotal_and_note_rows_imports_every_person(tree, village_official):
    ledger = ledgers.messy(5)
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(ledger))
    people = len(ledger.rows) - 2  # a blank row and a subtotal row are not people
    assert counts(result) == (people, 0, 0, 0)
    assert result.skipped == {"blank": 1, "total": 1, "note": 1}
    assert Person.objects.filter(household__village=tree.village_a1).count() == people


def test_two_row_header_with_merged_parent_joins_parent_and_child_labels(tree, village_official):
    birth = date(1948, 5, 6)
    ledger = Ledger(
        title=["甲一村花名册"],
        parent_header=["序号", "户主", "家庭成员信息", None, None, "家庭住址"],
        header=[None, None, "姓名", "公民身份号码", "性别", None],
        rows=[[1, "李建国", "李建国", make_id(birth, 1), "男", "甲一村一组1号"]],
        merges=["A1:F1", "A2:A3", "B2:B3", "C2:E2", "F2:F3"],
    )
    upload = services.ledger_upload(
        actor=village_official, unit=tree.village_a1, content=ledgers.to_xlsx(ledger), filename="a.xlsx"
    )
    preview = services.ledger_preview(actor=village_official, ledger_import=upload)
    sheet = preview.sheets[0]
    assert sheet.header_rows == [2, 3]
    assert sheet.labels[2] == "家庭成员信息-姓名"
    assert sheet.mapping == {1: "head_name", 2: "name", 3: "id_number", 4: "sex", 5: "address"}
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (1, 0, 0, 0)
    assert Person.objects.get().birth_date == birth


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["户主姓名", "身份证号", "联系电话"], ["head_name", "id_number", "phone"]),
        (["户主", "身份证号码", "手机号"], ["head_name", "id_number", "phone"]),
        (["姓名（户主）", "公民身份号码", "与户主关系"], ["head_name", "id_number", "relation"]),
        (["姓 名", "人口数", "家庭住址 "], ["name", "household_size", "address"]),
        (["成员姓名", "出生年月", "村/组"], ["name", "birth_date", "group"]),
    ],
)
def test_column_names_that_vary_between_offices_map_to_the_same_fields(labels, expected):
    from registry.ledger.table import find_table

    table = find_table("s", [labels, ["x"] * len(labels)])
    assert [table.proposed.get(i) for i in range(len(labels))] == expected


def _quarantine_one(actor, unit, row, filename="a.xlsx", to=ledgers.to_xlsx):
    ledger = Ledger(rows=[row])
    result = run(actor, unit, to(ledger), filename=filename)
    assert counts(result) == (0, 0, 0, 1)
    return result.quarantined_rows.get()


def test_id_stored_as_a_number_is_quarantined_not_guessed(tree, village_official):
    typed = int(make_id(date(1956, 3, 12), 3, "F")[:17] + "0")  # as Excel keeps an 18-digit number
    q = _quarantine_one(village_official, tree.village_a1, one_person(idn=typed))
    assert "D2" in q.reason and "身份证号" in q.reason and "文本" in q.reason
    assert not Person.objects.exists()


def test_id_in_scientific_notation_is_quarantined_with_the_cell_named(tree, village_official):
    q = _quarantine_one(
        village_official, tree.village_a1, one_person(idn="4.10102E+17"), filename="a.csv", to=ledgers.to_csv
    )
    assert "科学计数法" in q.reason and "D2" in q.reason


def test_id_with_spaces_full_width_digits_and_lowercase_x_is_normalised(tree, village_official):
    number = next(
        make_id(date(1960, 1, 2), n, "F")
        for n in range(400)
        if make_id(date(1960, 1, 2), n, "F").endswith("X")
    )
    messy = " ".join([number[:6], number[6:14], number[14:]]).replace("X", "x")
    messy = messy.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    result = run(
        village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[one_person(idn=messy, birth="")]))
    )
    assert counts(result) == (1, 0, 0, 0)
    assert Person.objects.get().id_index == id_index(number)


def test_fifteen_digit_old_id_is_upgraded(tree, village_official):
    old = "419901560312801"
    result = run(
        village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[one_person(idn=old, sex="男")]))
    )
    assert counts(result) == (1, 0, 0, 0)
    assert Person.objects.get().id_index == id_index(idcard.upgrade_15(old))


@pytest.mark.parametrize(
    "typed",
    [
        datetime(1956, 3, 12),
        20526,
        "1956/3/12",
        19560312,
        "1956年3月12日",
        "１９５６-０３-１２",
        "1956.03.12",
    ],
)
def test_birth_dates_in_the_formats_offices_use(tree, village_official, typed):
    row = one_person(birth=typed)
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[row])))
    assert counts(result) == (1, 0, 0, 0)
    assert Person.objects.get().birth_date == date(1956, 3, 12)


@pytest.mark.parametrize("typed", [1956.03, "1956.03", "1956年3月", "195603"])
def test_birth_month_without_a_day_means_the_first(tree, village_official, typed):
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[one_person(birth=typed)])))
    assert counts(result) == (1, 0, 0, 0)
    assert Person.objects.get().birth_date == date(1956, 3, 1)


def test_unreadable_date_is_quarantined_with_how_to_write_it(tree, village_official):
    q = _quarantine_one(village_official, tree.village_a1, one_person(birth="五六年三月"))
    assert "F2" in q.reason and "1956-03-12" in q.reason


def test_full_width_letters_and_trailing_spaces_do_not_make_a_new_person(tree, village_official):
    number = make_id(date(1950, 1, 1), 9)
    run(
        village_official,
        tree.village_a1,
        ledgers.to_xlsx(Ledger(rows=[one_person(idn=number, name="张三", sex="男", birth="")])),
    )
    again = run(
        village_official,
        tree.village_a1,
        ledgers.to_xlsx(Ledger(rows=[one_person(idn="", name="张三　 ", sex="男 ", birth="1950-01-01")])),
    )
    assert counts(again) == (0, 0, 1, 0)
    assert Person.objects.count() == 1


def test_total_and_subtotal_rows_are_not_people(tree, village_official):
    rows = ledgers.households(2, seed=3)
    ledger = Ledger(rows=rows + [["合计", None, f"{len(rows)}人"], [None, "小 计", "3"]])
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(ledger))
    assert result.data_rows == len(rows) and result.skipped == {"total": 2}


def test_several_sheets_are_imported_and_a_sheet_without_a_table_is_ignored(tree, village_official):
    first = Ledger(name="一组", rows=ledgers.households(2, seed=1))
    second = Ledger(name="二组", rows=ledgers.households(2, seed=2, start=100))
    notes = Ledger(name="填表说明", header=["请按要求填写"], rows=[["身份证号设为文本"]])
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(first, second, notes))
    assert result.created_count == len(first.rows) + len(second.rows)
    assert set(result.mapping) == {"一组", "二组"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_csv_in_utf8_or_gbk(tree, village_official, encoding):
    ledger = Ledger(rows=ledgers.households(3, seed=4))
    result = run(
        village_official, tree.village_a1, ledgers.to_csv(ledger, encoding=encoding), filename="台账.csv"
    )
    assert counts(result) == (len(ledger.rows), 0, 0, 0)
    assert Person.objects.filter(name=ledger.rows[0][2]).exists()


def test_legacy_xls_file(tree, village_official):
    ledger = ledgers.messy(3)
    result = run(village_official, tree.village_a1, ledgers.to_xls(ledger), filename="台账.xls")
    assert result.created_count == len(ledger.rows) - 2 and result.quarantined_count == 0


def test_household_columns_merged_down_over_members_are_carried(tree, village_official):
    rows = ledgers.households(3, seed=5)
    for i in range(1, len(rows)):
        if rows[i][1] == rows[i - 1][1] or rows[i][6] != "户主":
            rows[i][1] = rows[i][8] = None  # what a merged cell reads as
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=rows)))
    assert result.quarantined_count == 0
    assert Household.objects.count() == 3


def test_the_same_person_twice_in_the_file_is_quarantined_once(tree, village_official):
    rows = ledgers.households(2, seed=6)
    ledger = Ledger(rows=rows + [list(rows[0])])
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(ledger))
    assert counts(result) == (len(rows), 0, 0, 1)
    assert "与第2行的身份证号相同" in result.quarantined_rows.get().reason


def test_known_person_is_matched_by_id_and_updated_with_changes_shown_first(tree, village_official):
    number = make_id(date(1951, 7, 1), 11)
    household = make_household(tree.village_a1, address="甲一村三组5号")
    person = make_person(household, "赵老汉", id_number=number, residence=Person.Residence.RESIDENT)
    row = one_person(idn=number, name="赵老汉", sex="男", birth="", 居住状态="外出务工")
    upload = services.ledger_upload(
        actor=village_official,
        unit=tree.village_a1,
        content=ledgers.to_xlsx(Ledger(rows=[row])),
        filename="a.xlsx",
    )
    preview = services.ledger_preview(actor=village_official, ledger_import=upload)
    assert preview.counts["updated"] == 1
    assert preview.updates[0].diff == {"residence": ["常住", "外出务工"]}
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (0, 1, 0, 0)
    person.refresh_from_db()
    assert person.residence == Person.Residence.MIGRANT_WORK


def test_person_without_id_is_matched_by_name_birth_date_and_household(tree, village_official):
    household = make_household(tree.village_a1, address="甲一村三组5号")
    household.head_name = "王秀英"
    household.save()
    make_person(household, "王秀英", birth_date=date(1956, 3, 12), sex="F")
    result = run(
        village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[one_person(联系电话="13800001234")]))
    )
    assert counts(result) == (0, 1, 0, 0)
    assert Person.objects.get().phone_masked.startswith("138")


def test_a_changed_phone_and_a_new_id_show_the_registry_s_masked_values_before_confirming(
    tree, village_official
):
    household = make_household(tree.village_a1, address="甲一村三组5号")
    household.head_name = "王秀英"
    household.save()
    make_person(household, "王秀英", birth_date=date(1956, 3, 12), sex="F", phone="13800001111")
    number = make_id(date(1956, 3, 12), 3, "F")
    upload = services.ledger_upload(
        actor=village_official,
        unit=tree.village_a1,
        content=ledgers.to_xlsx(Ledger(rows=[one_person(idn=number, 联系电话="13900002222")])),
        filename="a.xlsx",
    )
    preview = services.ledger_preview(actor=village_official, ledger_import=upload)
    assert preview.updates[0].diff["phone"] == ["138****1111", "139****2222"]
    assert preview.updates[0].diff["id_number"] == ["", mask_id_number(number)]


def test_id_registered_outside_the_import_unit_is_quarantined(tree, village_official):
    number = make_id(date(1970, 2, 2), 12)
    make_person(make_household(tree.village_b1, address="乙一村一组1号"), "外村人", id_number=number)
    q = _quarantine_one(village_official, tree.village_a1, one_person(idn=number, birth="", sex="男"))
    assert "本次导入范围以外" in q.reason


def test_id_and_birth_date_that_disagree_are_quarantined(tree, village_official):
    q = _quarantine_one(village_official, tree.village_a1, one_person(idn=make_id(date(1956, 3, 13), 1, "F")))
    assert "F2" in q.reason and "不一致" in q.reason


def test_confirmed_mapping_is_remembered_for_the_office_next_file(tree, village_official):
    header = ["序号", "户主姓名", "名", "身份证号"]
    rows = [[1, "钱大", "钱大", make_id(date(1960, 1, 1), 20)]]
    content = ledgers.to_xlsx(Ledger(header=header, rows=rows))
    first = services.ledger_upload(
        actor=village_official, unit=tree.village_a1, content=content, filename="a.xlsx"
    )
    proposed = services.ledger_preview(actor=village_official, ledger_import=first).sheets[0]
    assert 2 not in proposed.mapping  # "名" is not in the dictionary
    corrected = {"花名册": {"1": "head_name", "2": "name", "3": "id_number"}}
    services.ledger_confirm(actor=village_official, ledger_import=first, mapping=corrected, background=False)
    second = services.ledger_upload(
        actor=village_official, unit=tree.village_a1, content=content, filename="b.xlsx"
    )
    again = services.ledger_preview(actor=village_official, ledger_import=second).sheets[0]
    assert again.remembered and again.mapping == {1: "head_name", 2: "name", 3: "id_number"}


def test_mapping_without_a_name_column_is_refused(tree, village_official):
    upload = services.ledger_upload(
        actor=village_official,
        unit=tree.village_a1,
        content=ledgers.to_xlsx(ledgers.messy(1)),
        filename="a.xlsx",
    )
    with pytest.raises(ValidationError):
        services.ledger_confirm(
            actor=village_official,
            ledger_import=upload,
            mapping={"花名册": {"3": "id_number"}},
            background=False,
        )


def test_a_crash_half_way_leaves_the_registry_as_it_was_and_can_be_rerun(tree, village_official, monkeypatch):
    ledger = Ledger(rows=ledgers.households(30, seed=8))
    upload = services.ledger_upload(
        actor=village_official, unit=tree.village_a1, content=ledgers.to_xlsx(ledger), filename="a.xlsx"
    )
    monkeypatch.setattr(engine, "CHUNK", 10)
    real_record = engine.journal.record
    calls = {"n": 0}

    def crash_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_record(**kwargs)

    monkeypatch.setattr(engine.journal, "record", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    upload.refresh_from_db()
    assert upload.status == LedgerImport.Status.FAILED
    assert not Person.objects.exists() and not Household.objects.exists()
    monkeypatch.setattr(engine.journal, "record", real_record)
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert counts(result) == (len(ledger.rows), 0, 0, 0)


def test_quarantine_workbook_holds_original_rows_and_reason_and_reimports_after_fixing(
    tree, village_official
):
    good = make_id(date(1956, 3, 12), 40, "F")
    rows = ledgers.households(2, seed=9) + [one_person(idn="4.10102E+17", name="孙秀兰")]
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=rows)))
    assert result.quarantined_count == 1
    content = services.quarantine_workbook(actor=village_official, ledger_import=result)
    ws = load_workbook(io.BytesIO(content)).active
    table = [[c.value for c in r] for r in ws.iter_rows()]
    assert table[0][-1] == "原因" and table[1][2] == "孙秀兰" and table[1][3] == "4.10102E+17"
    assert "科学计数法" in table[1][-1]
    id_col = table[0].index("身份证号")
    ws.cell(row=2, column=id_col + 1, value=good)
    fixed = io.BytesIO()
    ws.parent.save(fixed)
    again = run(village_official, tree.village_a1, fixed.getvalue(), filename="待处理.xlsx")
    assert counts(again) == (1, 0, 0, 0)
    assert Person.objects.filter(id_index=id_index(good), name="孙秀兰").exists()


def test_reimporting_the_same_file_changes_nothing(tree, village_official):
    content = ledgers.to_xlsx(ledgers.messy(6))
    first = run(village_official, tree.village_a1, content)
    second = run(village_official, tree.village_a1, content)
    assert counts(second) == (0, 0, first.created_count, first.quarantined_count)


def test_one_journal_entry_per_written_batch_and_one_for_the_import(tree, village_official, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 5)
    ledger = Ledger(rows=ledgers.households(5, seed=10))
    before = Entry.objects.count()
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(ledger))
    chunks = -(-result.created_count // 5)
    actions = list(Entry.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions.count("registry.ledger.rows_written") == chunks
    assert actions[-1] == "registry.ledger.imported"
    for entry in Entry.objects.filter(action__startswith="registry.ledger"):
        assert "419901" not in str(entry.data).replace(tree.village_a1.code, "")


def test_village_official_cannot_import_into_another_village(tree, village_official):
    with pytest.raises(PermissionDenied):
        services.ledger_upload(
            actor=village_official,
            unit=tree.village_b1,
            content=ledgers.to_xlsx(ledgers.messy(1)),
            filename="a.xlsx",
        )


def test_import_into_a_township_needs_a_village_column(tree, township_leader, administrator):
    rows = ledgers.households(1, seed=11)
    ledger = Ledger(header=HEADER + ["村"], rows=[r + ["甲二"] for r in rows] + [rows[0][:] + ["丙村"]])
    ledger.rows[-1][3], ledger.rows[-1][5] = make_id(date(1990, 1, 1), 55), ""
    result = run(administrator, tree.town_a, ledgers.to_xlsx(ledger))
    assert counts(result) == (len(rows), 0, 0, 1), [q.reason for q in result.quarantined_rows.all()]
    assert Household.objects.get().village == tree.village_a2
    assert "丙村" in result.quarantined_rows.get().reason


def test_file_that_is_not_a_spreadsheet_is_refused(tree, village_official):
    with pytest.raises(ValidationError):
        services.ledger_upload(
            actor=village_official, unit=tree.village_a1, content=b"PK\x03\x04junk", filename="a.xlsx"
        )


def test_birth_month_only_agrees_with_the_id_and_does_not_erase_a_known_day(tree, village_official):
    number = make_id(date(1939, 8, 8), 1, "F")
    row = one_person(idn=number, birth="1939.08")
    first = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[row])))
    assert counts(first) == (1, 0, 0, 0)
    row_without_id = one_person(idn="", birth="1939年8月")
    again = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=[row_without_id])))
    assert counts(again) == (0, 0, 1, 0)
    assert Person.objects.get().birth_date == date(1939, 8, 8)


def test_a_quarantined_head_row_does_not_send_its_members_to_the_previous_household(tree, village_official):
    rows = [
        [1, "周大", "周大", make_id(date(1950, 1, 1), 60), "男", "", "户主", "", "一组1号", "常住"],
        [2, "吴二", "吴二", "4.10102E+17", "男", "", "户主", "", "二组2号", "常住"],
        [3, None, "吴小", make_id(date(1980, 1, 1), 61), "男", "", "子", "", None, "常住"],  # merged cells
    ]
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=rows)))
    assert counts(result) == (2, 0, 0, 1)
    son = Person.objects.get(name="吴小")
    assert son.household.head_name != "周大" and son.household.address == "二组2号"
    content = services.quarantine_workbook(actor=village_official, ledger_import=result)
    table = [[c.value for c in r] for r in load_workbook(io.BytesIO(content)).active.iter_rows()]
    assert table[1][1] == "吴二" and table[1][8] == "二组2号"


def test_updates_with_different_changed_fields_touch_only_their_own_fields(tree, village_official):
    household = make_household(tree.village_a1, address="甲一村三组5号")
    a_id, b_id = make_id(date(1950, 5, 5), 70), make_id(date(1952, 6, 6), 71, "F")
    a = make_person(household, "甲", id_number=a_id, phone="13900001111")
    b = make_person(
        household, "乙", id_number=b_id, relation=Person.Relation.SPOUSE, residence="migrant_work"
    )
    rows = [
        one_person(idn=a_id, name="甲", birth="", sex="男", 居住状态="外出务工"),
        one_person(
            idn=b_id, name="乙", birth="", sex="女", 与户主关系="配偶", 联系电话="13700002222", 居住状态=""
        ),
    ]
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(Ledger(rows=rows)))
    assert counts(result) == (0, 2, 0, 0)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.residence == "migrant_work" and a.phone_masked.startswith("139") and a.id_index == id_index(a_id)
    assert b.residence == "migrant_work" and b.phone_masked.startswith("137") and b.id_index == id_index(b_id)


def test_an_import_whose_worker_died_can_be_run_again(tree, village_official):
    import os

    upload = services.ledger_upload(
        actor=village_official,
        unit=tree.village_a1,
        content=ledgers.to_xlsx(ledgers.messy(2)),
        filename="a.xlsx",
    )
    LedgerImport.objects.filter(pk=upload.pk).update(status=LedgerImport.Status.RUNNING)
    upload.refresh_from_db()
    services.progress_write(upload, phase="writing", done=1, total=10)
    with pytest.raises(ValidationError):  # still moving: not to be started twice
        services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    stale = services.ledger_dir() / f"{upload.pk}.progress.json"
    old = stale.stat().st_mtime - services.STALLED_AFTER_SECONDS - 1
    os.utime(stale, (old, old))
    result = services.ledger_confirm(actor=village_official, ledger_import=upload, background=False)
    assert result.status == LedgerImport.Status.DONE and result.created_count > 0


def test_a_finished_import_delivered_again_to_a_worker_does_nothing(tree, village_official):
    result = run(village_official, tree.village_a1, ledgers.to_xlsx(ledgers.messy(2)))
    before = counts(result)
    again = services.ledger_run(ledger_import_id=result.pk)
    assert counts(again) == before and Person.objects.count() == before[0]
