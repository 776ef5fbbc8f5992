"""Open311 GeoReport v2, mounted at /open311/v2/: every resource in .json and .xml."""

from django.urls import re_path

from demands import open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, open311.service_definition, name="service_definition"),
    re_path(r"^requests" + FMT, open311.requests_endpoint, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+)" + FMT, open311.request_detail, name="request_detail"),
    re_path(r"^media/(?P<token>[\w-]+)$", open311.media, name="media"),
    re_path(r"^tokens/(?P<token>[\w-]+)" + FMT, open311.token_detail, name="token_detail"),
]
