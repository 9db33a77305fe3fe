"""/api/v1/webhooks/: the caller's own webhooks and their delivery logs."""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cbm_tracker.api.conditional import require_if_match, version_etag
from cbm_tracker.api.errors_schema import ERRORS, IF_MATCH, WRITE_ERRORS
from cbm_tracker.api.viewsets import VersionedViewSet

from .. import delivery, services
from ..models import Webhook
from .serializers import (
    CreatedWebhookSerializer,
    DeliverySerializer,
    WebhookSerializer,
    WebhookWriteSerializer,
)


class WebhookViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, VersionedViewSet):
    """Push subscriptions to the caller's change feed (docs/api.md, "Webhooks").
    Another user's hook does not exist for the caller (404)."""

    serializer_class = WebhookSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = None
    lookup_field, lookup_url_kwarg, lookup_value_regex = ("public_id", "id", "[0-9a-fA-F-]{36}")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # A hook's writes move no audience's revision (they are account rows): the
    # list's ETag names the owner's hooks and versions instead.
    etag_fields = ("public_id", "version")

    def base_queryset(self, user):
        return (
            Webhook.objects.filter(owner_id=user.pk)
            .prefetch_related("countries", "measures", "initiatives")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        request=WebhookWriteSerializer, responses={201: CreatedWebhookSerializer, **WRITE_ERRORS}
    )
    def create(self, request, *args, **kwargs):
        payload = WebhookWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("active", None)
        data.setdefault("language", translation.get_language())
        hook = services.create_webhook(request.user, **data)
        fresh = self.get_queryset().get(pk=hook.pk)
        body = CreatedWebhookSerializer(fresh, context={"request": request}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(
        request=WebhookWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: WebhookSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        hook = self.get_object()
        payload = WebhookWriteSerializer(
            data=request.data, context={"request": request}, partial=True
        )
        payload.is_valid(raise_exception=True)
        # The body's shape first (400), then the precondition (428/412).
        require_if_match(request, version_etag(request, hook))
        services.update_webhook(
            request.user, hook, expected_version=hook.version, **payload.validated_data
        )
        fresh = self.get_queryset().get(pk=hook.pk)
        response = Response(self.get_serializer(fresh).data)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(parameters=[IF_MATCH], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request, *args, **kwargs):
        hook = self.get_object()
        require_if_match(request, version_etag(request, hook))
        services.delete_webhook(request.user, hook)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"], filterset_class=None)
    def ping(self, request, *args, **kwargs):
        """POST a signed body with no records to the hook now; its log row.
        Neither the cursor nor the failure count changes."""
        return Response(DeliverySerializer(delivery.ping(self.get_object())).data)

    @extend_schema(responses={200: DeliverySerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], filterset_class=None)
    def deliveries(self, request, *args, **kwargs):
        """The hook's delivery log, newest first (record ids only)."""
        hook = self.get_object()
        page = self.paginate_queryset(hook.deliveries.all())
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
