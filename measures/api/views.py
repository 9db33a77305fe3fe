"""REST resources. Thin: querysets come from ``visible_to``, writes from
measures/services/, errors are mapped in cbm_tracker/api/errors.py."""

import datetime

from django.db.models import Prefetch
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from cbm_tracker.api.conditional import require_if_match, version_etag
from cbm_tracker.api.errors import PreconditionRequired
from cbm_tracker.api.errors_schema import ERRORS, IF_MATCH, WRITE_ERRORS
from cbm_tracker.api.viewsets import ReadOnlyViewSet, VersionedViewSet
from countries.models import Initiative
from measures import services
from measures.filtersets import (
    AssessmentFilterSet,
    CellFilterSet,
    EvidenceFilterSet,
    IndicatorFilterSet,
    MeasureFilterSet,
    ProposalFilterSet,
    SourceFilterSet,
)
from measures.models import (
    Assessment,
    CarriedMeasure,
    Cell,
    Evidence,
    Indicator,
    Measure,
    Observation,
    Proposal,
    Source,
)
from measures.reads.replies import replies_prefetch
from measures.reads.review import proposals_for

from . import serializers as s

# Marked rows are addressed by their opaque public id (``{id}`` in paths).
PUBLIC_ID = ("public_id", "id", "[0-9a-fA-F-]{36}")


def date_param(request, name):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["A date as YYYY-MM-DD."]}) from None


@extend_schema(responses={200: s.MeasureSerializer, **ERRORS})
class MeasureViewSet(ReadOnlyViewSet):
    """The twenty measures, by number: titles, domain, scope, cadence."""

    serializer_class = s.MeasureSerializer
    filterset_class = MeasureFilterSet
    csv_table = "measures"
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"

    def base_queryset(self, user):
        carriers = CarriedMeasure.objects.visible_to(user).select_related("initiative")
        return (
            Measure.objects.select_related("cite_source")
            .prefetch_related(Prefetch("carriers", queryset=carriers, to_attr="visible_carriers"))
            .order_by("number")
        )


class SourceViewSet(ReadOnlyViewSet):
    """The documents evidence is cited from, by key, as the caller may see them."""

    serializer_class = s.SourceSerializer
    filterset_class = SourceFilterSet
    csv_table = "sources"
    lookup_field = "key"

    def base_queryset(self, user):
        return Source.objects.visible_to(user).select_related("marking").order_by("key")


class IndicatorViewSet(ReadOnlyViewSet):
    """Quantitative indicators, by slug, with their dated observations."""

    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorFilterSet
    csv_table = "indicators"
    lookup_field = "slug"

    def base_queryset(self, user):
        return (
            Indicator.objects.select_related("measure", "cite_source")
            .prefetch_related(
                Prefetch(
                    "observations", queryset=Observation.objects.order_by("country", "observed_on")
                )
            )
            .order_by("slug")
        )


@extend_schema(
    parameters=[OpenApiParameter("as_of", datetime.date, description="levels as of this date")]
)
class CellViewSet(VersionedViewSet):
    """Cells with their current level for the caller. PATCH records a new
    assessment for the cell (If-Match: the ETag of the cell you read)."""

    serializer_class = s.CellSerializer
    filterset_class = CellFilterSet
    csv_table = "cells"
    http_method_names = ["get", "patch", "head", "options"]

    def base_queryset(self, user):
        return (
            Cell.objects.with_level(user, as_of=date_param(self.request, "as_of"))
            .select_related("measure")
            .order_by("measure__number", "country_id", "partner_id")
        )

    @extend_schema(
        request=s.CellUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.CellSerializer, 202: s.ProposalSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        cell = self.get_object()
        payload = s.CellUpdateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        # The body's shape first (400), then the precondition (428/412).
        require_if_match(request, version_etag(request, cell))
        data = payload.validated_data
        language = "fr" if translation.get_language() == "fr" else "en"
        result = services.submit_assessment(
            request.user,
            cell,
            level=data["level"],
            effective_on=data["effective_on"],
            effective_precision=data["effective_precision"],
            expected_version=cell.version,
            evidence=data.get("evidence", ()),
            marking=data.get("marking"),
            **{f"rationale_{language}": data["rationale"]},
        )
        if isinstance(result, Proposal):
            return proposal_accepted(request, result)
        fresh = self.get_queryset().get(pk=cell.pk)
        response = Response(self.get_serializer(fresh).data)
        response["ETag"] = version_etag(request, fresh)
        return response


class AssessmentViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """The append-only history. POST records one (``expected_version`` of the
    cell in the body); retract with POST /assessments/{id}/retract/."""

    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilterSet
    csv_table = "assessments"
    lookup_field, lookup_url_kwarg, lookup_value_regex = PUBLIC_ID

    def base_queryset(self, user):
        return (
            Assessment.objects.visible_to(user)
            .select_related("cell__measure", "recorded_by", "retracted_by", "marking")
            .prefetch_related(
                Prefetch(
                    "evidence",
                    queryset=Evidence.objects.visible_to(user).only("id", "public_id"),
                    to_attr="visible_evidence",
                ),
                replies_prefetch(user, to_attr="visible_replies"),
            )
            .order_by("id")
        )

    @extend_schema(
        request=s.AssessmentCreateSerializer,
        responses={201: s.AssessmentSerializer, 202: s.ProposalSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        payload = s.AssessmentCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        cell = data.pop("cell")
        assessment = services.submit_assessment(
            request.user,
            cell,
            expected_version=data.pop("expected_version"),
            evidence=data.pop("evidence", ()),
            **data,
        )
        if isinstance(assessment, Proposal):
            return proposal_accepted(request, assessment)
        body = self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AssessmentRetractSerializer,
        responses={200: s.AssessmentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def retract(self, request, **kwargs):
        assessment = self.get_object()
        payload = s.AssessmentRetractSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        services.retract_assessment(
            request.user,
            assessment,
            reason=payload.validated_data["reason"],
            expected_version=payload.validated_data["expected_version"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data)


class EvidenceViewSet(mixins.CreateModelMixin, VersionedViewSet):
    """Sourced, graded, marked facts. POST files one; PATCH (If-Match)
    re-marks it or links it to more cells; POST .../retract/ withdraws it."""

    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilterSet
    csv_table = "evidence"
    lookup_field, lookup_url_kwarg, lookup_value_regex = PUBLIC_ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self, user):
        return (
            Evidence.objects.visible_to(user)
            .select_related("source", "marking")
            .prefetch_related(
                Prefetch("cells", queryset=Cell.objects.select_related("measure")),
                Prefetch(
                    "initiatives",
                    queryset=Initiative.objects.visible_to(user),
                    to_attr="visible_initiatives",
                ),
            )
            .order_by("-occurred_on", "id")
        )

    def _respond(self, request, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(
        request=s.EvidenceCreateSerializer, responses={201: s.EvidenceSerializer, **WRITE_ERRORS}
    )
    def create(self, request, *args, **kwargs):
        payload = s.EvidenceCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        grade = data.pop("reliability")
        item = services.create_evidence(
            request.user, source_reliability=grade[0], information_credibility=grade[1], **data
        )
        return self._respond(request, item.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.EvidenceUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.EvidenceSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        payload = s.EvidenceUpdateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        # The body's shape first (400), then the precondition (428/412).
        require_if_match(request, version_etag(request, item))
        data = payload.validated_data
        links = data.get("cells") or data.get("initiatives")
        if links and "marking" in data:
            # Two writes would be two revisions; ask for one at a time.
            raise ValidationError({"marking": ["Re-mark and link in separate requests."]})
        if links:
            services.attach_evidence(
                request.user,
                item,
                expected_version=item.version,
                cells=data.get("cells", ()),
                initiatives=data.get("initiatives", ()),
            )
        elif "marking" in data:
            services.remark_evidence(
                request.user,
                item,
                data["marking"],
                expected_version=item.version,
                reason=data["reason"],
            )
        else:
            raise ValidationError({"non_field_errors": ["Nothing to change."]})
        return self._respond(request, item.pk)

    @extend_schema(
        request=s.RetractSerializer,
        parameters=[IF_MATCH],
        responses={200: s.EvidenceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def retract(self, request, **kwargs):
        item = self.get_object()
        payload = s.RetractSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        # The body's shape first (400), then the precondition (428/412).
        require_if_match(request, version_etag(request, item))
        services.retract_evidence(
            request.user,
            item,
            reason=payload.validated_data["reason"],
            expected_version=item.version,
        )
        return self._respond(request, item.pk)


def proposal_accepted(request, proposal):
    """202 Accepted: the recording waits for a second person (``CBM_REVIEW``);
    the body is the proposal, ``Location`` where to follow it."""
    fresh = proposals_for(request.user).get(pk=proposal.pk)
    response = Response(
        s.ProposalSerializer(fresh, context={"request": request}).data,
        status=status.HTTP_202_ACCEPTED,
    )
    response["Location"] = reverse("api:proposal-detail", args=[fresh.public_id], request=request)
    response["ETag"] = version_etag(request, fresh)
    return response


class ProposalViewSet(ReadOnlyViewSet):
    """Changes awaiting a second person, and what became of them: seen by
    their author and by those who may review them (admins, editors of the
    cell's countries). Decide with POST .../approve/, .../return/ (a comment
    is required); the author withdraws (.../withdraw/) or, once returned,
    proposes again (.../repropose/). Each decision needs the proposal's
    version: its ETag in If-Match, or ``expected_version`` in the body."""

    serializer_class = s.ProposalSerializer
    filterset_class = ProposalFilterSet
    csv_table = "proposals"
    # Proposals move no audience's revision (workflow rows): their versions do.
    etag_fields = ("pk", "version")
    lookup_field, lookup_url_kwarg, lookup_value_regex = PUBLIC_ID

    def base_queryset(self, user):
        return proposals_for(user)

    def etag_for(self, request, instance):
        return version_etag(request, instance)

    def expected_version(self, request, proposal, payload):
        """If-Match (the ETag read), else ``expected_version``; neither: 428."""
        if request.headers.get("If-Match"):
            require_if_match(request, version_etag(request, proposal))
            return proposal.version
        if payload.get("expected_version") is None:
            raise PreconditionRequired()
        return payload["expected_version"]

    def decided(self, request, proposal, service, serializer_class):
        payload = serializer_class(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        version = self.expected_version(request, proposal, data)
        service(request.user, proposal, expected_version=version, comment=data["comment"])
        return self.respond(request, proposal.pk)

    def respond(self, request, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = version_etag(request, fresh)
        return response

    @extend_schema(
        request=s.ProposalDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, **kwargs):
        return self.decided(
            request, self.get_object(), services.approve_proposal, s.ProposalDecisionSerializer
        )

    @extend_schema(
        request=s.ProposalReturnSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, **kwargs):
        return self.decided(
            request, self.get_object(), services.return_proposal, s.ProposalReturnSerializer
        )

    @extend_schema(
        request=s.ProposalDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, **kwargs):
        return self.decided(
            request, self.get_object(), services.withdraw_proposal, s.ProposalDecisionSerializer
        )

    @extend_schema(
        request=s.ReproposeSerializer,
        responses={201: s.ProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def repropose(self, request, **kwargs):
        returned = self.get_object()
        payload = s.ReproposeSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        again = services.repropose(
            request.user, returned, expected_version=data.pop("expected_version"), **data
        )
        response = self.respond(request, again.pk, status.HTTP_201_CREATED)
        response["Location"] = reverse(
            "api:proposal-detail", args=[again.public_id], request=request
        )
        return response
