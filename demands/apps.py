from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "demands"
    verbose_name = "群众诉求"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core import workcalendar
        from core.panels import NavItem, register_nav, register_panel
        from demands.panels import home_panel
        from demands.workdays import county_days
        from territory.roles import Role, extend_role_permissions

        view = {"demands.view_demand"}
        intake = view | {"demands.add_demand"}
        work = intake | {"demands.work_demand"}
        dashboard = {"demands.view_demand_dashboard"}
        # The county's own configuration (categories and keywords, authority matrix, calendar, Open311 keys).
        configure = {
            f"demands.{verb}_{model}"
            for verb in ("view", "add", "change", "delete")
            for model in ("category", "authorityrule", "workingcalendar", "calendarday", "open311client")
        }
        extend_role_permissions(
            {
                Role.VILLAGE_OFFICIAL: work | dashboard,
                Role.TOWNSHIP_CADRE: work | dashboard,
                Role.TOWNSHIP_LEADER: work | dashboard,
                Role.COUNTY_HANDLER: work | dashboard,
                Role.COUNTY_SUPERVISOR: view | dashboard,
                Role.ADMINISTRATOR: work | dashboard | configure,
            }
        )
        register_nav(NavItem(_("诉求"), "demands:list", perm="demands.view_demand", order=30))
        register_panel(home_panel)
        workcalendar.register_source(county_days)
