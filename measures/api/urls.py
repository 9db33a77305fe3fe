from django.urls import path
from rest_framework.routers import SimpleRouter

from . import scorecard_views as sv
from . import views

router = SimpleRouter()
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("sources", views.SourceViewSet, basename="source")
router.register("statuses", views.StatusViewSet, basename="status")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("indicators", views.IndicatorViewSet, basename="indicator")

urlpatterns = [
    *router.urls,
    path("scorecards/countries/", sv.CountriesScorecardView.as_view(), name="scorecard-countries"),
    path(
        "scorecards/countries/<str:iso2>/",
        sv.CountryScorecardView.as_view(),
        name="scorecard-country",
    ),
    path(
        "scorecards/measures/<int:number>/",
        sv.MeasureScorecardView.as_view(),
        name="scorecard-measure",
    ),
    path(
        "scorecards/initiatives/<slug:slug>/",
        sv.InitiativeScorecardView.as_view(),
        name="scorecard-initiative",
    ),
    path("scorecards/matrix/", sv.MatrixView.as_view(), name="scorecard-matrix"),
    path("changes/", sv.ChangeFeedView.as_view(), name="changes"),
]
