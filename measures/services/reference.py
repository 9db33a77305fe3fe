"""Sources and reference data (countries, initiatives, memberships, ...)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from countries.models import Country, CountryPair, Membership

from ..access import viewer_for
from ..audit.revisions import bump_version, change, snapshot
from ..choices import Action
from ..models import (
    Marking,
    Measure,
    Source,
)
from ..rules import check_membership
from .cells import create_missing_cells
from .checks import (
    NotVisible,
    check_marking_within_clearance,
    locked,
)

# --- sources and reference data --------------------------------------------


def save_source(actor, source, *, expected_version=None):
    """Create or update a source; editors may add sources up to their clearance,
    and change those they may see (docs/pages.md, "One-pass recording")."""
    with change(actor, _("Source saved")) as current:
        return save_source_in_change(current, actor, source, expected_version=expected_version)


def save_source_in_change(current, actor, source, *, expected_version=None):
    """``save_source`` inside the caller's ``change()``: for writes that add a
    source along with other rows under one revision."""
    viewer = viewer_for(actor)
    if not viewer.is_editor:
        raise PermissionDenied(_("Only editors may add or change sources."))
    check_marking_within_clearance(actor, source.marking)
    source.full_clean()
    if source.pk is None:
        source.save()
        current.record(source, Action.CREATE, after=snapshot(source), marking=source.marking)
        return source
    old = locked(Source, source.pk)
    if not viewer.may_see_marking(old.marking):
        raise NotVisible(_("No such source."))
    blocked = [
        e for e in old.evidence.select_related("marking") if not e.marking.covers(source.marking)
    ]
    if blocked:
        # Named by public id, and only those the actor may see
        # (docs/security.md, Limits: the refusal itself remains).
        shown = [e for e in blocked if viewer.may_see_marking(e.marking)]
        raise ValidationError(
            {
                "marking": _(
                    "Evidence %(ids)s from this source has a lower marking; re-mark it first."
                )
                % {"ids": ", ".join(str(e.public_id) for e in shown) or "—"}
            }
        )
    before = snapshot(old)
    bump_version(source, expected_version)
    source.save()
    record_marking = source.marking if source.marking.covers(old.marking) else old.marking
    current.record(source, Action.UPDATE, before, snapshot(source), marking=record_marking)
    return source


def _audit_marking(obj):
    """The marking a reference row's audit record is read under."""
    return getattr(obj, "marking", None)


def _check_citation(obj):
    """A row citing a marked source must carry a marking that covers it, or its
    citation (and audit record) would publish what the source restricts."""
    source = getattr(obj, "cite_source", None)
    if source is None:
        return
    marking = _audit_marking(obj) or Marking.objects.public()
    if not marking.covers(source.marking):
        raise ValidationError(
            {
                "cite_source": _(
                    "Source %(key)s is marked %(marking)s: mark this row at least "
                    "as high, or cite a public source."
                )
                % {"key": source.key, "marking": source.marking}
            }
        )


def save_reference(actor, obj, *, expected_version=None, links=None, message=""):
    """Create or update reference data (countries, regions, initiatives,
    memberships, pairs, measures, indicators); admins only, within their
    clearance. ``links`` sets many-to-many fields (e.g. a country's regions)."""
    if not viewer_for(actor).is_admin:
        raise PermissionDenied(_("Only administrators may change reference data."))
    with change(
        actor, message or _("%(model)s saved") % {"model": obj._meta.verbose_name}
    ) as current:
        obj.full_clean()
        _check_citation(obj)
        if isinstance(obj, Membership):
            check_membership(obj, Membership.objects.visible_to(actor))
        marking = _audit_marking(obj)
        if marking is not None:
            check_marking_within_clearance(actor, marking)
        if obj._state.adding:
            obj.save()
            for name, values in (links or {}).items():
                getattr(obj, name).set(values)
            current.record(obj, Action.CREATE, after=snapshot(obj), marking=marking)
            if isinstance(obj, (Country, CountryPair, Measure)):
                create_missing_cells(current)
            return obj
        old = type(obj)._base_manager.get(pk=obj.pk)
        old_marking = _audit_marking(old)
        if old_marking is not None and not viewer_for(actor).may_see_marking(old_marking):
            raise NotVisible(_("No such %(model)s.") % {"model": obj._meta.verbose_name})
        before = snapshot(old)
        bump_version(obj, expected_version)
        obj.save()
        for name, values in (links or {}).items():
            getattr(obj, name).set(values)
        # Readable only by those who could read both the old and the new row.
        if old_marking is not None and (marking is None or not marking.covers(old_marking)):
            marking = old_marking
        current.record(obj, Action.UPDATE, before, snapshot(obj), marking=marking)
        return obj


def delete_reference(actor, obj, *, expected_version):
    """Delete reference data and what cascades from it, each row audited.

    Refused when anything it would remove (or anything that blocks it) is
    hidden from the actor: nobody deletes what they cannot see.
    """
    if not viewer_for(actor).is_admin:
        raise PermissionDenied(_("Only administrators may change reference data."))
    with change(actor, _("%(model)s deleted") % {"model": obj._meta.verbose_name}) as current:
        viewer = viewer_for(actor)
        collector = Collector(using=obj._state.db)
        try:
            collector.collect([obj])
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError(
                {
                    "non_field_errors": _(
                        "Still in use by %(n)s other record(s); remove those first."
                    )
                    % {"n": len(exc.args[1])}
                }
            ) from None
        doomed = [row for rows in collector.data.values() for row in rows]
        # Cascades Django deletes in bulk ("fast deletes") are audited too;
        # auto-created link tables are part of their parents' snapshots.
        doomed += [
            row for qs in collector.fast_deletes if not qs.model._meta.auto_created for row in qs
        ]
        hidden = [
            row
            for row in doomed
            if _audit_marking(row) is not None and not viewer.may_see_marking(_audit_marking(row))
        ]
        if hidden:
            raise PermissionDenied(_("This would delete records you may not see."))
        bump_version(obj, expected_version)
        for row in doomed:
            current.record(row, Action.DELETE, snapshot(row), None, marking=_audit_marking(row))
        obj.delete()
