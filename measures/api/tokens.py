"""/api/v1/tokens/: the caller's own API tokens — make one (its secret shown
in that answer only), list them, read one, revoke one.

A token is named by its ``id``, the first characters of the token that knox
keeps in clear to find it (never its digest, never a counting number).
Another user's token is a 404, exactly like one that does not exist. The
answers are never cached: they describe credentials, and a 201 carries one.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from knox.models import AuthToken
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cbm_tracker.api.conditional import VARY
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.openapi import AutoSchema
from cbm_tracker.api.permissions import CanRead
from cbm_tracker.api.serializers import StrictSerializer
from measures import services
from measures.models.tokens import NAME_LENGTH
from measures.reads.tokens import live_tokens

UNNAMED = gettext_lazy("Name the token after what it is for, e.g. “nightly sync”.")
# The service's argument names, as this API calls them.
API_FIELDS = {"days": "expires_in_days"}


class TokenSerializer(serializers.Serializer):
    id = serializers.CharField(
        source="token_key", help_text="The token's first characters: how it is named here."
    )
    name = serializers.CharField(help_text='What it is for; "" for a token made unnamed.')
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    minted_by = serializers.CharField(
        allow_null=True,
        help_text="The id of the token this one was made with (revoking that one revokes "
        "this one too); null for one made signed in, on the account page or by "
        "create_api_token.",
    )


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        help_text='The secret, sent as "Authorization: Token <token>". Shown in this answer only.'
    )


class TokenWriteSerializer(StrictSerializer):
    """A new token: its name, trimmed (so it holds a character other than a
    space), and its life in days."""

    # Trimmed by the service, which the page and the command share.
    name = serializers.CharField(
        max_length=NAME_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(r"\S", message=UNNAMED)],
        help_text='What the token is for, e.g. "nightly sync".',
    )

    def get_fields(self):
        # The site's maximum as it is now (settings may change between requests).
        fields = super().get_fields()
        longest = settings.CBM_TOKEN_MAX_DAYS
        fields["expires_in_days"] = serializers.IntegerField(
            min_value=1,
            max_value=longest,
            default=services.default_token_days(),
            help_text="Days until it expires: at most the site's CBM_TOKEN_MAX_DAYS, by "
            "default 90 (or that maximum if it is shorter); a token made with a token "
            "cannot outlive that token.",
        )
        return fields


TOKEN_ID = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="The token's id, as listed."
)
CREATED = OpenApiExample(
    "A new token",
    response_only=True,
    status_codes=["201"],
    value={
        "id": "8a1f0c2be47d935",
        "name": "nightly sync",
        "created": "2026-11-28T17:02:11.418Z",
        "expiry": "2027-02-26T17:02:11.418Z",
        "minted_by": "e07b51d2a9c4f18",
        "token": "8a1f0c2be47d935" + "3" * 49,
    },
)


class TokenViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated, CanRead]
    schema = AutoSchema()
    lookup_field = "token_key"
    lookup_url_kwarg = "id"
    filterset_class = None

    def get_queryset(self):
        return live_tokens(self.request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["Vary"] = VARY
        return response

    @extend_schema(
        operation_id="tokens_create",
        request=TokenWriteSerializer,
        responses={201: NewTokenSerializer, **ERRORS},
        examples=[CREATED],
    )
    def create(self, request, *args, **kwargs):
        payload = TokenWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        # A token mints no token that outlives it, and revoking it revokes
        # what it minted (docs/security.md).
        made_with = request.auth if isinstance(request.auth, AuthToken) else None
        try:
            row, token = services.issue_token(
                request.user, data["expires_in_days"], name=data["name"], made_with=made_with
            )
        except ValidationError as error:
            raise serializers.ValidationError(
                {API_FIELDS.get(k, k): v for k, v in error.message_dict.items()}
            ) from error
        body = {**TokenSerializer(self.get_queryset().get(pk=row.pk)).data, "token": token}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[TOKEN_ID])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(parameters=[TOKEN_ID], responses={204: None, **ERRORS})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token and the tokens made with it; the one this request
        is made with may revoke itself."""
        token = self.get_object()
        services.revoke_token(request.user, token.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)
