"""Open311 GeoReport v2, mounted at /open311/v2/ (filled in by the demands issue)."""

app_name = "open311"
urlpatterns: list = []
