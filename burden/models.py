from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from territory.models import AdminUnit, Department


def private_storage() -> FileSystemStorage:
    """Templates and filled reports hold personal data: kept outside MEDIA, served only through views."""
    return FileSystemStorage(location=settings.PRIVATE_ROOT / "burden")


class TaskType(models.TextChoices):
    DOCUMENT = "document", _("文件学习")
    MEETING = "meeting", _("会议")
    FORM = "form", _("报表")
    INSPECTION = "inspection", _("督导检查")
    ASSESSMENT = "assessment", _("考核指标")
    OTHER = "other", _("其他")


DEFAULT_TYPE_HOURS = {
    TaskType.DOCUMENT: Decimal("1.0"),
    TaskType.MEETING: Decimal("3.0"),
    TaskType.FORM: Decimal("4.0"),
    TaskType.INSPECTION: Decimal("6.0"),
    TaskType.ASSESSMENT: Decimal("8.0"),
    TaskType.OTHER: Decimal("2.0"),
}


class CountySetting(models.Model):
    """A county's rules for burden: the lead-time floor, working hours and what a filled cell is worth."""

    county = models.OneToOneField(
        AdminUnit, verbose_name=_("县"), on_delete=models.CASCADE, related_name="burden_setting"
    )
    lead_time_floor_days = models.PositiveSmallIntegerField(_("最短办理时限（工作日）"), default=3)
    weekly_hours = models.DecimalField(_("每人每周工作小时"), max_digits=5, decimal_places=1, default=40)
    minutes_per_cell = models.DecimalField(
        _("手工填一个格子的分钟数"), max_digits=5, decimal_places=2, default=Decimal("0.5")
    )
    hours_per_visit = models.DecimalField(
        _("每次入户走访计多少小时"), max_digits=4, decimal_places=2, default=Decimal("0.75")
    )

    class Meta:
        verbose_name = _("减负设置")
        verbose_name_plural = _("减负设置")
        permissions = [("change_burden_settings", _("修改减负设置"))]

    def __str__(self) -> str:
        return str(self.county)


class TypeDefault(models.Model):
    """The county's default estimated hours for one task type; a task can still override it."""

    county = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="burden_type_defaults")
    type = models.CharField(_("类型"), max_length=20, choices=TaskType.choices)
    hours = models.DecimalField(_("默认工时"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("任务类型默认工时")
        verbose_name_plural = _("任务类型默认工时")
        constraints = [models.UniqueConstraint(fields=["county", "type"], name="burden_type_default_unique")]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.hours}"


class Task(models.Model):
    """Work that lands on grassroots units from above; its cost is the estimated hours per assignee.

    Units are never deleted while households hang on them (the registry protects them), so tasks
    follow their units rather than blocking a unit's removal; a removed department or person only
    loses its name on the task.
    """

    type = models.CharField(_("类型"), max_length=20, choices=TaskType.choices, default=TaskType.FORM)
    title = models.CharField(_("标题"), max_length=200)
    issuer_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("发文单位"), on_delete=models.CASCADE, related_name="issued_tasks"
    )
    issuer_department = models.ForeignKey(
        Department,
        verbose_name=_("发文部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_tasks",
    )
    received_at = models.DateTimeField(_("收到时间"))
    deadline = models.DateTimeField(_("办结时限"))
    estimated_hours = models.DecimalField(_("预计工时（每个承办单位）"), max_digits=6, decimal_places=1)
    lead_working_days = models.PositiveSmallIntegerField(_("办理时间（工作日）"), default=0, editable=False)
    unreasonable_deadline = models.BooleanField(_("不合理时限"), default=False, editable=False)
    source_text = models.TextField(_("通知原文"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["-received_at", "-id"]
        permissions = [("view_burden_dashboard", _("查看减负看板")), ("fill_report", _("使用一表通填报"))]

    def __str__(self) -> str:
        return self.title


class Assignment(models.Model):
    """One unit (and optionally one cadre) that must do a task; scoping runs on the unit's path."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="burden_assignments",
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    deadline = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("承办")
        verbose_name_plural = _("承办")

    def __str__(self) -> str:
        return f"{self.task_id} → {self.unit_id}"


class RowUnit(models.TextChoices):
    PERSON = "person", _("每人一行")
    HOUSEHOLD = "household", _("每户一行")
    VILLAGE = "village", _("每村一行")
    TOWNSHIP = "township", _("每乡镇一行")


class ReportTemplate(models.Model):
    """An upper-level Excel form as uploaded, with its detected header block and column mapping."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="+"
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField(_("表名"), max_length=200)
    file = models.FileField(storage=private_storage, upload_to="templates/")
    sheet_name = models.CharField(max_length=100)
    title = models.CharField(_("标题"), max_length=300, blank=True)
    header_start = models.PositiveIntegerField()
    header_end = models.PositiveIntegerField()
    data_start = models.PositiveIntegerField()
    row_unit = models.CharField(_("行单位"), max_length=20, choices=RowUnit.choices)
    # [{"col": 3, "letter": "C", "label": "人口/常住人口", "source": "resident_people", "score": 0.93}]
    columns = models.JSONField(default=list)
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上报模板")
        verbose_name_plural = _("上报模板")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Synonym(models.Model):
    """A column label a person confirmed as meaning one source: the dictionary learns from use."""

    county = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)
    row_unit = models.CharField(max_length=20, choices=RowUnit.choices)
    source = models.CharField(max_length=60)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "label", "row_unit"], name="burden_synonym_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.source}"


class ManualValue(models.Model):
    """A value the registry does not hold, entered once for a unit and a column label, then reused."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)
    value = models.CharField(max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "label"], name="burden_manual_value_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.label}"


class ReportFill(models.Model):
    """One filling of a template for a jurisdiction: the file it produced and the time it saved."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在填报")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="fills")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_filled = models.PositiveIntegerField(default=0)
    cells_filled = models.PositiveIntegerField(default=0)
    hours_saved = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    output = models.FileField(storage=private_storage, upload_to="fills/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("填报记录")
        verbose_name_plural = _("填报记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template_id} @ {self.unit_id}"

    @property
    def progress_step(self) -> int:
        """The progress rounded down to tens, for a CSS width class (no inline styles under the CSP)."""
        return self.progress // 10 * 10
