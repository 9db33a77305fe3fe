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
from django.db.models import Q

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
    """The Viewer for a user (or AnonymousUser / None), cached on the user object."""
    if isinstance(user, Viewer):
        return user
    if user is None or not user.is_authenticated:
        return ANONYMOUS_PUBLIC if settings.CBM_PUBLIC_READ else NOBODY
    cached = getattr(user, "_cbm_viewer", None)
    if cached is None:
        cached = viewers_for([user])[user.pk]
    return cached


def viewers_for(users):
    """Viewers for many users in a fixed number of queries (digest fan-out)."""
    from django.contrib.auth.models import Group

    from .models import UserProfile
    from .services import SYSTEM_USERNAME

    users = list(users)
    ids = [u.pk for u in users]
    roles = {}
    for user_id, name in Group.user_set.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group__name"
    ):
        roles.setdefault(user_id, set()).add(name)
    profiles = {
        p.user_id: p
        for p in UserProfile.objects.filter(user_id__in=ids).prefetch_related(
            "affiliated_countries", "affiliated_initiatives", "scope_countries"
        )
    }
    viewers = {}
    for user in users:
        if user.get_username() == SYSTEM_USERNAME:
            viewer = SYSTEM
        elif not user.is_active:
            viewer = NOBODY
        else:
            user_roles = roles.get(user.pk, set()) | ({Role.ADMIN} if user.is_superuser else set())
            profile = profiles.get(user.pk)
            viewer = Viewer(can_read=True, roles=frozenset(user_roles), user_id=user.pk)
            if profile is not None:
                initiatives = list(profile.affiliated_initiatives.all())
                viewer = Viewer(
                    can_read=True,
                    clearance_rank=MARKING_RANK[profile.clearance],
                    countries=frozenset(c.pk for c in profile.affiliated_countries.all()),
                    initiatives=frozenset(i.pk for i in initiatives),
                    initiative_slugs=frozenset(i.slug for i in initiatives),
                    roles=frozenset(user_roles),
                    scope=frozenset(c.pk for c in profile.scope_countries.all()),
                    user_id=user.pk,
                )
        user._cbm_viewer = viewer
        viewers[user.pk] = viewer
    return viewers


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
