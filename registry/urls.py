from django.urls import path

from registry import views
from registry.ledger import views as ledger_views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/export/", views.household_export, name="household_export"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/export/", views.person_export, name="person_export"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("search/", views.search, name="search"),
    path("ledgers/", ledger_views.ledger_home, name="ledger_home"),
    path("ledgers/<int:pk>/", ledger_views.ledger_preview, name="ledger_preview"),
    path("ledgers/<int:pk>/status/", ledger_views.ledger_status, name="ledger_status"),
    path("ledgers/<int:pk>/rerun/", ledger_views.ledger_rerun, name="ledger_rerun"),
    path("ledgers/<int:pk>/quarantine.xlsx", ledger_views.ledger_quarantine, name="ledger_quarantine"),
]
