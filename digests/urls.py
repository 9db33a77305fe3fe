from django.urls import path

from . import pages

urlpatterns = [
    path(
        "subscriptions/unsubscribe/<str:token>/", pages.unsubscribe, name="subscription-unsubscribe"
    ),
    path("subscriptions/confirm/<str:token>/", pages.confirm, name="subscription-confirm"),
]
