"""Resident-facing demand pages, mounted at /service/ (the portal links here)."""

from django.urls import path

from demands import public_views

app_name = "demands_public"
urlpatterns = [
    path("demand/", public_views.submit, name="submit"),
    path("status/", public_views.status, name="status"),
]
