"""Staff workspace extension points. Home-page panels: each app registers a function that returns a panel for a user, or None.

Lets the visits, demands and burden apps show their own cards on a staff member's home page
without the territory app knowing about them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import get_script_prefix, reverse


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


_PANEL_PROVIDERS: list[Callable] = []


def register_panel(provider: Callable) -> Callable:
    if provider not in _PANEL_PROVIDERS:
        _PANEL_PROVIDERS.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    panels = [p for p in (provider(user) for provider in _PANEL_PROVIDERS) if p is not None]
    return sorted(panels, key=lambda p: p.order)


@dataclass
class NavItem:
    label: object
    url_name: str
    perm: str | None = None
    order: int = 50
    _urls: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def url(self) -> str:
        """The tab's address, reversed once per script prefix instead of on every page of every request."""
        prefix = get_script_prefix()
        url = self._urls.get(prefix)
        if url is None:
            url = self._urls[prefix] = reverse(self.url_name)
        return url


_NAV: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    """Add a tab to the staff workspace's navigation (called from an app's AppConfig.ready)."""
    if all(existing.url_name != item.url_name for existing in _NAV):
        _NAV.append(item)


def nav_for(user) -> list[NavItem]:
    return [i for i in sorted(_NAV, key=lambda i: i.order) if i.perm is None or user.has_perm(i.perm)]
