"""Who is looking: the Viewer a request, a token or a task reads as.

A viewer is built from the ``UserProfile.access`` snapshot (no query when
the profile came with the user). This module and ``querysets`` are the one
access rule; they import no models at import time, so the models can take
their querysets from here without an import cycle (models are looked up in
the app registry when a function runs).
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from ..choices import MARKING_RANK, MarkingLevel, Role

# The account commands, seeds and Celery tasks write as (never logs in).
SYSTEM_USERNAME = "system"


@dataclass(frozen=True)
class Viewer:
    can_read: bool
    clearance_rank: int = 0
    countries: frozenset = frozenset()
    initiatives: frozenset = frozenset()  # initiative ids
    initiative_slugs: frozenset = frozenset()
    roles: frozenset = frozenset()
    # ISO codes an editor may record for (a respondent: may reply for).
    scope: frozenset = frozenset()
    user_id: int | None = None
    # The system actor (seed, commands, tasks): sees and may write everything.
    sees_all: bool = False

    @property
    def key(self):
        """Identifies everyone who sees the same data (for caches and ETags)."""
        if not self.can_read:
            return "none"
        if self.sees_all:
            return "all"
        countries = ",".join(sorted(self.countries))
        initiatives = ",".join(str(i) for i in sorted(self.initiatives))
        return f"r{self.clearance_rank};c{countries};i{initiatives}"

    @property
    def is_admin(self):
        return Role.ADMIN in self.roles

    @property
    def is_editor(self):
        return self.is_admin or Role.EDITOR in self.roles

    @property
    def is_respondent(self):
        return Role.RESPONDENT in self.roles

    def may_reply_for(self, cell):
        """A respondent answers for the countries in their scope (either of a pair)."""
        return self.is_respondent and (
            cell.country_id in self.scope
            or (cell.partner_id is not None and cell.partner_id in self.scope)
        )

    def may_see_marking(self, marking):
        if self.sees_all:
            return True
        if not self.can_read or marking.rank > self.clearance_rank:
            return False
        if marking.releasable_to_all:
            return True
        return bool(set(marking.releasable_codes) & (self.countries | self.initiative_slugs))

    def may_edit_country(self, iso2):
        return self.is_admin or (self.is_editor and iso2 in self.scope)

    def may_edit_cell(self, cell):
        """An editor may record for a pair if either country is in their scope."""
        return self.may_edit_country(cell.country_id) or (
            cell.partner_id is not None and self.may_edit_country(cell.partner_id)
        )


NOBODY = Viewer(can_read=False)
SYSTEM = Viewer(
    can_read=True,
    clearance_rank=max(MARKING_RANK.values()),
    roles=frozenset({Role.ADMIN}),
    sees_all=True,
)
ANONYMOUS_PUBLIC = Viewer(can_read=True, clearance_rank=MARKING_RANK[MarkingLevel.PUBLIC])


def viewer_for(user):
    """The Viewer for a user (or AnonymousUser / None), cached on the user object.

    Built from the profile's ``access`` snapshot: no query when the profile
    came with the user (both authentication paths join it), one otherwise.
    """
    if isinstance(user, Viewer):
        return user
    if user is None or not user.is_authenticated:
        return ANONYMOUS_PUBLIC if settings.CBM_PUBLIC_READ else NOBODY
    cached = getattr(user, "_cbm_viewer", None)
    if cached is None:
        try:
            access = user.cbm_profile.access
        except ObjectDoesNotExist:  # never granted anything
            access = None
        cached = user._cbm_viewer = _viewer(user, access)
    return cached


def viewers_for(users):
    """Viewers for many users in one query (digest fan-out)."""
    UserProfile = apps.get_model("measures", "UserProfile")
    users = list(users)
    access = dict(
        UserProfile.objects.filter(user_id__in=[u.pk for u in users]).values_list(
            "user_id", "access"
        )
    )
    viewers = {}
    for user in users:
        user._cbm_viewer = viewers[user.pk] = _viewer(user, access.get(user.pk))
    return viewers


def access_snapshot(profile, roles):
    """What a profile grants, as stored in ``UserProfile.access``.

    ``services.grant`` — the only writer of roles, clearance, affiliations and
    scope — stores it in the same transaction as the rows it derives from, so
    it cannot be stale the way a read cache can; it spares every request the
    five queries (roles, profile, three link tables) that rebuilding it costs.
    """
    initiatives = sorted(profile.affiliated_initiatives.values_list("pk", "slug"))
    return {
        "clearance_rank": MARKING_RANK[profile.clearance],
        "countries": sorted(profile.affiliated_countries.values_list("pk", flat=True)),
        "initiatives": [pk for pk, _slug in initiatives],
        "initiative_slugs": [slug for _pk, slug in initiatives],
        "roles": sorted(roles),
        "scope": sorted(profile.scope_countries.values_list("pk", flat=True)),
    }


def _viewer(user, access):
    if user.get_username() == SYSTEM_USERNAME:
        return SYSTEM
    if not user.is_active:
        return NOBODY
    if access is None:
        # Never granted anything (e.g. ``createsuperuser``): public clearance.
        roles = frozenset({Role.ADMIN}) if user.is_superuser else frozenset()
        return Viewer(can_read=True, roles=roles, user_id=user.pk)
    return Viewer(
        can_read=True,
        clearance_rank=access["clearance_rank"],
        countries=frozenset(access["countries"]),
        initiatives=frozenset(access["initiatives"]),
        initiative_slugs=frozenset(access["initiative_slugs"]),
        roles=frozenset(access["roles"]),
        scope=frozenset(access["scope"]),
        user_id=user.pk,
    )


# The audit records of accounts (profiles, grants, tokens, subscriptions and
# their deliveries, webhooks) are read by admins only: a role, a clearance or a mail
# address is nobody else's business, whatever the marking.
ACCOUNT_MODELS = frozenset(
    {
        ("auth", "user"),
        ("auth", "group"),
        ("knox", "authtoken"),
        ("measures", "userprofile"),
        ("digests", "subscription"),
        ("digests", "digestdelivery"),
        ("webhooks", "webhook"),
    }
)


def is_account_model(model):
    return (model._meta.app_label, model._meta.model_name) in ACCOUNT_MODELS


# The records of the review workflow (proposals) are no published fact: they
# touch no marking's audience (a proposal moves no ETag of those who may see
# its marking but not the proposal itself), stay out of the change feed, and
# are read by those who may see the proposal (``ChangeRecordQuerySet``).
WORKFLOW_MODELS = frozenset({("measures", "proposal")})


def is_workflow_model(model):
    return (model._meta.app_label, model._meta.model_name) in WORKFLOW_MODELS
