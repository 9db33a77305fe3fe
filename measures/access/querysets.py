"""Which rows a viewer may see: the queryset half of the access rule.

A viewer sees a row iff the row's marking is at or below the viewer's
clearance **and** its releasable-to list is empty or names one of the
viewer's affiliations (a country or an organisation). Anonymous visitors see
nothing, unless ``CBM_PUBLIC_READ`` makes them public-clearance readers.
Visibility is the same for superusers: need-to-know is not waived by being
able to administer the site.
"""

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast

from .viewer import ACCOUNT_MODELS, WORKFLOW_MODELS, viewer_for


def visible_markings(user):
    """The markings a user may see, as a queryset (used as a subquery)."""
    Marking = apps.get_model("measures", "Marking")
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
    """Narrow a Cell queryset to the cells ``user`` may record for — the
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


class ProposalQuerySet(VisibleQuerySet):
    """Proposals: the marking rule, and need-to-know on the workflow itself.

    A proposal is seen by its author and by those who may review it —
    admins, and editors whose scope holds the cell's country or partner
    (``Viewer.may_edit_cell``) — never by other readers: until it is
    approved it is not a fact the tracker states.
    """

    def visible_to(self, user):
        viewer = viewer_for(user)
        rows = super().visible_to(viewer)
        if viewer.sees_all or viewer.is_admin:
            return rows
        mine = Q(proposed_by_id=viewer.user_id) if viewer.user_id else Q(pk__in=[])
        if viewer.is_editor:
            mine |= Q(cell__country__in=viewer.scope) | Q(cell__partner__in=viewer.scope)
        return rows.filter(mine)

    def awaiting_review_by(self, user):
        """Open proposals ``user`` may decide: visible, and not their own."""
        viewer = viewer_for(user)
        if not viewer.is_editor:
            return self.none()
        return self.visible_to(viewer).filter(state="open").exclude(proposed_by_id=viewer.user_id)


class ReplyQuerySet(VisibleQuerySet):
    """Replies: seen by whoever may see both the reply and the assessment it answers."""

    def visible_to(self, user):
        viewer = viewer_for(user)
        rows = super().visible_to(viewer)
        if viewer.sees_all or not viewer.can_read:
            return rows
        return rows.filter(assessment__marking__in=visible_markings(viewer).values("pk"))


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
        viewer = viewer_for(user)
        if not viewer.can_read:
            return self.none()
        if viewer.sees_all:
            return self
        return self.filter(self._readable(viewer))

    def moved_across(self, user):
        """The re-markings that moved a row across the line of what ``user``
        may see (``seen_as`` names them for the viewer):

        - ``hide``: the row was visible to them before this change and not
          after — they are told only which row to drop, never what it became;
        - ``show``: the row became visible to them with this change — they
          are shown what it became, never what it was (and only while the
          row is still visible to them, as for any record of its history).

        Kept apart from ``visible_to`` rather than OR-ed into it: the two
        conditions together, each with its subqueries, cost PostgreSQL's
        planner a hundred times the plain feed (and set off its JIT), while
        apart each is an index walk. A record may be in both (a move between
        markings no single reader sees both of is written under the new one).
        """
        viewer = viewer_for(user)
        if not viewer.can_read or viewer.sees_all:
            return self.none()
        visible = visible_markings(viewer).values("pk")
        hide = Q(marked_from__in=visible) & ~Q(marked_to__in=visible)
        show = (
            ~Q(marked_from__in=visible)
            & Q(marked_to__in=visible)
            & ~Exists(self._hidden_now(visible))
        )
        return self.filter(marked_from__isnull=False).filter(hide | show)

    def _hidden_now(self, visible):
        RowMarking = apps.get_model("measures", "RowMarking")
        return RowMarking.objects.filter(
            content_type=OuterRef("content_type"), object_id=OuterRef("object_id")
        ).exclude(marking__in=visible)

    def _readable(self, viewer):
        visible = visible_markings(viewer).values("pk")
        readable = (Q(marking__isnull=True) | Q(marking__in=visible)) & ~Exists(
            self._hidden_now(visible)
        )
        if not viewer.is_admin:
            for app_label, model in ACCOUNT_MODELS:
                readable &= ~Q(content_type__app_label=app_label, content_type__model=model)
        for app_label, model in WORKFLOW_MODELS:
            # A proposal's history is read by whoever may see the proposal.
            seen = (
                apps.get_model(app_label, model)
                .objects.visible_to(viewer)
                .annotate(key=Cast("pk", models.CharField()))
                .filter(key=OuterRef("object_id"))
            )
            readable &= ~(
                Q(content_type__app_label=app_label, content_type__model=model) & ~Exists(seen)
            )
        return readable


def seen_as(user, record):
    """How ``user`` sees a record ``visible_to`` or ``moved_across`` gave them:
    ``record``, ``hide`` or ``show`` — on the record's markings, loaded with it.

    A moved record the viewer could not see after the move is a hide; one
    whose own marking they may see is readable as it is (a move between
    markings no single reader sees both of is written under the new one);
    any other was given as a show.
    """
    viewer = viewer_for(user)
    if viewer.sees_all or record.marked_from_id is None:
        return "record"
    if not viewer.may_see_marking(record.marked_to):
        return "hide"
    if record.marking is None or viewer.may_see_marking(record.marking):
        return "record"
    return "show"
