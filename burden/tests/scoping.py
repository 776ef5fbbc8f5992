"""Out-of-scope burden objects for the URL walker: a task, a template and a fill in village B1 / township B."""

from datetime import timedelta

from django.utils import timezone

from burden import services
from burden.models import ReportFill, ReportTemplate, RowUnit
from core.testing import make_staff
from territory.roles import Role


def routes(tree) -> dict:
    now = timezone.now()
    task = services.task_record(
        actor=None,
        type="form",
        title="乙乡报表",
        issuer_unit=tree.town_b,
        received_at=now,
        deadline=now + timedelta(days=1),
        units=[tree.village_b1],
    )
    owner = make_staff(Role.TOWNSHIP_LEADER, [tree.town_b], username="leader-b-scoping")
    template = ReportTemplate.objects.create(
        owner=owner,
        unit=tree.town_b,
        scope_path=tree.town_b.path,
        name="乙乡模板",
        file="templates/none.xlsx",
        sheet_name="Sheet1",
        header_start=1,
        header_end=1,
        data_start=2,
        row_unit=RowUnit.VILLAGE,
        confirmed=True,
    )
    fill = ReportFill.objects.create(
        template=template,
        actor=owner,
        unit=tree.town_b,
        scope_path=tree.town_b.path,
        output="fills/none.xlsx",
    )
    return {
        "burden:task_detail": {"pk": task.pk},
        "burden:report_mapping": {"pk": template.pk},
        "burden:report_manual": {"pk": template.pk},
        "burden:report_review": {"pk": template.pk},
        "burden:fill_detail": {"pk": fill.pk},
        "burden:fill_download": {"pk": fill.pk},
        "/api/v1/burden/tasks/{task_id}": {"task_id": task.pk},
        "/api/v1/burden/templates/{template_id}": {"template_id": template.pk},
        "/api/v1/burden/templates/{template_id}/fill": {"template_id": template.pk},
        "/api/v1/burden/fills/{fill_id}": {"fill_id": fill.pk},
    }
