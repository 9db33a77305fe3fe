"""The one access rule: who may see which marked row, and who may write where.

Every output (API, pages, exports, scorecards, digests, admin) reads through
``visible_to()``; every write re-checks ``Viewer.may_*`` inside the service's
transaction. Nothing else in the code base decides visibility.

A viewer sees a row iff the row's marking is at or below the viewer's
clearance **and** its releasable-to list is empty or names one of the
viewer's affiliations (a country or an organisation). Anonymous visitors see
nothing, unless ``CBM_PUBLIC_READ`` makes them public-clearance readers.
Visibility is the same for superusers: need-to-know is not waived by being
able to administer the site.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .choices import MARKING_RANK, MarkingLevel, Role


@dataclass(frozen=True)
class Viewer:
    can_read: bool
    clearance_rank: int = 0
    countries: frozenset = frozenset()
    initiatives: frozenset = frozenset()  # initiative ids
    initiative_slugs: frozenset = frozenset()
    roles: frozenset = frozenset()
    scope: frozenset = frozenset()  # ISO codes an editor may record for
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

    def may_edit_cell(self, status):
        """An editor may record for a pair if either country is in their scope."""
        return self.may_edit_country(status.country_id) or (
            status.partner_id is not None and self.may_edit_country(status.partner_id)
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
        from .models import UserProfile

        try:
            access = user.cbm_profile.access
        except UserProfile.DoesNotExist:
            access = None
        cached = user._cbm_viewer = _viewer(user, access)
    return cached


def viewers_for(users):
    """Viewers for many users in one query (digest fan-out)."""
    from .models import UserProfile

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
    from .services import SYSTEM_USERNAME

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


def visible_markings(user):
    """The markings a user may see, as a queryset (used as a subquery)."""
    from .models import Marking

    viewer = viewer_for(user)
    if not viewer.can_read:
        return Marking.objects.none()
    if viewer.sees_all:
        return Marking.objects.all()
    return Marking.objects.filter(rank__lte=viewer.clearance_rank).filter(
        Q(releasable_to_all=True)
        | Q(releasable_countries__in=viewer.countries)
        | Q(releasable_initiatives__in=viewer.initiatives)
    )


def editable_cells(user, cells):
    """Narrow a Status queryset to the cells ``user`` may record for — the
    queryset form of ``Viewer.may_edit_cell``, for choosing; the services
    check every write again."""
    viewer = viewer_for(user)
    if viewer.is_admin:
        return cells
    if not viewer.is_editor:
        return cells.none()
    return cells.filter(Q(country__in=viewer.scope) | Q(partner__in=viewer.scope))


# The audit records of accounts (profiles, grants, tokens, subscriptions and
# their deliveries) are read by admins only: a role, a clearance or a mail
# address is nobody else's business, whatever the marking.
ACCOUNT_MODELS = frozenset(
    {
        ("auth", "user"),
        ("auth", "group"),
        ("knox", "authtoken"),
        ("measures", "userprofile"),
        ("measures", "subscription"),
        ("measures", "digestdelivery"),
    }
)


def is_account_model(model):
    return (model._meta.app_label, model._meta.model_name) in ACCOUNT_MODELS


class VisibleQuerySet(models.QuerySet):
    """Rows carrying one ``marking`` foreign key; that marking decides visibility."""

    def visible_to(self, user):
        viewer = viewer_for(user)
        if not viewer.can_read:
            return self.none()
        return self.filter(marking__in=visible_markings(viewer).values("pk"))


class OptionallyMarkedQuerySet(models.QuerySet):
    """Rows whose marking may be empty: public reference data, audit records.

    ``marking_field`` may follow a relation: an initiative's carried measures
    are seen with the initiative.
    """

    marking_field = "marking"

    def visible_to(self, user):
        viewer = viewer_for(user)
        if not viewer.can_read:
            return self.none()
        return self.filter(
            Q(**{f"{self.marking_field}__isnull": True})
            | Q(**{f"{self.marking_field}__in": visible_markings(viewer).values("pk")})
        )


class CarriedWithInitiativeQuerySet(OptionallyMarkedQuerySet):
    marking_field = "initiative__marking"


class ChangeRecordQuerySet(models.QuerySet):
    """Audit records: history is at least as protected as the row is now.

    A record is visible to someone who may see both the marking it was
    written under and the row's current marking (``RowMarking``; for a
    deleted row, its last one), so re-marking a row up also hides its past.
    Records of accounts are for admins only.
    """

    def visible_to(self, user):
        from .models import RowMarking

        viewer = viewer_for(user)
        if not viewer.can_read:
            return self.none()
        if viewer.sees_all:
            return self
        visible = visible_markings(viewer).values("pk")
        hidden_now = RowMarking.objects.filter(
            content_type=OuterRef("content_type"), object_id=OuterRef("object_id")
        ).exclude(marking__in=visible)
        records = self.filter(Q(marking__isnull=True) | Q(marking__in=visible)).exclude(
            Exists(hidden_now)
        )
        if not viewer.is_admin:
            for app_label, model in ACCOUNT_MODELS:
                records = records.exclude(
                    content_type__app_label=app_label, content_type__model=model
                )
        return records
