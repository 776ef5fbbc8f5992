from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demands import services
from demands.models import (
    AuthorityRule,
    CalendarDay,
    Category,
    Demand,
    HeldSubmission,
    Open311Client,
    OutboundSms,
    WorkingCalendar,
)


class AuthorityRuleInline(admin.TabularInline):
    model = AuthorityRule
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "county", "accept_days", "resolve_days", "active"]
    list_filter = ["county", "active"]
    search_fields = ["name", "code", "keywords"]
    inlines = [AuthorityRuleInline]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "county"]
    inlines = [CalendarDayInline]


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "active", "prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = services.open311_client_issue(actor=request.user, name=obj.name)
        obj.pk = client.pk
        obj.key_hash, obj.prefix = client.key_hash, client.prefix
        messages.warning(request, _("API key（只显示这一次）：%(key)s") % {"key": key})


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    """Read-only: demands change only through the services (and so the journal)."""

    list_display = ["ticket", "category", "status", "owner_unit", "owner_department", "created_at"]
    list_filter = ["status", "channel", "category"]
    search_fields = ["ticket"]
    exclude = ["phone_cipher", "phone_index"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HeldSubmission)
class HeldSubmissionAdmin(admin.ModelAdmin):
    """Administrators review what the spam screen held; releasing or discarding goes through the services."""

    list_display = ["created_at", "place_unit", "resident_name", "reason", "status"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in HeldSubmission._meta.fields if f.name != "phone_cipher"]
    exclude = ["phone_cipher"]
    actions = ["discard"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("确认为垃圾并丢弃"))
    def discard(self, request, queryset):
        for held in queryset.filter(status=HeldSubmission.Status.HELD):
            services.submission_discard(actor=request.user, held=held)


@admin.register(OutboundSms)
class OutboundSmsAdmin(admin.ModelAdmin):
    """What went to the SMS gateway, what waits for a retry and what failed (read-only; phones masked)."""

    list_display = [
        "created_at",
        "phone_masked",
        "ticket",
        "kind",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["ticket"]
    readonly_fields = [f.name for f in OutboundSms._meta.fields if f.name != "phone_cipher"]
    exclude = ["phone_cipher"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
