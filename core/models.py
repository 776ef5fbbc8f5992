from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJobState(models.Model):
    """When a periodic job last started and how it ended; a run is claimed by moving `last_started_at`."""

    name = models.CharField(_("任务"), max_length=100, unique=True)
    last_started_at = models.DateTimeField(_("上次开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("上次结束"), null=True, blank=True)
    last_ok = models.BooleanField(_("上次成功"), null=True, blank=True)
    last_result = models.TextField(_("上次结果"), blank=True)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)

    class Meta:
        verbose_name = _("定时任务状态")
        verbose_name_plural = _("定时任务状态")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaskHeartbeat(models.Model):
    """A background task that is running now: which process runs it, and when that process last said so.

    The worker writes one row when a task starts and refreshes it while the task runs; a running task
    whose process is gone (or whose heartbeat went stale) is reported failed by `core.jobs.reap`.
    """

    task_id = models.UUIDField(primary_key=True)
    task_path = models.CharField(max_length=200)
    host = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField()
    process_start = models.CharField(max_length=32, blank=True)  # tells a reused pid from the original
    started_at = models.DateTimeField(_("开始时间"))
    beat_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.task_path} @ {self.host}:{self.pid}"
