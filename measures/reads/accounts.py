"""Who a user is to the tracker — role, clearance, scope, affiliations — as
``GET /api/v1/me/``, the account page and the account commands show it.

Read from the ``UserProfile.access`` snapshot that ``services.grant`` writes:
only a grant changes it. Initiatives are named by their slug, not by their
row: an initiative re-marked above the user's clearance, or renamed while
hidden from them, must not change what they see of themselves.
"""

from countries.models import Country

from ..access import viewer_for
from ..choices import MARKING_RANK, Role

CLEARANCE_OF_RANK = {rank: level for level, rank in MARKING_RANK.items()}
# The role named first when a user holds several (grant gives one).
ROLE_ORDER = [Role.ADMIN, Role.EDITOR, Role.ANALYST, Role.RESPONDENT, Role.READER]


def account_of(user):
    viewer = viewer_for(user)
    roles = sorted(viewer.roles, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
    names = {
        c["iso2"]: c
        for c in Country.objects.filter(pk__in=viewer.scope | viewer.countries).values(
            "iso2", "name_en", "name_fr"
        )
    }
    return {
        "username": user.get_username(),
        "email": user.email,
        "role": roles[0] if roles else None,
        "roles": roles,
        "clearance": CLEARANCE_OF_RANK[viewer.clearance_rank],
        "scope": [names[code] for code in sorted(viewer.scope)],
        "affiliations": {
            "countries": [names[code] for code in sorted(viewer.countries)],
            "initiatives": sorted(viewer.initiative_slugs),
        },
        "may_edit": viewer.is_editor,
        "may_reply": viewer.is_respondent,
    }
