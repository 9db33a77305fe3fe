"""knox's hashed, expiring tokens, refusing a malformed token with a 401.

knox decodes the token as UTF-8 and lets a ``UnicodeDecodeError`` through, so
``Authorization: Token caf\\xe9`` is a 500. A real token is hex: anything
that is not ASCII is "Invalid token." like any other wrong token.
Settings: REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] names this class.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        if not token.isascii():
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes it: ``Authorization: Token <token>``."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from `manage.py create_api_token`, sent as "Token <token>".',
        }
