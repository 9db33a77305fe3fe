import datetime

from django.urls import path
from rest_framework.routers import SimpleRouter

from cbm_tracker.api.deprecation import deprecated

from . import accounts, changes, packages, replies, search, tokens, views, week
from . import scorecard_views as sv

router = SimpleRouter()
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("sources", views.SourceViewSet, basename="source")
router.register("cells", views.CellViewSet, basename="cell")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("replies", replies.ReplyViewSet, basename="reply")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("tokens", tokens.TokenViewSet, basename="token")
# The old name of cells/, for one deprecation period (docs/api.md "Deprecated paths").
STATUSES_DEPRECATED_ON = datetime.date(2026, 11, 28)
router.register(
    "statuses",
    deprecated(
        views.CellViewSet, basename="status", successor="cell", since=STATUSES_DEPRECATED_ON
    ),
    basename="status",
)

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
    path("changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("me/", accounts.MeView.as_view(), name="me"),
    path("week/", week.WeekView.as_view(), name="week"),
    path("week/reconfirm/", week.WeekReconfirmView.as_view(), name="week-reconfirm"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("package/", packages.PackageView.as_view(), name="package"),
]
