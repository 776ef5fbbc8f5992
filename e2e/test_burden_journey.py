"""A township leader answers an upper-level form from the registry and sees the hours it saved."""

import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.testing import PASSWORD, make_household, make_person, make_staff
from e2e.conftest import login, screenshot
from territory.roles import Role


@pytest.fixture
def township(transactional_db, tmp_path):
    from burden import services
    from burden.models import TaskType
    from core.testing import build_tree
    from territory.models import Department

    tree = build_tree()
    leader = make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="wang", full_name="王建国")
    make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1, tree.village_a2], username="li", full_name="李娜")
    civil = Department.objects.create(unit=tree.county, name="民政局", code="civil")
    health = Department.objects.create(unit=tree.county, name="卫健委", code="health")
    for i, village in enumerate((tree.village_a1, tree.village_a2)):
        household = make_household(village, address=f"{village.name}一组{i + 1}号")
        make_person(household, "王老汉", birth_date=date(1940, 1, 1), tags=[tree.tags["elderly_alone"]])
        make_person(household, "王大力", birth_date=date(1985, 1, 1), residence="migrant_work")
    now = timezone.now()
    for n, (dept, type_, hours) in enumerate(
        [
            (civil, TaskType.FORM, 4),
            (civil, TaskType.MEETING, 3),
            (health, TaskType.INSPECTION, 6),
            (health, TaskType.FORM, 4),
        ]
    ):
        services.task_record(
            actor=None,
            type=type_,
            title=f"演示任务{n}",
            issuer_unit=tree.county,
            issuer_department=dept,
            received_at=now,
            deadline=now + timedelta(hours=4 if n == 0 else 24 * 6),
            units=[tree.village_a1, tree.village_a2],
            estimated_hours=hours,
        )
    from burden.tests.workbooks import village_template

    path = tmp_path / "各村人口统计表.xlsx"
    path.write_bytes(village_template())
    return {"tree": tree, "leader": leader, "template": path}


def test_township_leader_fills_upper_level_form_and_sees_hours_saved(live_server, desktop, township):
    page = desktop
    login(page, live_server.url, "wang", PASSWORD)
    page.get_by_role("link", name="减负").first.click()
    page.wait_for_url(re.compile(r"/work/burden/$"))
    page.get_by_role("link", name="一表通").click()
    page.set_input_files("input[type=file]", str(township["template"]))
    page.get_by_role("button", name="上传并识别").click()
    page.wait_for_url(re.compile(r"/work/burden/reports/\d+/mapping/"))
    screenshot(page, "burden-mapping")
    # The county counts people who actually live there: correct 户籍人口 to 常住人口.
    page.select_option("#id_col_4", "resident_people")
    page.select_option("#id_col_9", "_skip")
    page.get_by_role("button", name="确认对应").click()
    page.wait_for_url(re.compile(r"/review/"))
    page.get_by_role("button", name="开始填报").click()
    page.wait_for_url(re.compile(r"/work/burden/fills/\d+/"))
    page.get_by_text("已完成").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载填好的表").click()
    workbook = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    sheet = workbook["人口统计"]
    assert sheet["B7"].value == "甲一村"
    assert sheet["D7"].value == 1  # 常住人口 after the correction, not the 2 registered
    assert workbook.sheetnames == ["人口统计", "填表说明"]
    page.get_by_role("link", name="看板").click()
    page.wait_for_url(re.compile(r"/work/burden/$"))
    saved = page.locator(".stat", has_text="一表通节省工时")
    assert float(saved.locator(".n").inner_text()) > 0
    assert page.locator("svg.chart").count() >= 4
    screenshot(page, "burden-dashboard")


def test_quick_entry_from_a_pasted_notice_on_a_phone(live_server, phone, township):
    login(phone, live_server.url, "wang", PASSWORD)
    phone.goto(f"{live_server.url}/work/burden/tasks/new/")
    phone.fill(
        "#id_source_text",
        "测试县民政局关于报送独居老人名册的紧急通知\n请各村今天下午5点前报送。\n测试县民政局",
    )
    phone.get_by_role("button", name="识别通知").click()
    phone.wait_for_load_state()
    phone.locator("#id_title[value]").wait_for()
    assert phone.input_value("#id_title") == "测试县民政局关于报送独居老人名册的紧急通知"
    screenshot(phone, "burden-quick-entry-phone")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(re.compile(r"/work/burden/tasks/\d+/"))
    assert phone.get_by_text("不合理时限").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
