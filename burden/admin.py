from django.contrib import admin

from burden.models import CountySetting, ReportFill, ReportTemplate, Synonym, Task, TypeDefault


@admin.register(CountySetting)
class CountySettingAdmin(admin.ModelAdmin):
    list_display = ["county", "lead_time_floor_days", "weekly_hours", "minutes_per_cell", "hours_per_visit"]


@admin.register(TypeDefault)
class TypeDefaultAdmin(admin.ModelAdmin):
    list_display = ["county", "type", "hours"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """Read-only: tasks are recorded through the service, so the journal sees every one."""

    list_display = ["title", "type", "issuer_unit", "issuer_department", "deadline", "unreasonable_deadline"]
    list_filter = ["type", "unreasonable_deadline"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["label", "row_unit", "source", "county", "updated_at"]
    search_fields = ["label"]


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "row_unit", "confirmed", "created_at"]
    readonly_fields = ["columns"]


@admin.register(ReportFill)
class ReportFillAdmin(admin.ModelAdmin):
    list_display = ["template", "unit", "status", "cells_filled", "hours_saved", "created_at"]
    list_filter = ["status"]
