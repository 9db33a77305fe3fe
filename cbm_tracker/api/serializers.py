from django.utils.translation import gettext as _
from rest_framework import serializers


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def _json_type_ok(field, value):
    """Whether a JSON value has the type the schema gives ``field``. DRF would
    coerce ``0`` into ``"0"`` for a CharField, ``"2"`` into 2 for an
    IntegerField and ``0`` into False for a BooleanField: a client sending the
    wrong type has a bug, and a 400 tells it (the schema says the type)."""
    if value is None:
        return True  # allow_null decides
    declared = getattr(field, "json_type", None)  # e.g. a measure by its number
    if declared is not None:
        return isinstance(value, declared) and not isinstance(value, bool)
    if isinstance(field, serializers.ManyRelatedField):
        return isinstance(value, list) and all(
            _json_type_ok(field.child_relation, item) for item in value
        )
    if isinstance(field, serializers.ListField):
        return isinstance(value, list)
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, serializers.MultipleChoiceField):
        return isinstance(value, list)
    if isinstance(
        field, (serializers.CharField, serializers.ChoiceField, serializers.SlugRelatedField)
    ):
        return isinstance(value, str)
    return True


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not accept, instead of DRF's silent drop.

    A client that sends ``recorded_by`` or ``version`` believes it set them:
    a 400 naming the field tells it otherwise (mass-assignment guard).

    A NUL byte anywhere in a value is refused here too, whatever the field: a
    slug or a marking code would otherwise reach a PostgreSQL lookup (a 500),
    as the middleware prevents for paths and queries.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be written.")] for name in unknown}
                )
            mistyped = sorted(
                name
                for name, value in data.items()
                if not self.fields[name].read_only and not _json_type_ok(self.fields[name], value)
            )
            if mistyped:
                raise serializers.ValidationError(
                    {name: [_("A value of the wrong type.")] for name in mistyped}
                )
            nul = sorted(name for name, value in data.items() if _has_nul(value))
            if nul:
                raise serializers.ValidationError(
                    {name: [_("NUL bytes are not allowed.")] for name in nul}
                )
        return super().to_internal_value(data)
