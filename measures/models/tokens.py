"""What an API token is for: its name, beside knox's ``AuthToken``.

knox's table holds the token's digest, key, owner and expiry; the name is
the one thing a person adds ("nightly sync"), so it lives in a row of its
own that goes when the token goes (cascade). Tokens made before names
existed have no such row: they read as unnamed (``measures.reads.tokens``).

Names are not unique: replacing a token means making the new one under the
same name (not with the old token, or it dies with it), switching the
client over, then revoking the old one, and both are live meanwhile. The
token's key tells two of them apart.

``minted_by`` is the token a token was made with (``POST /api/v1/tokens/``
with a token; none from a session, the account page or the command).
Revoking a token revokes its descendants with it, in the same audited write
(``services.revoke_token``): a leaked token's owner who revokes it expects
what it made to die too. The link is ``SET_NULL``, not ``CASCADE`` or
``PROTECT``, because the only deletions of a token that do not go through
that service are knox's own, of an *expired* token (when it is next sent,
or swept when its user makes one): a child never outlives its parent
(``issue_token(not_after=)``), so by then its descendants have expired too
and nothing live is orphaned. ``CASCADE`` would delete only the children's
name rows and leave their knox tokens live and unnamed; ``PROTECT`` would
turn knox's deletion of an expired parent into a 500.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

NAME_LENGTH = 100


class ApiToken(models.Model):
    token = models.OneToOneField(
        AuthToken, on_delete=models.CASCADE, primary_key=True, related_name="cbm_token"
    )
    name = models.CharField(max_length=NAME_LENGTH)
    minted_by = models.ForeignKey(
        AuthToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="minted"
    )

    def __str__(self):
        return self.name


class Token(AuthToken):
    """knox's token as the admin shows it: named by its key (the start of
    the token, which knox keeps in clear), not by its digest, which knox's
    own ``__str__`` prints and Django would put in messages and logs."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return self.token_key


def descendants_of(token):
    """The tokens made with ``token`` (knox's ``AuthToken``), the tokens made
    with those, and so on: children after their parents. A parent and its
    children are one user's, so the walk stays among the owner's tokens."""
    found, parents = [], [token.digest]
    while parents:
        children = list(
            AuthToken.objects.select_related("user").filter(
                user_id=token.user_id, cbm_token__minted_by__in=parents
            )
        )
        found += children
        parents = [child.digest for child in children]
    return found
