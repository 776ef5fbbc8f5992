from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "territory"
    verbose_name = "辖区与人员"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.panels import NavItem, register_nav
        from territory import signals  # noqa: F401

        register_nav(NavItem(_("首页"), "home", order=0))
