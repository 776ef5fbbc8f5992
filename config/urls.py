"""URL map: the public portal at the root, the staff workspace under /work/, the API under /api/v1/."""

from django.contrib import admin
from django.urls import include, path, re_path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from config.api import api
from core import views as core_views
from portal import views as portal_views
from territory import views as territory_views

urlpatterns = [
    # Probes for nginx/monitoring and the load test's ceiling (no login, no personal data).
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("work/", territory_views.home, name="home"),
    path("accounts/login/", territory_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", territory_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("work/territory/", include("territory.urls")),
    path("work/registry/", include("registry.urls")),
    path("work/visits/", include("visits.urls")),
    path("work/demands/", include("demands.urls")),
    path("work/burden/", include("burden.urls")),
    path("work/journal/", include("journal.urls")),
    path("service/", include("demands.public_urls")),
    path("open311/v2/", include("demands.open311_urls")),
    # Wagtail's editor interface for the portal (its own relaxed CSP applies only under /cms/).
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The public portal owns the root and comes last (it may end in a catch-all).
    path("", include("portal.urls")),
    # Never reached (portal's cached catch-all above answers first); Wagtail reverses this name to build page URLs.
    re_path(serve_pattern, portal_views.serve, name="wagtail_serve"),
]
