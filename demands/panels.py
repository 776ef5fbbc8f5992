"""The demands card on a staff member's home page."""

from core.panels import Panel


def home_panel(user):
    if not user.has_perm("demands.view_demand"):
        return None
    from demands.selectors import panel_counts

    return Panel("demands/_home_panel.html", panel_counts(user=user), order=30)
