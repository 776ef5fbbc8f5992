from django.contrib import admin

from journal.actions import display
from journal.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "actor_label", "action_text", "target_label"]
    list_filter = ["action"]
    search_fields = ["target_label", "actor_label", "action"]

    @admin.display(description="动作")
    def action_text(self, obj):
        return display(obj.action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
