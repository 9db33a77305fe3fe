from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not accept, instead of DRF's silent drop.

    A client that sends ``recorded_by`` or ``version`` believes it set them:
    a 400 naming the field tells it otherwise (mass-assignment guard).
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be written.")] for name in unknown}
                )
        return super().to_internal_value(data)
