from django.urls import path

from . import views

urlpatterns = [
    path(
        "subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="subscription-unsubscribe"
    ),
    path("subscriptions/confirm/<str:token>/", views.confirm, name="subscription-confirm"),
]
