from django.contrib import admin

from journal.actions import display
from journal.models import Checkpoint, Encounter, Entry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The journal is append-only: the admin can look, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "action_text", "target_label", "entry_hash"]
    list_filter = ["action"]
    search_fields = ["target_label", "actor_label", "action", "entry_hash"]

    @admin.display(description="动作")
    def action_text(self, obj):
        return display(obj.action)


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "created_at", "key_name", "key_id", "root_hash"]


@admin.register(Encounter)
class EncounterAdmin(ReadOnlyAdmin):
    list_display = ["pk", "occurred_at", "village", "recorded_by", "acknowledged_at"]
    list_select_related = ["village", "recorded_by"]
