"""A user's own API tokens as the account page and ``/api/v1/tokens/`` list
them: live ones only, newest first, each with its name ("" for a token
made before tokens had names) and the key of the token it was made with.
Never the digest, never another user's."""

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from knox.models import AuthToken


def live_tokens(user):
    """``user``'s tokens that still authenticate (an expired one is deleted
    the next time it is sent or a token is issued; until then it is not
    listed), annotated with ``name`` and ``minted_by`` (the key of the
    token it was made with, or None). A parent is the same user's (the token
    of the request that made its child); one that has expired but is not yet
    deleted is still named, though unlisted: its children expired with it."""
    return (
        AuthToken.objects.filter(user_id=user.pk)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .annotate(
            name=Coalesce("cbm_token__name", Value("")),
            minted_by=F("cbm_token__minted_by__token_key"),
        )
        .order_by("-created", "token_key")
    )
