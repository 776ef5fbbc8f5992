from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "公正记录"

    def ready(self):
        from core.panels import NavItem, register_nav, register_panel
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
                Role.ADMINISTRATOR: oversee | {"journal.redact_entry"},
            }
        )
        register_nav(NavItem(_("公正记录"), "journal:index", perm="journal.view_encounter", order=80))
        from journal.panels import fair_record_panel

        register_panel(fair_record_panel)
        post_migrate.connect(_reinstall_guards, sender=self)


def _reinstall_guards(sender, using="default", **kwargs):
    """A later migration that rebuilds journal_entry (SQLite copies tables to alter them) drops its triggers: put them back."""
    from django.db import connections

    from journal.db import ensure_guards

    ensure_guards(connections[using])
