"""Base viewsets: thin, visibility-filtered, with ETags (NetBox's
netbox/api/viewsets keeps the same habits)."""

from django.utils.cache import patch_vary_headers
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .conditional import VARY, not_modified, revision_etag, version_etag
from .openapi import AutoSchema


def conditional_response(request, etag, build):
    """304 when the caller holds ``etag``; else ``build()`` with the ETag set."""
    if not_modified(request, etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = build()
    response["ETag"] = etag
    patch_vary_headers(response, VARY.split(", "))
    return response


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve. Subclasses give ``base_queryset(user)``, which must
    go through ``visible_to`` for marked models."""

    schema = AutoSchema()  # documents every 4xx in the uniform error body

    def get_queryset(self):
        return self.base_queryset(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()  # 404 first: hidden rows do not exist for the caller
        return conditional_response(
            request,
            self.etag_for(request, instance),
            lambda: Response(self.get_serializer(instance).data),
        )

    def etag_for(self, request, instance):
        return revision_etag(request)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        patch_vary_headers(response, VARY.split(", "))
        return response


class VersionedViewSet(mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Writable resources: ETag from the row's version; writes need If-Match."""

    def etag_for(self, request, instance):
        return version_etag(request, instance)
