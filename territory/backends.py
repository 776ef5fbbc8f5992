"""Authentication backend that adds the permissions of the staff member's role."""

from django.contrib.auth.backends import ModelBackend

from territory.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), set()))
        return super().get_all_permissions(user_obj, obj) | user_obj._role_perm_cache
