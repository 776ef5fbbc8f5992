from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from territory.models import AdminUnit, ApiToken, Department, Staff
from territory.services import staff_deactivate


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "latitude", "longitude"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "code"]
    search_fields = ["name"]
    raw_id_fields = ["unit"]


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    filter_horizontal = ["jurisdictions", "groups", "user_permissions"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("岗位与辖区"), {"fields": ["role", "full_name", "phone", "department", "jurisdictions"]}),
    ]

    def save_model(self, request, obj, form, change):
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # let the service make the change, end the sessions and journal it
        super().save_model(request, obj, form, change)
        if deactivating:
            staff_deactivate(actor=request.user, staff=obj, reason=str(_("在管理后台停用")))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "staff", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are issued by `manage.py api_token USERNAME`, which shows the key once
