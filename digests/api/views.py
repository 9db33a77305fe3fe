"""/api/v1/subscriptions/: the caller's own digest subscriptions."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cbm_tracker.api.conditional import require_if_match, version_etag
from cbm_tracker.api.errors_schema import IF_MATCH, WRITE_ERRORS
from cbm_tracker.api.serializers import StrictSerializer
from cbm_tracker.api.viewsets import VersionedViewSet
from countries.models import Country, Initiative
from measures.models import Measure

from .. import services
from ..models import Subscription


@extend_schema_field({"type": "integer"})
class MeasureNumberField(serializers.SlugRelatedField):
    """A measure by its number, sent as a JSON number (``[3, 17]``)."""

    json_type = int


class CountryCodeField(serializers.SlugRelatedField):
    """A country by its ISO alpha-2 code, in either case (``ma`` is ``MA``)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class SubscriptionSerializer(serializers.ModelSerializer):
    email = serializers.CharField(source="recipient", read_only=True)
    countries = serializers.SlugRelatedField(slug_field="iso2", many=True, read_only=True)
    measures = MeasureNumberField(slug_field="number", many=True, read_only=True)
    initiatives = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    follows_everything = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = [
            "id",
            "email",
            "language",
            "countries",
            "measures",
            "initiatives",
            "follows_everything",
            "paused",
            "unsubscribed_at",
            "created_at",
            "version",
        ]

    def get_follows_everything(self, obj) -> bool:
        return not (obj.countries.all() or obj.measures.all() or obj.initiatives.all())


class SubscriptionWriteSerializer(StrictSerializer):
    """No follow lists at all means: follow everything."""

    countries = CountryCodeField(
        slug_field="iso2", many=True, required=False, queryset=Country.objects.all()
    )
    measures = MeasureNumberField(
        slug_field="number", many=True, required=False, queryset=Measure.objects.all()
    )
    initiatives = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Initiative.objects.none()
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    paused = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        self.fields["initiatives"].child_relation.queryset = Initiative.objects.visible_to(user)


class SubscriptionViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, VersionedViewSet):
    """The caller's weekly digest subscription, one per account: POST subscribes
    with the countries, measures and initiatives to follow (none: everything)
    and a language; PATCH (If-Match) changes them; DELETE ends it."""

    serializer_class = SubscriptionSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = None
    csv_table = "subscriptions"
    # A subscription's writes move the accounts' revision (admins') only; its
    # version moves with each, and its address is the owner's.
    etag_fields = ("pk", "version", "user__email")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def base_queryset(self, user):
        return (
            Subscription.objects.filter(user_id=user.pk)
            .prefetch_related("countries", "measures", "initiatives")
            .order_by("-created_at")
        )

    @extend_schema(
        request=SubscriptionWriteSerializer, responses={201: SubscriptionSerializer, **WRITE_ERRORS}
    )
    def create(self, request, *args, **kwargs):
        payload = SubscriptionWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("paused", None)
        subscription = services.subscribe(request.user, **data)
        body = self.get_serializer(self.get_queryset().get(pk=subscription.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SubscriptionWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: SubscriptionSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        subscription = self.get_object()
        payload = SubscriptionWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        # The body's shape first (400), then the precondition (428/412).
        require_if_match(request, version_etag(request, subscription))
        services.update_subscription(
            request.user,
            subscription,
            expected_version=subscription.version,
            **payload.validated_data,
        )
        fresh = self.get_queryset().get(pk=subscription.pk)
        response = Response(self.get_serializer(fresh).data)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(parameters=[IF_MATCH], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request, *args, **kwargs):
        subscription = self.get_object()
        require_if_match(request, version_etag(request, subscription))
        services.unsubscribe(subscription, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
