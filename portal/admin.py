from django.contrib import admin

from portal.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only in the Django admin: moderation goes through the CMS screen and portal.services."""

    list_display = ("name", "status", "held_reason", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "body")
    readonly_fields = (
        "site_root",
        "name",
        "body",
        "reply",
        "status",
        "held_reason",
        "address_hash",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
