"""Roles and what each may do. Jurisdiction (which units) is separate: see territory.selectors."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_OFFICIAL = "village_official", _("村干部")
    TOWNSHIP_CADRE = "township_cadre", _("包村干部")
    TOWNSHIP_LEADER = "township_leader", _("乡镇领导")
    COUNTY_HANDLER = "county_handler", _("县直部门承办人")
    COUNTY_SUPERVISOR = "county_supervisor", _("县督查人员")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Capabilities granted by role, as Django permission codes ("app_label.codename").
# Individual permissions can still be granted in the admin on top of these.
_REGISTRY_READ = {"registry.view_household", "registry.view_person", "territory.view_adminunit"}
_REGISTRY_WRITE = {
    "registry.add_household",
    "registry.change_household",
    "registry.add_person",
    "registry.change_person",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.VILLAGE_OFFICIAL: _REGISTRY_READ | _REGISTRY_WRITE | {"registry.view_full_pii"},
    Role.TOWNSHIP_CADRE: _REGISTRY_READ | _REGISTRY_WRITE | {"registry.view_full_pii"},
    Role.TOWNSHIP_LEADER: _REGISTRY_READ | {"registry.export_person"},
    Role.COUNTY_HANDLER: {"territory.view_adminunit"},
    Role.COUNTY_SUPERVISOR: _REGISTRY_READ,
    Role.ADMINISTRATOR: _REGISTRY_READ
    | _REGISTRY_WRITE
    | {"registry.view_full_pii", "registry.export_person"},
}


def extend_role_permissions(extra: dict[str, set[str]]) -> None:
    """Let another app add its own capabilities to roles (called from its AppConfig.ready)."""
    for role, perms in extra.items():
        ROLE_PERMISSIONS.setdefault(role, set()).update(perms)
