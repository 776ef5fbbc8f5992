from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "户籍与常住人口"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.panels import NavItem, register_nav

        register_nav(NavItem(_("户"), "registry:household_list", perm="registry.view_household", order=10))
        register_nav(NavItem(_("人员"), "registry:person_list", perm="registry.view_person", order=11))
        register_nav(NavItem(_("查找"), "registry:search", order=90))
        register_nav(NavItem(_("导入台账"), "registry:ledger_home", perm="registry.add_person", order=80))
