from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("search/", views.search, name="search"),
]
