from django.urls import path

from territory import views

app_name = "territory"
urlpatterns = [
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
