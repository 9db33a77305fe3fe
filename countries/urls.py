from django.urls import path

from .pages import compare, countries, initiatives

urlpatterns = [
    path("countries/", countries.country_list, name="country-list"),
    path("countries/<str:iso2>/", countries.country_detail, name="country"),
    path("compare/", compare.compare, name="compare"),
    path("initiatives/", initiatives.initiative_list, name="initiative-list"),
    path("initiatives/<slug:slug>/", initiatives.initiative_detail, name="initiative"),
]
