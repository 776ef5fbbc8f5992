from django.urls import path

from demands import views

app_name = "demands"
urlpatterns = [
    path("", views.demand_list, name="list"),
    path("new/", views.demand_create, name="create"),
    path("suggest/", views.suggest, name="suggest"),
    path("dashboard/", views.dashboard, name="dashboard"),
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
