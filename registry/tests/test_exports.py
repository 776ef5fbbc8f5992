"""Exports of the household and person lists: Chinese headers, masking, journaling, formula safety."""

import csv
import hashlib
import io

from django.urls import reverse
from openpyxl import load_workbook

from core.testing import make_household, make_person, synthetic_id
from journal.models import Entry
from registry.models import Person


def _sheet(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def _data(tree):
    mine = make_household(tree.village_a1, address="甲一村一组1号", tags=[tree.tags["dibao"]])
    number = synthetic_id()
    person = make_person(mine, '=HYPERLINK("x")', id_number=number, phone="13800001234")
    person.tags.set([tree.tags["elderly_alone"]])
    other = make_person(make_household(tree.village_a2, address="甲二村二组2号"), "李四")
    make_person(make_household(tree.village_b1, address="乙一村七组7号"), "乙村人")
    return number, person, other


def test_person_export_is_masked_scoped_and_has_chinese_headers(client, tree, village_official):
    number, _person, _other = _data(tree)
    client.force_login(village_official)
    response = client.get(reverse("registry:person_export"), {"format": "xlsx"})
    table = _sheet(response.content)
    assert table[0][:4] == ["姓名", "性别", "出生日期", "身份证号"]
    assert len(table) == 2  # only village A1's one person
    assert table[1][3] != number and "*" in table[1][3]
    assert table[1][0].startswith("'=")  # the formula is neutralised


def test_person_export_follows_the_list_filters(client, tree, township_cadre):
    _data(tree)
    client.force_login(township_cadre)
    response = client.get(reverse("registry:person_export"), {"format": "csv", "village": tree.village_a2.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["李四"]
    response = client.get(reverse("registry:person_export"), {"format": "csv", "tag": "elderly_alone"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][-1] == "独居老人"


def test_full_export_needs_the_permission_and_is_journaled_with_rows_and_hash(client, tree, village_official):
    number, _person, _other = _data(tree)
    client.force_login(village_official)
    response = client.post(reverse("registry:person_export") + "?format=xlsx", {"full": "1"})
    table = _sheet(response.content)
    assert table[1][3] == number and table[1][4] == "13800001234"
    entry = Entry.objects.get(action="registry.list.exported")
    assert entry.data["full"] is True
    assert entry.data["rows"] == 1 and entry.data["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert number not in str(entry.data)


def test_full_export_refused_without_the_permission(client, tree, county_supervisor):
    _data(tree)
    client.force_login(county_supervisor)
    response = client.post(reverse("registry:person_export"), {"full": "1"})
    assert response.status_code == 403
    assert not Entry.objects.filter(action="registry.list.exported").exists()


def test_a_link_never_gives_the_full_export(client, tree, village_official):
    number, _person, _other = _data(tree)
    client.force_login(village_official)
    table = _sheet(client.get(reverse("registry:person_export"), {"full": "1"}).content)
    assert table[1][3] != number


def test_household_export_csv_with_tags_and_member_count(client, tree, village_official):
    _data(tree)
    client.force_login(village_official)
    response = client.get(reverse("registry:household_export"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["户编号", "村/社区", "网格", "户主"]
    assert len(rows) == 2 and rows[1][-2] == "1" and rows[1][-1] == "低保"


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, {"format": "csv"}).status_code == 200
    return len(ctx.captured_queries)


def test_export_query_count_does_not_grow_with_rows(client, tree, village_official):
    household = make_household(tree.village_a1, address="甲一村一组9号")
    client.force_login(village_official)
    client.get(reverse("home"))  # the session's first renewal (a write) is not the export's
    make_person(household, "人0", relation=Person.Relation.CHILD)
    few = [
        _queries(client, reverse(name)) for name in ("registry:person_export", "registry:household_export")
    ]
    for i in range(1, 40):
        make_household(tree.village_a1, address=f"甲一村一组{i}号")
        make_person(household, f"人{i}", relation=Person.Relation.CHILD)
    many = [
        _queries(client, reverse(name)) for name in ("registry:person_export", "registry:household_export")
    ]
    assert many == few


def test_list_pages_offer_the_export_buttons(client, tree, village_official):
    client.force_login(village_official)
    page = client.get(reverse("registry:person_list")).content.decode()
    assert reverse("registry:person_export") in page and "导出完整信息" in page
    assert (
        reverse("registry:household_export")
        in client.get(reverse("registry:household_list")).content.decode()
    )


def test_every_export_is_journaled_even_masked_ones(client, tree, village_official):
    _data(tree)
    client.force_login(village_official)
    people = client.get(reverse("registry:person_export"), {"format": "csv"})
    households = client.get(reverse("registry:household_export"), {"format": "xlsx"})
    entries = {e.data["list"]: e for e in Entry.objects.filter(action="registry.list.exported")}
    assert set(entries) == {"people", "households"}
    assert entries["people"].data["full"] is False
    assert entries["people"].data["sha256"] == hashlib.sha256(people.content).hexdigest()
    assert entries["households"].data["sha256"] == hashlib.sha256(households.content).hexdigest()
    assert entries["people"].actor == village_official
