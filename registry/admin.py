from django.contrib import admin

from registry.models import Household, LedgerImport, Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "scope", "county", "sort_order"]
    list_filter = ["scope", "county"]


class PersonInline(admin.TabularInline):
    model = Person
    fields = ["name", "id_masked", "phone_masked", "relation", "residence"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    """Read-only here: registry writes go through the services (UI, import, API) so they are journaled."""

    list_display = ["household_no", "head_name", "address", "village", "occupancy"]
    list_filter = ["occupancy"]
    search_fields = ["head_name", "address", "household_no"]
    inlines = [PersonInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerImport)
class LedgerImportAdmin(admin.ModelAdmin):
    """Read-only: imports run through registry.ledger.services; quarantined rows stay encrypted."""

    list_display = [
        "original_name",
        "unit",
        "status",
        "data_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "quarantined_count",
        "created_at",
    ]
    list_filter = ["status"]
    exclude = ["mapping"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
