from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "走访"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.panels import NavItem, register_nav, register_panel
        from territory.roles import Role, extend_role_permissions
        from visits import signals  # noqa: F401 - connects the policy cache's invalidation

        field = {"visits.view_visit", "visits.add_visit", "visits.add_trip", "visits.view_plan"}
        planner = {"visits.add_plan", "visits.view_trip"}
        # The county's visit policies and travel rule: its administrator and its supervisors set them.
        rules = {"visits.change_visitpolicy", "visits.change_travelrule"}
        oversight = {
            "visits.view_visit",
            "visits.view_plan",
            "visits.view_trip",
            "visits.add_trip_for_others",
        }
        extend_role_permissions(
            {
                Role.VILLAGE_OFFICIAL: field,
                Role.TOWNSHIP_CADRE: field | planner,
                Role.TOWNSHIP_LEADER: oversight | planner | {"visits.add_visit"},
                Role.COUNTY_SUPERVISOR: oversight | rules,
                Role.ADMINISTRATOR: field | planner | oversight | rules,
            }
        )
        register_nav(NavItem(_("走访"), "visits:worklist", perm="visits.view_visit", order=20))
        register_panel(_home_panel)


def _home_panel(user):
    from core.panels import Panel

    if not user.has_perm("visits.view_visit"):
        return None
    from visits import selectors

    summary = selectors.overdue_summary(user=user)
    route = selectors.todays_route(user=user)
    return Panel(
        "visits/_home_panel.html",
        {"overdue_count": summary["overdue"], "never_count": summary["never"], "route": route},
        order=20,
    )
