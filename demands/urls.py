from django.urls import path

from demands import views

app_name = "demands"
urlpatterns = [
    path("", views.demand_list, name="list"),
    path("new/", views.demand_create, name="create"),
    path("suggest/", views.suggest, name="suggest"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.config, name="config"),
    path("settings/categories/", views.config_category_create, name="config_category_create"),
    path("settings/categories/<int:category_pk>/", views.config_category_edit, name="config_category_edit"),
    path("settings/rules/", views.config_rule_create, name="config_rule_create"),
    path("settings/rules/<int:rule_pk>/", views.config_rule_edit, name="config_rule_edit"),
    path("settings/rules/<int:rule_pk>/delete/", views.config_rule_delete, name="config_rule_delete"),
    path("settings/calendar/", views.config_day_set, name="config_day_set"),
    path("settings/calendar/official/", views.config_calendar_official, name="config_calendar_official"),
    path("settings/calendar/<int:day_pk>/delete/", views.config_day_delete, name="config_day_delete"),
    path("settings/jurisdiction/", views.config_jurisdiction, name="config_jurisdiction"),
    path("settings/open311/", views.config_client_issue, name="config_client_issue"),
    path("settings/open311/<int:client_pk>/revoke/", views.config_client_revoke, name="config_client_revoke"),
    path("<int:pk>/", views.demand_detail, name="detail"),
    path("<int:pk>/accept/", views.demand_accept, name="accept"),
    path("<int:pk>/transfer/", views.demand_transfer, name="transfer"),
    path("<int:pk>/answer/", views.demand_answer, name="answer"),
    path("<int:pk>/verdict/", views.demand_verdict, name="verdict"),
    path("<int:pk>/withdraw/", views.demand_withdraw, name="withdraw"),
    path("<int:pk>/merge/", views.demand_merge, name="merge"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/public/", views.attachment_public, name="attachment_public"
    ),
]
