import re
from datetime import date

import pytest
from openpyxl import load_workbook

from core.testing import PASSWORD, make_staff
from e2e.conftest import login, screenshot
from registry.ledger.services import progress_write
from registry.models import LedgerImport, Person
from registry.tests import ledgers
from registry.tests.ledgers import Ledger, make_id
from territory.roles import Role


@pytest.fixture
def office(transactional_db):
    from core.testing import build_tree

    tree = build_tree()
    make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="zhang")
    return tree


def messy_ledger() -> bytes:
    """A title row, the header on row 3 with one column ("成员名") the dictionary does not know, a subtotal,
    and one ID that Excel turned into scientific notation."""
    header = ["序号", "户主姓名", "成员名", "身份证号", "性别", "出生年月", "与户主关系", "家庭住址"]
    rows = [
        [1, "刘桂芝", "刘桂芝", make_id(date(1939, 8, 8), 1, "F"), "女", "1939.08", "户主", "三组5号"],
        [2, "陈志强", "陈志强", make_id(date(1978, 1, 1), 2), "男", "1978年1月", "户主", "一组2号"],
        [3, "陈志强", "王美兰", "4.10102E+17", "女", "19800315", "配偶", "一组2号"],
        [None, None, None, None, None, None, None, None],
        ["小计", None, "3人"],
    ]
    ledger = Ledger(
        title=["甲一村人口台账", "填报时间：2026年11月"], header=header, rows=rows, merges=["A1:H1"]
    )
    return ledgers.to_xlsx(ledger)


def test_upload_correct_a_column_confirm_and_download_the_quarantine(live_server, desktop, office, tmp_path):
    page = desktop
    login(page, live_server.url, "zhang", PASSWORD)
    page.get_by_role("link", name="导入台账").click()
    page.wait_for_url(re.compile(r"/work/registry/ledgers/$"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "甲一村台账.xlsx", "mimeType": "application/octet-stream", "buffer": messy_ledger()}],
    )
    screenshot(page, "ledgers-upload")
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/work/registry/ledgers/\d+/$"))
    assert page.get_by_text("表头在第3行").is_visible()
    # "成员名" is not in the synonym dictionary: point it at 姓名 by hand, then check again.
    page.get_by_label("“成员名”列对应到").select_option("name")
    page.get_by_role("button", name="按修改后的对应关系重新核对").click()
    page.wait_for_load_state()
    assert page.get_by_label("“成员名”列对应到").input_value() == "name"
    assert page.get_by_text("科学计数法").first.is_visible()
    screenshot(page, "ledgers-preview")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(re.compile(r"/work/registry/ledgers/\d+/status/$"))
    page.get_by_text("导入完成").wait_for()
    screenshot(page, "ledgers-report")
    assert Person.objects.filter(name="王美兰").count() == 0
    assert set(Person.objects.values_list("name", flat=True)) == {"刘桂芝", "陈志强"}
    with page.expect_download() as info:
        page.get_by_role("link", name="下载待处理行（Excel）").click()
    saved = tmp_path / "quarantine.xlsx"
    info.value.save_as(saved)
    ws = load_workbook(saved).active
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0][-1] == "原因"
    assert table[1][2] == "王美兰" and "科学计数法" in table[1][-1]


def test_import_pages_fit_a_phone(live_server, phone, office):
    login(phone, live_server.url, "zhang", PASSWORD)
    phone.goto(f"{live_server.url}/work/registry/ledgers/")
    phone.set_input_files(
        "input[type=file]",
        files=[{"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": messy_ledger()}],
    )
    phone.get_by_role("button", name="上传并预览").click()
    phone.wait_for_url(re.compile(r"/work/registry/ledgers/\d+/$"))
    screenshot(phone, "ledgers-preview-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # A large import seen half-way: the bar polls (htmx) until the report replaces it.
    running = LedgerImport.objects.get()
    LedgerImport.objects.filter(pk=running.pk).update(status=LedgerImport.Status.RUNNING)
    progress_write(running, phase="writing", done=84_000, total=200_000)
    phone.goto(f"{live_server.url}/work/registry/ledgers/{running.pk}/status/")
    assert phone.locator("progress").get_attribute("value") == "42"
    screenshot(phone, "ledgers-progress-phone")
    progress_write(running, phase="done", done=3, total=3)
    LedgerImport.objects.filter(pk=running.pk).update(
        status=LedgerImport.Status.DONE, data_rows=3, created_count=3
    )
    phone.get_by_text("导入完成").wait_for()
