from django.urls import path

from journal import views

app_name = "journal"
urlpatterns = [
    path("", views.index, name="index"),
    path("encounters/new/", views.encounter_new, name="encounter_new"),
    path("encounters/<int:pk>/", views.encounter_detail, name="encounter_detail"),
    path("encounters/<int:pk>/acknowledge/", views.encounter_acknowledge, name="encounter_acknowledge"),
    path("receipts/<int:seq>/", views.receipt, name="receipt"),
    path("people/<int:pk>/access/", views.person_access, name="person_access"),
    path("evidence/<str:target_type>/<int:target_id>/", views.evidence, name="evidence"),
]
