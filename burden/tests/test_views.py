import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from burden import services
from burden.models import ReportFill, ReportTemplate, Task, TaskType
from burden.tests import workbooks
from territory.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil(tree):
    return Department.objects.create(unit=tree.county, name="民政局", code="civil")


def _task(tree, title="摸排表", hours=4, units=None, **kwargs):
    now = timezone.now()
    return services.task_record(
        actor=None,
        type=TaskType.FORM,
        title=title,
        issuer_unit=tree.county,
        received_at=now,
        deadline=kwargs.pop("deadline", now + timedelta(hours=3)),
        units=units or [tree.village_a1],
        **kwargs,
    )


def test_dashboard_draws_svg_charts_without_inline_styles_or_scripts(client, tree, township_leader):
    _task(tree)
    client.force_login(township_leader)
    body = client.get(reverse("burden:dashboard")).content.decode()
    assert body.count("<svg") >= 4
    assert "甲一村" in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)


def test_nav_tab_and_home_panel(client, tree, village_official):
    _task(tree)
    client.force_login(village_official)
    body = client.get(reverse("home")).content.decode()
    assert "减负" in body and "本周到期任务" in body


def test_pasted_notice_prefills_the_quick_form(client, tree, village_official, civil):
    client.force_login(village_official)
    text = "测试县民政局关于开展特困人员摸排填报工作的通知\n请于2026年11月30日前报送。"
    response = client.post(reverse("burden:task_new"), {"source_text": text, "parse": "1"})
    body = response.content.decode()
    assert 'value="测试县民政局关于开展特困人员摸排填报工作的通知"' in body
    assert "2026-11-30T18:00" in body
    assert f'<option value="{civil.pk}" selected>' in body


def test_quick_entry_flags_unreasonable_deadline(client, tree, village_official, civil):
    client.force_login(village_official)
    now = timezone.localtime()
    response = client.post(
        reverse("burden:task_new"),
        {
            "type": "form",
            "title": "今天下午要的表",
            "issuer_department": civil.pk,
            "received_at": now.strftime("%Y-%m-%dT%H:%M"),
            "deadline": now.strftime("%Y-%m-%dT23:59"),
            "units": [tree.village_a1.pk],
            "save": "1",
        },
        follow=True,
    )
    task = Task.objects.get(title="今天下午要的表")
    assert task.unreasonable_deadline and task.estimated_hours == 4
    assert "不合理时限" in response.content.decode()


def test_issuer_sees_the_flag_on_its_own_task(client, tree, civil):
    from core.testing import make_staff
    from territory.roles import Role

    task = _task(tree, issuer_department=civil)
    handler = make_staff(Role.COUNTY_HANDLER, [tree.county], username="civil", department=civil)
    client.force_login(handler)
    body = client.get(reverse("burden:task_detail", args=[task.pk])).content.decode()
    assert "不合理时限" in body


def test_task_list_query_count_is_pinned(client, tree, township_leader, django_assert_max_num_queries):
    for i in range(12):
        _task(tree, title=f"任务{i}", units=[tree.village_a1, tree.village_a2])
    client.force_login(township_leader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("burden:task_list"))
    assert response.content.decode().count("任务1") >= 3


def test_settings_page_is_for_supervisors(client, tree, township_leader, county_supervisor):
    client.force_login(township_leader)
    assert client.get(reverse("burden:settings")).status_code == 403
    client.force_login(county_supervisor)
    assert client.get(reverse("burden:settings")).status_code == 200


def test_upload_correct_fill_download(client, tree, township_leader):
    client.force_login(township_leader)
    upload = SimpleUploadedFile("人口统计.xlsx", workbooks.village_template())
    response = client.post(reverse("burden:report_list"), {"file": upload})
    template = ReportTemplate.objects.get()
    assert response["Location"] == reverse("burden:report_mapping", args=[template.pk])
    page = client.get(response["Location"]).content.decode()
    assert "人口情况/常住人口" in page
    form = {"row_unit": "village", **{f"col_{c['col']}": c["source"] for c in template.columns}}
    form["col_9"] = "_skip"
    response = client.post(reverse("burden:report_mapping", args=[template.pk]), form)
    assert response["Location"] == reverse("burden:report_review", args=[template.pk])
    response = client.post(reverse("burden:report_review", args=[template.pk]))
    fill = ReportFill.objects.get()
    assert fill.status == ReportFill.Status.DONE
    download = client.get(reverse("burden:fill_download", args=[fill.pk]))
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb["人口统计"]["B7"].value == "甲一村"
    assert "节省" in client.get(reverse("burden:fill_detail", args=[fill.pk])).content.decode()


def test_unmapped_column_goes_to_manual_entry(client, tree, township_leader):
    client.force_login(township_leader)
    client.post(
        reverse("burden:report_list"), {"file": SimpleUploadedFile("t.xlsx", workbooks.village_template())}
    )
    template = ReportTemplate.objects.get()
    form = {"row_unit": "village", **{f"col_{c['col']}": c["source"] for c in template.columns}}
    form["col_9"] = "_manual"
    response = client.post(reverse("burden:report_mapping", args=[template.pk]), form)
    assert response["Location"] == reverse("burden:report_manual", args=[template.pk])
    page = client.get(response["Location"]).content.decode()
    names = re.findall(r'name="(v_\d+_9)"', page)
    assert len(names) == 2
    client.post(response["Location"], dict.fromkeys(names, "3"))
    assert client.get(response["Location"]).content.decode().count('name="v_') == 0


def test_upload_of_a_non_workbook_is_a_form_error(client, tree, township_leader):
    client.force_login(township_leader)
    response = client.post(reverse("burden:report_list"), {"file": SimpleUploadedFile("t.xlsx", b"nonsense")})
    assert response.status_code == 200
    assert "读不懂" in response.content.decode()
