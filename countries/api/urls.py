from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")

urlpatterns = router.urls
