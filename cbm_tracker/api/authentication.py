"""knox's hashed, expiring tokens, read in one query, refusing a malformed token with a 401.

knox decodes the token as UTF-8 and lets a ``UnicodeDecodeError`` through, so
``Authorization: Token caf\\xe9`` is a 500. A real token is hex: anything
that is not ASCII is "Invalid token." like any other wrong token.

knox also reads all the user's other tokens on every request to delete the
expired ones; ``services.issue_token`` does that when a token is made, and
the token is read here with its user and the user's profile, which is all a
Viewer needs: a conditional GET costs this query and the revision lookup.
Settings: REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] names this class.
"""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.isascii():
            raise invalid
        token = token.decode()
        try:
            digest = hash_token(token)
        except (TypeError, binascii.Error) as error:
            raise invalid from error
        candidates = AuthToken.objects.filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user__cbm_profile")
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                break
            return self.validate_user(auth_token)
        raise invalid


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes it: ``Authorization: Token <token>``."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A token from POST /api/v1/tokens/, the account page or `manage.py "
                'create_api_token`, sent as "Token <token>".'
            ),
        }
