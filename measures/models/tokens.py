"""What an API token is for: its name, beside knox's ``AuthToken``.

knox's table holds the token's digest, key, owner and expiry; the name is
the one thing a person adds ("nightly sync"), so it lives in a row of its
own that goes when the token goes (cascade). Tokens made before names
existed have no such row: they read as unnamed (``measures.reads.tokens``).

Names are not unique: replacing a token means making the new one under the
same name, switching the client over, then revoking the old one, and both
are live meanwhile. The token's key tells two of them apart.
"""

from django.db import models
from knox.models import AuthToken

NAME_LENGTH = 100


class ApiToken(models.Model):
    token = models.OneToOneField(
        AuthToken, on_delete=models.CASCADE, primary_key=True, related_name="cbm_token"
    )
    name = models.CharField(max_length=NAME_LENGTH)

    def __str__(self):
        return self.name
