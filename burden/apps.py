from django.apps import AppConfig


class BurdenConfig(AppConfig):
    name = "burden"
    verbose_name = "减负"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.panels import NavItem, Panel, register_nav, register_panel
        from territory.roles import Role, extend_role_permissions

        task_read = {"burden.view_task"}
        record = {"burden.add_task"}
        board = {"burden.view_burden_dashboard"}
        report = {"burden.fill_report"}
        extend_role_permissions(
            {
                Role.VILLAGE_OFFICIAL: task_read | record | board | report,
                Role.TOWNSHIP_CADRE: task_read | record | board | report,
                Role.TOWNSHIP_LEADER: task_read | record | board | report,
                Role.COUNTY_HANDLER: task_read | record | board,
                Role.COUNTY_SUPERVISOR: task_read | board | {"burden.change_burden_settings"},
                Role.ADMINISTRATOR: task_read | record | board | report | {"burden.change_burden_settings"},
            }
        )
        register_nav(NavItem(_("减负"), "burden:dashboard", perm="burden.view_burden_dashboard", order=40))

        def panel(user):
            from burden.selectors import home_summary

            summary = home_summary(user=user)
            return Panel("burden/_home_panel.html", summary, order=40) if summary is not None else None

        register_panel(panel)
