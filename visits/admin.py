from django.contrib import admin

from visits.models import PlannerSettings, TravelRule, Trip, Visit, VisitConflict, VisitPolicy


@admin.register(VisitPolicy)
class VisitPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "county",
        "tag",
        "occupancy",
        "interval_days",
        "required_mode",
        "weight",
        "active",
    ]
    list_filter = ["county", "required_mode", "active"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["household", "mode", "visited_at", "actor"]
    list_filter = ["mode"]
    raw_id_fields = ["household", "person", "actor", "plan_stop"]
    date_hierarchy = "visited_at"

    def has_change_permission(self, request, obj=None):
        return False  # a visit is a record: corrections are new visits, never edits


@admin.register(VisitConflict)
class VisitConflictAdmin(admin.ModelAdmin):
    list_display = ["visit", "actor", "received_at", "resolved"]
    raw_id_fields = ["visit", "actor"]


@admin.register(TravelRule)
class TravelRuleAdmin(admin.ModelAdmin):
    list_display = ["county", "fuel_price", "consumption_l_per_100km", "subsidy_per_month", "subsidy_per_km"]


@admin.register(PlannerSettings)
class PlannerSettingsAdmin(admin.ModelAdmin):
    list_display = ["township", "road_factor", "speed_kmh"]


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["date", "cadre", "origin", "destination", "km"]
    raw_id_fields = ["cadre", "route"]
