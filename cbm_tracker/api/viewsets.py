"""Base viewsets: thin, visibility-filtered, with ETags (NetBox's
netbox/api/viewsets keeps the same habits)."""

from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from measures.reads.csv import dated_filename
from measures.reads.list_tables import list_table

from .conditional import VARY, not_modified, revision_etag, version_etag
from .openapi import AutoSchema
from .renderers import CSVRenderer, ORJSONRenderer


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
    go through ``visible_to`` for marked models.

    The list answers with an ETag (304 on If-None-Match) and, when the view
    names its ``csv_table`` (measures/reads/list_tables.py), in CSV too
    (``Accept: text/csv`` or ``?format=csv``): the same page of the same rows."""

    schema = AutoSchema()  # documents every 4xx in the uniform error body
    conditional_get = True  # list and retrieve: an ETag, and 304 (schema says so)
    csv_table = None
    # Lists whose writes move no audience's revision (the caller's own
    # subscriptions; proposals, workflow rows) name the fields whose values
    # stand for their rows in the ETag: the caller may see every one of them.
    etag_fields = ()

    def get_queryset(self):
        return self.base_queryset(self.request.user)

    def get_renderers(self):
        # No action: a method the route does not take. Its 405 comes after
        # content negotiation, which must not refuse the list's ?format=csv first.
        if self.action in ("list", None) and self.csv_table is not None:
            return [ORJSONRenderer(), CSVRenderer()]
        return super().get_renderers()

    def handle_exception(self, exc):
        """Errors keep the uniform JSON body, even for ``?format=csv``."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = ORJSONRenderer()
        self.request.accepted_media_type = ORJSONRenderer.media_type
        return response

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
        def build():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
            if request.accepted_renderer.format == "csv":
                return self.csv_response(request, page)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        return conditional_response(request, self.list_etag(request), build)

    def list_etag(self, request):
        # The language too: a CSV's names are in the reader's language.
        language = translation.get_language()
        if not self.etag_fields:
            return revision_etag(request, language)
        rows = self.filter_queryset(self.get_queryset()).values_list(*self.etag_fields)
        return revision_etag(request, language, request.user.pk, sorted(rows))

    def csv_response(self, request, page):
        """The page as CSV, named for the day it describes (the as-of date when
        it replays history); the next and previous pages in a ``Link`` header,
        since a CSV body has nowhere to say them."""
        number = self.paginator.page.number
        replays = "as_of" in getattr(self.filterset_class, "base_filters", {})
        name = dated_filename(
            [self.csv_table, *([f"page-{number}"] if number > 1 else [])],
            as_of=request.query_params.get("as_of") if replays else None,
        )
        response = Response(
            list_table(self.csv_table, page),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in [
                ("next", self.paginator.get_next_link()),
                ("prev", self.paginator.get_previous_link()),
            ]
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


class VersionedViewSet(mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Writable resources: ETag from the row's version; writes need If-Match."""

    def etag_for(self, request, instance):
        return version_etag(request, instance)
