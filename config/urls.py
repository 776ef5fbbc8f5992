"""URL map: the public portal at the root, the staff workspace under /work/, the API under /api/v1/."""

from django.contrib import admin
from django.urls import include, path

from config.api import api
from territory import views as territory_views

urlpatterns = [
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
    # The public portal owns the root and comes last (it may end in a catch-all).
    path("", include("portal.urls")),
]
