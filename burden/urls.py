from django.urls import path

from burden import views

app_name = "burden"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("settings/", views.settings_view, name="settings"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/mapping/", views.report_mapping, name="report_mapping"),
    path("reports/<int:pk>/manual/", views.report_manual, name="report_manual"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("fills/<int:pk>/", views.fill_detail, name="fill_detail"),
    path("fills/<int:pk>/download/", views.fill_download, name="fill_download"),
]
