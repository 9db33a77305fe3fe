from django.urls import path

from . import views

urlpatterns = [
    path("countries/", views.country_list, name="country-list"),
    path("countries/<str:iso2>/", views.country_detail, name="country"),
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="initiative"),
]
