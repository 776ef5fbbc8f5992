from django.db import models
from django.utils.translation import gettext_lazy as _


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
