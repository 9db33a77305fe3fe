"""Representations for REST clients. Writes validate shape here and hand over
to measures/services/, which holds every rule; querysets of related ids are
narrowed to what the caller may see, so a hidden id is "does not exist"."""

import uuid

from django.utils.encoding import smart_str
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cbm_tracker.api.serializers import StrictSerializer
from countries.choices import DatePrecision
from countries.models import Initiative
from measures.audit import disclosures
from measures.choices import Direction, Level, MarkingLevel
from measures.models import (
    Assessment,
    Cell,
    Evidence,
    Indicator,
    Measure,
    Proposal,
    Reply,
    Source,
)

from .schemas import CELL_LEVELS


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": MarkingLevel.values},
            "releasable_to": {
                "type": "array",
                "items": {"type": "string"},
                "description": "ISO alpha-2 codes and initiative slugs; empty: releasable to all",
            },
            "label": {"type": "string", "readOnly": True},
        },
        "required": ["level"],
        "additionalProperties": False,
    }
)
class MarkingField(serializers.Field):
    """``{"level": "confidential", "releasable_to": ["MA", "nato"]}``.

    Reads as that plus a ``label``; writes as a (level, codes) pair the
    service resolves inside its transaction."""

    def get_attribute(self, instance):
        # The row whose marking is shown goes out with the response: the
        # disclosure ledger records it if the response leaves the tracker.
        if hasattr(instance, "marking_id"):
            disclosures.note([instance])
        return super().get_attribute(instance)

    def to_representation(self, marking):
        return {
            "level": marking.level,
            "releasable_to": marking.releasable_codes,
            "label": str(marking),
        }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("An object with a level and releasable_to."))
        unknown = set(data) - {"level", "releasable_to"}
        if unknown:
            raise serializers.ValidationError(
                _("Unknown key(s): %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
            )
        level = data.get("level")
        if level not in MarkingLevel.values:
            raise serializers.ValidationError(
                _("level must be one of %(levels)s.") % {"levels": ", ".join(MarkingLevel.values)}
            )
        codes = data.get("releasable_to", [])  # a {} or "" is refused below, not emptied
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise serializers.ValidationError(_("releasable_to must be a list of codes."))
        return (level, tuple(codes))


def caller(serializer):
    """The requesting user; None (sees nothing) when there is no request, as
    when the OpenAPI schema is generated."""
    return getattr(serializer.context.get("request"), "user", None)


class PublicIdRelatedField(serializers.SlugRelatedField):
    """A related row named by its opaque ``public_id``; a malformed id is
    refused exactly like an unknown or hidden one."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="public_id", **kwargs)

    def to_internal_value(self, data):
        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return super().to_internal_value(data)


def _visible(field, queryset):
    """Point a related field (or a many=True field) at a caller-specific queryset."""
    target = getattr(field, "child_relation", field)
    target.queryset = queryset


class CellLinkSerializer(serializers.ModelSerializer):
    measure = serializers.IntegerField(source="measure.number")

    class Meta:
        model = Cell
        fields = ["id", "measure", "country", "partner"]


class CellSerializer(serializers.ModelSerializer):
    """A cell and its current level *for the caller* (annotated by the view)."""

    measure = serializers.IntegerField(source="measure.number")
    level = serializers.ChoiceField(choices=CELL_LEVELS, help_text="no_evidence: none you may see.")
    effective_on = serializers.DateField(source="level_effective_on", allow_null=True)
    version = serializers.IntegerField(
        help_text="Your version of the cell: it moves only with assessments you may see."
    )

    class Meta:
        model = Cell
        fields = [
            "id",
            "measure",
            "country",
            "partner",
            "scope",
            "level",
            "effective_on",
            "version",
        ]


class CellUpdateSerializer(StrictSerializer):
    """PATCH /cells/{id}/: records a new assessment for the cell."""

    full_on_patch = True  # the schema documents the whole body (cbm_tracker/api/openapi.py)

    level = serializers.ChoiceField(choices=Level.choices)
    effective_on = serializers.DateField()
    effective_precision = serializers.ChoiceField(choices=DatePrecision.choices, default="day")
    rationale = serializers.CharField(max_length=5000)
    evidence = PublicIdRelatedField(many=True, required=False, queryset=Evidence.objects.none())
    marking = MarkingField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = caller(self)
        _visible(self.fields["evidence"], Evidence.objects.visible_to(user).filter(retracted=False))


class ReplySerializer(serializers.ModelSerializer):
    """A country's reply to an assessment (right of reply)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    assessment = serializers.UUIDField(source="assessment.public_id", read_only=True)
    country = serializers.CharField(source="country_id")
    created_by = serializers.CharField(source="created_by.username")
    retracted_by = serializers.CharField(source="retracted_by.username", allow_null=True)
    evidence = serializers.SerializerMethodField()
    marking = MarkingField(read_only=True)

    class Meta:
        model = Reply
        fields = [
            "id", "assessment", "country", "text_en", "text_fr", "evidence", "marking",
            "created_at", "created_by", "retracted", "retracted_reason", "retracted_at",
            "retracted_by", "version",
        ]  # fmt: skip

    def get_evidence(self, obj) -> list[uuid.UUID]:
        return sorted(str(e.public_id) for e in obj.visible_evidence)


class AssessmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    measure = serializers.IntegerField(source="cell.measure.number")
    country = serializers.CharField(source="cell.country_id")
    partner = serializers.CharField(source="cell.partner_id", allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username")
    retracted_by = serializers.CharField(source="retracted_by.username", allow_null=True)
    evidence = serializers.SerializerMethodField()
    marking = MarkingField(read_only=True)
    # The replies the caller may see (a Prefetch to ``visible_replies``).
    replies = ReplySerializer(many=True, read_only=True, source="visible_replies")

    class Meta:
        model = Assessment
        fields = [
            "id", "cell", "measure", "country", "partner", "level", "effective_on",
            "effective_precision", "recorded_at", "recorded_by", "rationale_en",
            "rationale_fr", "evidence", "marking", "retracted", "retracted_reason",
            "retracted_at", "retracted_by", "replies",
        ]  # fmt: skip

    def get_evidence(self, obj) -> list[uuid.UUID]:
        return sorted(str(e.public_id) for e in obj.visible_evidence)


class AssessmentCreateSerializer(StrictSerializer):
    cell = serializers.PrimaryKeyRelatedField(queryset=Cell.objects.all())
    expected_version = serializers.IntegerField(min_value=1)
    level = serializers.ChoiceField(choices=Level.choices)
    effective_on = serializers.DateField()
    effective_precision = serializers.ChoiceField(choices=DatePrecision.choices, default="day")
    rationale_en = serializers.CharField(max_length=5000, required=False, default="")
    rationale_fr = serializers.CharField(max_length=5000, required=False, default="")
    evidence = PublicIdRelatedField(many=True, required=False, queryset=Evidence.objects.none())
    marking = MarkingField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = caller(self)
        _visible(self.fields["evidence"], Evidence.objects.visible_to(user).filter(retracted=False))

    def to_internal_value(self, data):
        """``status``, the old name of ``cell``, is still taken for one
        deprecation period (docs/api.md "Deprecated paths")."""
        if isinstance(data, dict) and "status" in data:
            if "cell" in data:
                raise serializers.ValidationError(
                    {"status": [_("The old name of cell: send one of them.")]}
                )
            data = {("cell" if name == "status" else name): v for name, v in data.items()}
        return super().to_internal_value(data)


class RetractSerializer(StrictSerializer):
    """POST /evidence/{id}/retract/ (the version is the If-Match header)."""

    reason = serializers.CharField(max_length=2000)


class AssessmentRetractSerializer(RetractSerializer):
    """POST /assessments/{id}/retract/: the version of the cell you read is
    required (an ``expected_version`` sent to evidence would be ignored: refused)."""

    expected_version = serializers.IntegerField(min_value=1)


class EvidenceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    source = serializers.CharField(source="source.key")
    marking = MarkingField(read_only=True)
    cells = CellLinkSerializer(many=True)
    initiatives = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "occurred_on", "occurred_precision", "summary_en", "summary_fr", "quote",
            "locator", "source", "direction", "reliability", "marking", "cells", "initiatives",
            "retracted", "retracted_reason", "created_at", "version",
        ]  # fmt: skip

    def get_initiatives(self, obj) -> list[str]:
        return sorted(i.slug for i in obj.visible_initiatives)


class EvidenceCreateSerializer(StrictSerializer):
    source = serializers.SlugRelatedField(slug_field="key", queryset=Source.objects.none())
    occurred_on = serializers.DateField()
    occurred_precision = serializers.ChoiceField(choices=DatePrecision.choices, default="day")
    summary_en = serializers.CharField(max_length=5000, required=False, default="")
    summary_fr = serializers.CharField(max_length=5000, required=False, default="")
    quote = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    locator = serializers.CharField(max_length=200)
    direction = serializers.ChoiceField(choices=Direction.choices)
    reliability = serializers.RegexField(
        r"^[A-F][1-6]$", error_messages={"invalid": _("An Admiralty code such as B2.")}
    )
    marking = MarkingField(required=False)
    cells = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Cell.objects.all()
    )
    initiatives = serializers.SlugRelatedField(
        many=True, required=False, slug_field="slug", queryset=Initiative.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = caller(self)
        _visible(self.fields["source"], Source.objects.visible_to(user))
        _visible(self.fields["initiatives"], Initiative.objects.visible_to(user))


class EvidenceUpdateSerializer(StrictSerializer):
    """PATCH /evidence/{id}/: re-mark, or link to more cells and initiatives."""

    marking = MarkingField(required=False)
    cells = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Cell.objects.all()
    )
    initiatives = serializers.SlugRelatedField(
        many=True, required=False, slug_field="slug", queryset=Initiative.objects.none()
    )
    reason = serializers.CharField(max_length=2000, required=False, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _visible(self.fields["initiatives"], Initiative.objects.visible_to(caller(self)))


class MeasureTargetSerializer(serializers.ModelSerializer):
    """A measure's numeric target, when it has one."""

    class Meta:
        model = Measure
        fields = ["baseline_value", "baseline_on", "baseline_precision", "target_value", "unit"]
        read_only_fields = fields  # always present in a response


class CarrierSerializer(serializers.Serializer):
    """An initiative carrying a measure (only those the caller may see)."""

    initiative = serializers.SlugField(source="initiative.slug")
    note = serializers.CharField(allow_blank=True)


class MeasureSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="cite_source.key", allow_null=True)
    locator = serializers.CharField(source="cite_locator")
    target = serializers.SerializerMethodField()
    initiatives = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "number",
            "title_en",
            "title_fr",
            "description_en",
            "description_fr",
            "domain",
            "scope",
            "source",
            "locator",
            "target",
            "initiatives",
        ]

    @extend_schema_field(MeasureTargetSerializer(allow_null=True))
    def get_target(self, obj):
        if obj.target_value is None:
            return None
        return MeasureTargetSerializer(obj).data

    @extend_schema_field(CarrierSerializer(many=True))
    def get_initiatives(self, obj):
        return CarrierSerializer(obj.visible_carriers, many=True).data


class SourceSerializer(serializers.ModelSerializer):
    marking = MarkingField(read_only=True)

    class Meta:
        model = Source
        fields = [
            "key",
            "title",
            "author",
            "publisher",
            "published_on",
            "published_precision",
            "language",
            "url",
            "description",
            "marking",
        ]


class ObservationSerializer(serializers.Serializer):
    country = serializers.CharField(source="country_id", allow_null=True)
    observed_on = serializers.DateField()
    precision = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=3)
    note = serializers.CharField()


class IndicatorSerializer(serializers.ModelSerializer):
    measure = serializers.IntegerField(source="measure.number", allow_null=True)
    source = serializers.CharField(source="cite_source.key", allow_null=True)
    locator = serializers.CharField(source="cite_locator")
    observations = ObservationSerializer(many=True)

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "name_en",
            "name_fr",
            "unit",
            "description_en",
            "measure",
            "source",
            "locator",
            "observations",
        ]


class ProposalSerializer(serializers.ModelSerializer):
    """A change awaiting (or past) review. ``current_level`` is the cell's
    level for the caller, beside the proposed ``level``."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    measure = serializers.IntegerField(source="cell.measure.number")
    country = serializers.CharField(source="cell.country_id")
    partner = serializers.CharField(source="cell.partner_id", allow_null=True)
    current_level = serializers.ChoiceField(choices=CELL_LEVELS)
    proposed_by = serializers.CharField(source="proposed_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    evidence = serializers.SerializerMethodField()
    marking = MarkingField(read_only=True)
    supersedes = serializers.UUIDField(source="supersedes.public_id", allow_null=True)
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id", "cell", "measure", "country", "partner", "level", "current_level",
            "effective_on", "effective_precision", "rationale_en", "rationale_fr", "evidence",
            "marking", "state", "proposed_by", "proposed_at", "decided_by", "decided_at",
            "comment", "supersedes", "assessment", "version",
        ]  # fmt: skip

    def get_evidence(self, obj) -> list[uuid.UUID]:
        return sorted(str(e.public_id) for e in obj.visible_evidence)

    def get_assessment(self, obj) -> uuid.UUID | None:
        """The published assessment, once approved."""
        return str(obj.assessment.public_id) if obj.assessment_id else None


class ProposalDecisionSerializer(StrictSerializer):
    """POST /proposals/{id}/approve/ (or withdraw/): the proposal's version in
    ``expected_version`` or in If-Match (its ETag)."""

    expected_version = serializers.IntegerField(min_value=1, required=False)
    comment = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ProposalReturnSerializer(ProposalDecisionSerializer):
    comment = serializers.CharField(max_length=5000)


class ReproposeSerializer(StrictSerializer):
    """POST /proposals/{id}/repropose/: what changes from the returned proposal
    (the rest is kept), and the cell's version as you read it now."""

    expected_version = serializers.IntegerField(min_value=1)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    effective_on = serializers.DateField(required=False)
    effective_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    rationale_en = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    rationale_fr = serializers.CharField(max_length=5000, required=False, allow_blank=True)
