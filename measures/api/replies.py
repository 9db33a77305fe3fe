"""/api/v1/replies/: a country's replies to the assessments of it (right of
reply). Listed and read as the caller may see them; POST attaches one (a
respondent of the country); POST .../retract/ withdraws one (its author or
an admin), conditional on the version read: ``If-Match`` or, in the body,
``expected_version``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cbm_tracker.api.conditional import require_if_match, version_etag
from cbm_tracker.api.errors_schema import ERRORS, WRITE_ERRORS
from cbm_tracker.api.serializers import StrictSerializer
from cbm_tracker.api.viewsets import VersionedViewSet
from measures import services
from measures.filtersets import ReplyFilterSet
from measures.models import Assessment, Evidence
from measures.reads.replies import visible_replies

from .serializers import MarkingField, PublicIdRelatedField, ReplySerializer, caller

OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the reply as you read it (or send expected_version).",
)


class ReplyCreateSerializer(StrictSerializer):
    assessment = PublicIdRelatedField(queryset=Assessment.objects.none())
    text_en = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    text_fr = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    evidence = PublicIdRelatedField(many=True, required=False, queryset=Evidence.objects.none())
    marking = MarkingField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = caller(self)
        # A hidden assessment or evidence is "does not exist"; a retracted
        # assessment is the service's to refuse, with its reason.
        self.fields["assessment"].queryset = Assessment.objects.visible_to(user)
        self.fields["evidence"].child_relation.queryset = Evidence.objects.visible_to(user).filter(
            retracted=False
        )


class ReplyRetractSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)
    expected_version = serializers.IntegerField(min_value=1, required=False)


@extend_schema(responses={200: ReplySerializer, **ERRORS})
class ReplyViewSet(mixins.CreateModelMixin, VersionedViewSet):
    """Replies the caller may see (its own marking and the assessment's)."""

    serializer_class = ReplySerializer
    filterset_class = ReplyFilterSet
    csv_table = "replies"
    lookup_field, lookup_url_kwarg, lookup_value_regex = ("public_id", "id", "[0-9a-fA-F-]{36}")
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self, user):
        return visible_replies(user)

    def _respond(self, request, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(request=ReplyCreateSerializer, responses={201: ReplySerializer, **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        payload = ReplyCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reply = services.reply_to_assessment(
            request.user, data.pop("assessment"), evidence=data.pop("evidence", ()), **data
        )
        return self._respond(request, reply.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReplyRetractSerializer,
        parameters=[OPTIONAL_IF_MATCH],
        responses={200: ReplySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def retract(self, request, **kwargs):
        reply = self.get_object()
        payload = ReplyRetractSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        expected = payload.validated_data.get("expected_version")
        if expected is None:
            # The body's shape first (400), then the precondition (428/412).
            require_if_match(request, version_etag(request, reply))
            expected = reply.version
        services.retract_reply(
            request.user, reply, reason=payload.validated_data["reason"], expected_version=expected
        )
        return self._respond(request, reply.pk)
