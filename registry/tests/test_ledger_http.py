"""Ledger import over HTTP: the command, the API and the pages call the same service."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import LedgerImport, Person
from registry.tests import ledgers
from registry.tests.ledgers import Ledger, make_id
from territory.services import token_issue


def messy_file(tmp_path, n=4, name="台账.xlsx"):
    ledger = ledgers.messy(n)
    ledger.rows.append(
        [99, "孙秀兰", "孙秀兰", "4.10102E+17", "女", "1956-03-12", "户主", "", "三组9号", "常住"]
    )
    path = tmp_path / name
    path.write_bytes(ledgers.to_xlsx(ledger))
    return path, ledger


def test_command_ends_with_the_four_counts(tree, tmp_path):
    path, ledger = messy_file(tmp_path)
    out = io.StringIO()
    call_command("import_ledger", str(path), "--unit", tree.village_a1.code, stdout=out)
    people = len(ledger.rows) - 3
    assert out.getvalue().strip().splitlines()[-1] == f"created={people} updated=0 unchanged=0 quarantined=1"
    out = io.StringIO()
    call_command("import_ledger", str(path), "--unit", tree.village_a1.code, "--mapping", "auto", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == f"created=0 updated=0 unchanged={people} quarantined=1"


def test_command_fails_only_when_the_file_cannot_be_read(tree, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command("import_ledger", str(broken), "--unit", tree.village_a1.code, stdout=io.StringIO())


def test_command_with_sheet_and_explicit_mapping(tree, tmp_path):
    first = Ledger(name="一组", rows=ledgers.households(1, seed=1))
    second = Ledger(name="二组", header=["户主", "身份证"], rows=[["钱多多", make_id(date(1966, 6, 6), 7)]])
    path = tmp_path / "two.xlsx"
    path.write_bytes(ledgers.to_xlsx(first, second))
    out = io.StringIO()
    mapping = '{"二组": {"0": "head_name", "1": "id_number"}}'
    call_command(
        "import_ledger",
        str(path),
        "--unit",
        tree.village_a1.code,
        "--sheet",
        "二组",
        "--mapping",
        mapping,
        stdout=out,
    )
    assert out.getvalue().strip().splitlines()[-1] == "created=1 updated=0 unchanged=0 quarantined=0"
    assert Person.objects.get().name == "钱多多"


@pytest.fixture
def api(client, village_official):
    _token, key = token_issue(actor=village_official, staff=village_official, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def test_api_upload_preview_confirm_status_and_quarantine(api, tree, tmp_path):
    path, ledger = messy_file(tmp_path)
    with path.open("rb") as fh:
        response = api.post("/api/v1/registry/ledger/imports", {"unit": tree.village_a1.code, "file": fh})
    assert response.status_code == 201, response.content
    body = response.json()
    import_id = body["ledger_import"]["id"]
    assert body["sheets"][0]["header_rows"] == [3]
    assert body["counts"]["quarantined"] == 1 and "科学计数法" in body["quarantined"][0]["reason"]
    assert not Person.objects.exists()  # nothing written before confirming
    mapping = {"花名册": body["sheets"][0]["mapping"]}
    response = api.post(
        f"/api/v1/registry/ledger/imports/{import_id}/confirm",
        {"mapping": mapping},
        content_type="application/json",
    )
    assert response.status_code == 202
    status = api.get(f"/api/v1/registry/ledger/imports/{import_id}").json()
    assert status["status"] == "done"
    assert (
        status["created"] + status["updated"] + status["unchanged"] + status["quarantined"]
        == status["data_rows"]
    )
    download = api.get(f"/api/v1/registry/ledger/imports/{import_id}/quarantine")
    ws = load_workbook(io.BytesIO(download.content)).active
    assert ws.cell(row=1, column=ws.max_column).value == "原因"


def test_api_refuses_upload_into_a_unit_outside_the_jurisdiction(api, tree, tmp_path):
    path, _ledger = messy_file(tmp_path)
    with path.open("rb") as fh:
        response = api.post("/api/v1/registry/ledger/imports", {"unit": tree.village_b1.code, "file": fh})
    assert response.status_code == 404


def test_api_rejects_a_mapping_without_names(api, tree, tmp_path):
    path, _ledger = messy_file(tmp_path)
    with path.open("rb") as fh:
        import_id = api.post(
            "/api/v1/registry/ledger/imports", {"unit": tree.village_a1.code, "file": fh}
        ).json()["ledger_import"]["id"]
    response = api.post(
        f"/api/v1/registry/ledger/imports/{import_id}/confirm",
        {"mapping": {"花名册": {"3": "id_number"}}},
        content_type="application/json",
    )
    assert response.status_code == 422 and "姓名" in response.json()["detail"]


def test_pages_upload_correct_a_column_confirm_and_report(client, tree, village_official, tmp_path):
    client.force_login(village_official)
    header = ["序号", "户主姓名", "名", "身份证号", "性别"]
    rows = [
        [1, "钱大", "钱大", make_id(date(1960, 1, 1), 20), "男"],
        [2, "钱大", "钱小", "4.10102E+17", "女"],
    ]
    content = ledgers.to_xlsx(Ledger(header=header, rows=rows))
    home = client.get(reverse("registry:ledger_home"))
    assert home.status_code == 200 and "导入台账" in home.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("registry:ledger_home"),
        {"unit": tree.village_a1.code, "file": SimpleUploadedFile("台账.xlsx", content)},
    )
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "registry:ledger_preview", args=[ledger_import.pk]
    )
    page = client.get(response.url).content.decode()
    assert 'name="map-0-2"' in page and "（不导入）" in page
    form = {
        "map-0-1": "head_name",
        "map-0-2": "name",
        "map-0-3": "id_number",
        "map-0-4": "sex",
        "action": "confirm",
    }
    response = client.post(reverse("registry:ledger_preview", args=[ledger_import.pk]), form)
    assert response.status_code == 302
    report = client.get(reverse("registry:ledger_status", args=[ledger_import.pk])).content.decode()
    assert "导入完成" in report and "下载待处理行" in report
    assert Person.objects.filter(name="钱大").exists()
    partial = client.get(reverse("registry:ledger_status", args=[ledger_import.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in partial.content.decode()  # finished: polling stops
    download = client.get(reverse("registry:ledger_quarantine", args=[ledger_import.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_preview_page_shows_changed_fields_before_confirming(client, tree, village_official):
    from core.testing import make_household, make_person

    number = make_id(date(1951, 7, 1), 11)
    make_person(make_household(tree.village_a1, address="三组5号"), "赵老汉", id_number=number)
    row = [1, "赵老汉", "赵老汉", number, "男", "", "户主", "", "三组5号", "外出务工"]
    client.force_login(village_official)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("registry:ledger_home"),
        {
            "unit": tree.village_a1.code,
            "file": SimpleUploadedFile("a.xlsx", ledgers.to_xlsx(Ledger(rows=[row]))),
        },
    )
    page = client.get(
        reverse("registry:ledger_preview", args=[LedgerImport.objects.get().pk])
    ).content.decode()
    assert "将更新的人员" in page and "常住 → 外出务工" in page


def test_supervisor_without_write_permission_cannot_open_the_import_page(client, county_supervisor):
    client.force_login(county_supervisor)
    assert client.get(reverse("registry:ledger_home")).status_code == 403


def test_preview_samples_never_show_a_full_id_or_phone(client, tree, village_official):
    from django.core.files.uploadedfile import SimpleUploadedFile

    number = make_id(date(1960, 1, 1), 20)
    rows = [[1, "钱大", "钱大", number, "男", "", "户主", "13812345678", "一组1号", "常住"]]
    client.force_login(village_official)
    client.post(
        reverse("registry:ledger_home"),
        {
            "unit": tree.village_a1.code,
            "file": SimpleUploadedFile("a.xlsx", ledgers.to_xlsx(Ledger(rows=rows))),
        },
    )
    page = client.get(
        reverse("registry:ledger_preview", args=[LedgerImport.objects.get().pk])
    ).content.decode()
    assert number not in page and "13812345678" not in page and number[:4] in page
