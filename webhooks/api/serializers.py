"""The webhook resource as its owner reads and writes it."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cbm_tracker.api.serializers import StrictSerializer
from countries.models import Country, Initiative
from measures.models import Measure

from ..filters import KINDS
from ..models import Delivery, Webhook


@extend_schema_field({"type": "integer"})
class MeasureNumberField(serializers.SlugRelatedField):
    """A measure by its number, sent as a JSON number (``[3, 17]``)."""

    json_type = int


class CountryCodeField(serializers.SlugRelatedField):
    """A country by its ISO alpha-2 code, in either case (``ma`` is ``MA``)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class WebhookSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    countries = serializers.SlugRelatedField(slug_field="iso2", many=True, read_only=True)
    measures = MeasureNumberField(slug_field="number", many=True, read_only=True)
    initiatives = serializers.SerializerMethodField()
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "description",
            "countries",
            "measures",
            "initiatives",
            "kinds",
            "language",
            "active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
            "version",
        ]

    def get_initiatives(self, obj) -> list[str]:
        # Only those the owner may still see: one may have been re-marked above them.
        user = self.context["request"].user
        visible = set(Initiative.objects.visible_to(user).values_list("pk", flat=True))
        return sorted(i.slug for i in obj.initiatives.all() if i.pk in visible)


class CreatedWebhookSerializer(WebhookSerializer):
    """The answer to a registration: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True, help_text="Keep it: it is never shown again.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookWriteSerializer(StrictSerializer):
    """No filter list at all means: every record the owner may see."""

    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    countries = CountryCodeField(
        slug_field="iso2", many=True, required=False, queryset=Country.objects.all()
    )
    measures = MeasureNumberField(
        slug_field="number", many=True, required=False, queryset=Measure.objects.all()
    )
    initiatives = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Initiative.objects.none()
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(KINDS)), required=False, max_length=100
    )
    # Absent, a new hook takes the request's language (Accept-Language).
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    active = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        # A hidden initiative reads as one that does not exist.
        self.fields["initiatives"].child_relation.queryset = Initiative.objects.visible_to(user)
        if self.partial:
            self.fields["url"].required = False


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    records = serializers.ListField(
        source="record_ids", child=serializers.CharField(), read_only=True
    )
    ok = serializers.BooleanField(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "time",
            "attempt",
            "ok",
            "status_code",
            "error",
            "duration_ms",
            "records",
            "next_retry_at",
        ]
