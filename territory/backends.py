"""Authentication backend that adds the permissions of the staff member's role."""

from django.contrib.auth.backends import ModelBackend

from territory.access import cached_user, load_access
from territory.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """ModelBackend's user and group permissions (read through territory.access) plus the role's."""

    def _perms(self, user_obj) -> frozenset[str]:
        base = getattr(user_obj, "_perm_cache", None)
        if base is None:
            load_access(user_obj)
            base = user_obj._perm_cache
        # has_perm runs several times a page: the union is kept for as long as ModelBackend's memo is.
        memo = user_obj.__dict__.get("_doorstep_perms")
        if memo is None or memo[0] is not base:
            role = ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), set())
            memo = user_obj._doorstep_perms = (base, frozenset(base | role))
        return memo[1]

    def get_user(self, user_id):
        """The session's staff member, from the shared cache (territory.access.cached_user)."""
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(self._perms(user_obj))

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return False
        return perm in self._perms(user_obj)
