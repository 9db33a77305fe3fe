from django.urls import path

from . import pages

urlpatterns = [
    path("countries/", pages.country_list, name="country-list"),
    path("countries/<str:iso2>/", pages.country_detail, name="country"),
    path("initiatives/", pages.initiative_list, name="initiative-list"),
    path("initiatives/<slug:slug>/", pages.initiative_detail, name="initiative"),
]
