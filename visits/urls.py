from django.urls import path

from visits import views

app_name = "visits"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("record/", views.visit_new, name="visit_new"),
    path("log/", views.visit_list, name="visit_list"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("coverage/", views.coverage, name="coverage"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("plans/", views.plan_new, name="plan_new"),
    path("plans/settings/", views.planner_settings, name="planner_settings"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/map/", views.plan_map, name="plan_map"),
    path("plans/<int:pk>/sheet/", views.plan_sheet, name="plan_sheet"),
    path("stops/<int:pk>/skip/", views.stop_skip, name="stop_skip"),
    path("routes/<int:pk>/trip/", views.route_trip, name="route_trip"),
    path("trips/", views.trips, name="trips"),
    path("rules/", views.rules, name="rules"),
    path("rules/policies/new/", views.policy_edit, name="policy_new"),
    path("rules/policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("trips/gap.xlsx", views.gap_export, name="gap_export"),
    path("claims/<int:cadre_id>.<str:fmt>", views.claim_export, name="claim_export"),
]
