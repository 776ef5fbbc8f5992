from django.contrib import admin

from core.models import TaskHeartbeat


@admin.register(TaskHeartbeat)
class TaskHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the worker writes these; a lost task is handled by core.jobs.reap, not by hand."""

    list_display = ["task_path", "host", "pid", "started_at", "beat_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
