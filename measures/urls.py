from django.urls import path

from . import quality_views, views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("how-scores-work/", views.how_scores_work, name="how-scores-work"),
    path("measures/", views.measure_list, name="measure-list"),
    path("measures/<int:number>/", views.measure_detail, name="measure"),
    path("cells/<int:pk>/", views.cell_detail, name="cell"),
    path("evidence/<uuid:public_id>/", views.evidence_detail, name="evidence"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:key>/", views.source_detail, name="source"),
    path("account/", views.account, name="account"),
    path("data-quality/", quality_views.data_quality, name="data-quality"),
    path(
        "subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="subscription-unsubscribe"
    ),
    path("subscriptions/confirm/<str:token>/", views.confirm, name="subscription-confirm"),
]
