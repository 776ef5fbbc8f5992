from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "公正记录"

    def ready(self):
        from core.panels import NavItem, register_nav
        from journal.actions import autodiscover
        from territory.roles import Role, extend_role_permissions

        autodiscover()
        record = {"journal.add_encounter", "journal.view_encounter"}
        oversee = {"journal.view_encounter", "journal.export_evidence"}
        extend_role_permissions(
            {
                Role.VILLAGE_OFFICIAL: record,
                Role.TOWNSHIP_CADRE: record,
                Role.TOWNSHIP_LEADER: record | oversee,
                Role.COUNTY_SUPERVISOR: oversee,
                Role.ADMINISTRATOR: oversee,
            }
        )
        register_nav(NavItem(_("公正记录"), "journal:index", perm="journal.view_encounter", order=80))
