"""Every write to the tracker, and the rules it obeys.

Each function validates, checks the actor's scope and clearance against the
rows as they are *inside* the transaction, bumps versions with a
compare-and-swap, and writes the rows, the revision and the audit records in
one transaction (measures/revisions.py). Views, serializers, admin, commands
and tasks call these and hold no business rules of their own.

Errors: ``ValidationError`` (bad input, with field messages),
``PermissionDenied`` (outside scope or clearance), ``NotVisible`` (the actor
may not see the object: callers answer 404), ``StaleVersion`` (someone wrote
first). On any of them nothing is written.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from countries.models import Country, CountryPair, Initiative, Membership

from .choices import Action, MarkingLevel, Role, Scope
from .models import (
    Assessment,
    Evidence,
    Marking,
    Measure,
    Source,
    Status,
    Subscription,
    UserProfile,
)
from .revisions import StaleVersion, bump_version, change, snapshot
from .rules import check_effective_on, check_membership
from .tasks import send_subscription_confirmation
from .visibility import access_snapshot, viewer_for

SYSTEM_USERNAME = "system"
security_log = logging.getLogger("cbm.security")
TOKEN_MAX_DAYS = 3650


class NotVisible(ObjectDoesNotExist):
    """The object does not exist *for this actor*."""


def system_actor():
    """The account commands, seeds and Celery tasks write as (never logs in)."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- checks shared by the writes -------------------------------------------


def _check_may_edit(actor, status):
    viewer = viewer_for(actor)
    if not viewer.may_edit_cell(status):
        raise PermissionDenied(
            _("You may not record for %(cell)s: it is outside your country scope.")
            % {"cell": status.cell_label}
        )


def _check_marking_within_clearance(actor, marking):
    if not viewer_for(actor).may_see_marking(marking):
        raise PermissionDenied(
            _(
                "You may not mark a record %(marking)s: it is above your clearance or not "
                "releasable to you."
            )
            % {"marking": marking}
        )


def _check_visible(actor, obj):
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotVisible(_("No such %(model)s.") % {"model": obj._meta.verbose_name})


def _as_marking(marking, actor):
    """A Marking, or a (level, releasable-to codes) pair resolved inside the
    caller's transaction (so a refused write leaves no new marking behind);
    an initiative hidden from ``actor`` reads as an unknown code."""
    if marking is None or isinstance(marking, Marking):
        return marking
    level, codes = marking
    return Marking.objects.resolve(level, codes, viewer=actor)


def _least_marking_covering(markings):
    """The lowest marking that covers every one given (public if none)."""
    markings = list(markings)
    for candidate in sorted(markings, key=lambda m: m.rank):
        if all(candidate.covers(m) for m in markings):
            return candidate
    if not markings:
        return Marking.objects.public()
    raise ValidationError(
        {
            "marking": _(
                "The evidence carries markings that no single marking covers; "
                "give the marking explicitly."
            )
        }
    )


def _check_covers(marking, others, what):
    for other in others:
        if not marking.covers(other):
            raise ValidationError(
                {
                    "marking": _(
                        "A record must be marked at least as high as the %(what)s it "
                        "rests on (%(other)s)."
                    )
                    % {"what": what, "other": other}
                }
            )


def _locked(model, pk):
    """Re-read a row inside the transaction (row-locked on PostgreSQL)."""
    return model._base_manager.select_for_update().get(pk=pk)


def _check_cell_version(actor, status, expected_version):
    """Compare-and-swap on the actor's *own* version of the cell, under the
    cell's row lock (taken by ``_locked``; SQLite serialises writers): a write
    the actor may not see never makes them stale, and two editors who see the
    same assessments still cannot overwrite each other."""
    if expected_version is None:
        raise ValidationError({"expected_version": _("The version you read is required.")})
    version = (
        Status.objects.filter(pk=status.pk).with_version(actor).values_list("version", flat=True)[0]
    )
    if version != expected_version:
        raise StaleVersion(status, expected_version, version)


# --- cells -----------------------------------------------------------------


def create_missing_cells(current):
    """Give every country × national/regional measure and every tracked pair ×
    bilateral measure its cell, so that each cell has an id and a version
    before anyone rates it. Runs inside the caller's change (bulk, audited)."""
    existing = set(Status.objects.values_list("measure_id", "country_id", "partner_id"))
    countries = list(Country.objects.values_list("pk", flat=True))
    pairs = list(CountryPair.objects.values_list("country_id", "partner_id"))
    missing = []
    for measure_id, scope in Measure.objects.values_list("pk", "scope"):
        keys = (
            [(a, b) for a, b in pairs]
            if scope == Scope.BILATERAL
            else [(iso, None) for iso in countries]
        )
        missing += [
            Status(measure_id=measure_id, scope=scope, country_id=a, partner_id=b)
            for a, b in keys
            if (measure_id, a, b) not in existing
        ]
    created = Status.objects.bulk_create(missing, batch_size=1000)
    for cell in created:
        current.record(cell, Action.CREATE, after=snapshot(cell))
    return created


def record_assessment(
    actor,
    status,
    *,
    level,
    effective_on,
    expected_version,
    effective_precision="day",
    rationale_en="",
    rationale_fr="",
    evidence=(),
    marking=None,
    message="",
):
    """Record a new dated status for a cell (a reconfirmation repeats the level)."""
    with change(actor, message or _("Assessment recorded")) as current:
        return _record(
            current,
            actor,
            status,
            level=level,
            effective_on=effective_on,
            expected_version=expected_version,
            effective_precision=effective_precision,
            rationale_en=rationale_en,
            rationale_fr=rationale_fr,
            evidence=list(evidence),
            marking=marking,
        )


def _record(
    current,
    actor,
    status,
    *,
    level,
    effective_on,
    expected_version,
    effective_precision,
    rationale_en,
    rationale_fr,
    evidence,
    marking,
):
    status = _locked(Status, status.pk)
    _check_may_edit(actor, status)
    visible_evidence = set(
        Evidence.objects.visible_to(actor)
        .filter(pk__in=[e.pk for e in evidence], retracted=False)
        .values_list("pk", flat=True)
    )
    missing = [e.pk for e in evidence if e.pk not in visible_evidence]
    if missing:
        raise ValidationError(
            {
                "evidence": _("Unknown or retracted evidence: %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    evidence_markings = [e.marking for e in evidence]
    marking = _as_marking(marking, actor)
    if marking is None:
        marking = _least_marking_covering(evidence_markings)
    _check_marking_within_clearance(actor, marking)
    _check_covers(marking, evidence_markings, _("evidence"))
    assessment = Assessment(
        status=status,
        level=level,
        effective_on=effective_on,
        effective_precision=effective_precision,
        rationale_en=rationale_en,
        rationale_fr=rationale_fr,
        marking=marking,
        recorded_by=actor,
        revision=0,
    )
    if not (rationale_en.strip() or rationale_fr.strip()):
        raise ValidationError({"rationale_en": _("Say why: a rationale is required.")})
    assessment.full_clean(exclude=["revision"])
    check_effective_on(assessment.effective_on)
    _check_cell_version(actor, status, expected_version)
    assessment.revision = current.take_revision()
    assessment.save()
    for item in evidence:
        if not item.cells.filter(pk=status.pk).exists():
            # Citing evidence links it to the cell (docs/api.md): a change of
            # the evidence, seen by its readers, so it moves its version.
            before = snapshot(item)
            item.cells.add(status)
            Evidence.objects.filter(pk=item.pk).update(version=F("version") + 1)
            item.version += 1
            current.record(
                item,
                Action.UPDATE,
                before,
                snapshot(item),
                marking=item.marking,
                message=_("Linked to %(cell)s") % {"cell": status},
            )
    if evidence:
        assessment.evidence.set(evidence)
    current.record(assessment, Action.CREATE, after=snapshot(assessment), marking=marking)
    return assessment


def record_assessments(
    actor,
    versions,
    *,
    level,
    effective_on,
    rationale_en="",
    rationale_fr="",
    effective_precision="day",
    marking=None,
):
    """Record the same assessment for many cells at once, all or nothing.

    ``versions`` maps each cell to the version the actor read; one stale cell
    refuses the whole batch. Everything lands under one revision.
    """
    with change(actor, _("Assessment recorded for %(n)s cells") % {"n": len(versions)}) as current:
        return [
            _record(
                current,
                actor,
                status,
                level=level,
                effective_on=effective_on,
                expected_version=version,
                effective_precision=effective_precision,
                rationale_en=rationale_en,
                rationale_fr=rationale_fr,
                evidence=[],
                marking=marking,
            )
            for status, version in versions.items()
        ]


def _check_retractable(row, reason):
    if row.retracted:
        raise ValidationError(
            {
                "retracted": _("This %(model)s is already retracted.")
                % {"model": row._meta.verbose_name}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is retracted.")})


def _retract(current, actor, row, reason, before):
    """Withdraw a row: it stays, flagged, with who, when and why."""
    row.retracted = True
    row.retracted_reason = reason
    row.retracted_by = actor
    row.retracted_at = timezone.now()
    row.save(update_fields=sorted(row.RETRACTION_FIELDS))
    current.record(row, Action.RETRACT, before, snapshot(row), marking=row.marking)


def retract_assessment(actor, assessment, *, reason, expected_version):
    """Withdraw a wrong assessment: it leaves every level computation, stays in history."""
    with change(actor, _("Assessment retracted")) as current:
        _check_visible(actor, assessment)
        assessment = _locked(Assessment, assessment.pk)
        status = assessment.status
        _check_may_edit(actor, status)
        _check_retractable(assessment, reason)
        _locked(Status, status.pk)
        _check_cell_version(actor, status, expected_version)
        _retract(current, actor, assessment, reason, before=snapshot(assessment))
        return assessment


# --- evidence --------------------------------------------------------------


def _check_cells_in_scope(actor, cells):
    for cell in cells:
        _check_may_edit(actor, cell)


def _check_links(actor, marking, cells, initiatives):
    """Evidence links: an editor's cells, initiatives they see, marked no lower."""
    if not viewer_for(actor).is_editor:
        raise PermissionDenied(_("Only editors may add or link evidence."))
    _check_cells_in_scope(actor, cells)
    visible = set(
        Initiative.objects.visible_to(actor)
        .filter(pk__in=[i.pk for i in initiatives])
        .values_list("pk", flat=True)
    )
    unknown = [i.pk for i in initiatives if i.pk not in visible]
    if unknown:
        raise ValidationError(
            {"initiatives": _("Unknown initiative(s): %(ids)s.") % {"ids": unknown}}
        )
    _check_covers(marking, [i.marking for i in initiatives if i.marking], _("initiative"))


def create_evidence(
    actor,
    *,
    source,
    occurred_on,
    locator,
    direction,
    source_reliability,
    information_credibility,
    occurred_precision="day",
    summary_en="",
    summary_fr="",
    quote="",
    cells=(),
    initiatives=(),
    marking=None,
):
    """File a sourced, graded, marked fact against cells and/or initiatives."""
    cells, initiatives = list(cells), list(initiatives)
    with change(actor, _("Evidence added")) as current:
        _check_visible(actor, source)
        marking = _as_marking(marking, actor) or source.marking
        _check_marking_within_clearance(actor, marking)
        _check_covers(marking, [source.marking], _("source"))
        _check_links(actor, marking, cells, initiatives)
        item = Evidence(
            source=source,
            occurred_on=occurred_on,
            occurred_precision=occurred_precision,
            summary_en=summary_en,
            summary_fr=summary_fr,
            quote=quote,
            locator=locator,
            direction=direction,
            source_reliability=source_reliability,
            information_credibility=information_credibility,
            marking=marking,
            created_by=actor,
        )
        if not (summary_en.strip() or summary_fr.strip()):
            raise ValidationError({"summary_en": _("A summary is required.")})
        item.full_clean()
        item.save()
        item.cells.set(cells)
        item.initiatives.set(initiatives)
        current.record(item, Action.CREATE, after=snapshot(item), marking=marking)
        return item


def attach_evidence(actor, evidence, *, expected_version, cells=(), initiatives=()):
    """Link existing evidence to more cells and/or initiatives."""
    cells, initiatives = list(cells), list(initiatives)
    with change(actor, _("Evidence linked")) as current:
        _check_visible(actor, evidence)
        evidence = _locked(Evidence, evidence.pk)
        _check_links(actor, evidence.marking, cells, initiatives)
        if evidence.retracted:
            raise ValidationError({"evidence": _("Retracted evidence cannot be linked.")})
        bump_version(evidence, expected_version)
        before = snapshot(evidence)
        evidence.cells.add(*cells)
        evidence.initiatives.add(*initiatives)
        current.record(
            evidence, Action.UPDATE, before, snapshot(evidence), marking=evidence.marking
        )
        return evidence


def remark_evidence(actor, evidence, marking, *, expected_version, reason=""):
    """Give evidence another handling marking, keeping every marking rule."""
    with change(actor, reason or _("Evidence re-marked")) as current:
        _check_visible(actor, evidence)
        evidence = _locked(Evidence, evidence.pk)
        marking = _as_marking(marking, actor)
        if not viewer_for(actor).is_editor:
            raise PermissionDenied(_("Only editors may re-mark evidence."))
        _check_cells_in_scope(actor, evidence.cells.all())
        _check_marking_within_clearance(actor, marking)
        _check_covers(marking, [evidence.source.marking], _("source"))
        _check_covers(
            marking, [i.marking for i in evidence.initiatives.all() if i.marking], _("initiative")
        )
        # Only assessments still in force and seen by the actor hold a
        # re-marking back: a retracted one cites nothing any more, and naming
        # one the actor may not see would tell them it exists.
        resting = [
            a
            for a in Assessment.objects.visible_to(actor)
            .filter(evidence=evidence, retracted=False)
            .select_related("marking")
            if not a.marking.covers(marking)
        ]
        if resting:
            raise ValidationError(
                {
                    "marking": _(
                        "Assessments %(ids)s rest on this evidence with a lower marking; "
                        "retract them first."
                    )
                    % {"ids": ", ".join(str(a.public_id) for a in resting)}
                }
            )
        old = evidence.marking
        bump_version(evidence, expected_version)
        before = snapshot(evidence)
        evidence.marking = marking
        evidence.save(update_fields=["marking"])
        current.touch(old)
        # The record shows the old content too, so it is readable only by
        # those who could read both markings. Incomparable markings (releasable
        # to different parties) have no such reader; keep no "before" then.
        if marking.covers(old):
            record_marking = marking
        elif old.covers(marking):
            record_marking = old
        else:
            record_marking, before = marking, None
        current.record(evidence, Action.REMARK, before, snapshot(evidence), marking=record_marking)
        return evidence


def retract_evidence(actor, evidence, *, reason, expected_version):
    with change(actor, _("Evidence retracted")) as current:
        _check_visible(actor, evidence)
        evidence = _locked(Evidence, evidence.pk)
        if not viewer_for(actor).is_editor:
            raise PermissionDenied(_("Only editors may retract evidence."))
        _check_cells_in_scope(actor, evidence.cells.all())
        _check_retractable(evidence, reason)
        before = snapshot(evidence)
        bump_version(evidence, expected_version)
        _retract(current, actor, evidence, reason, before)
        return evidence


# --- sources and reference data --------------------------------------------


def save_source(actor, source, *, expected_version=None):
    """Create or update a source; editors may add sources up to their clearance."""
    viewer = viewer_for(actor)
    if not viewer.is_editor:
        raise PermissionDenied(_("Only editors may add or change sources."))
    with change(actor, _("Source saved")) as current:
        _check_marking_within_clearance(actor, source.marking)
        source.full_clean()
        if source.pk is None:
            source.save()
            current.record(source, Action.CREATE, after=snapshot(source), marking=source.marking)
            return source
        old = _locked(Source, source.pk)
        if not viewer.may_see_marking(old.marking):
            raise NotVisible(_("No such source."))
        blocked = [
            e
            for e in old.evidence.select_related("marking")
            if not e.marking.covers(source.marking)
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
            _check_marking_within_clearance(actor, marking)
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
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

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


# --- users -----------------------------------------------------------------


def grant(actor, user, *, role, clearance, countries=(), affiliations=()):
    """Give a user a role, a clearance, a country scope and affiliations.

    Country codes are read in either case; an initiative the actor may not see
    is refused like one that does not exist; nobody grants themselves."""
    countries = [c.upper() for c in countries]
    affiliations = [a.upper() if len(a) == 2 else a for a in affiliations]
    errors = {}
    if role not in Role.values:
        errors["role"] = _("Unknown role %(v)r; choose from %(c)s.") % {
            "v": role,
            "c": ", ".join(Role.values),
        }
    if clearance not in MarkingLevel.values:
        errors["clearance"] = _("Unknown clearance %(v)r; choose from %(c)s.") % {
            "v": clearance,
            "c": ", ".join(MarkingLevel.values),
        }
    scope = list(Country.objects.filter(pk__in=countries))
    unknown = sorted(set(countries) - {c.pk for c in scope})
    if unknown:
        errors["countries"] = _("Unknown country code(s): %(c)s.") % {"c": ", ".join(unknown)}
    aff_countries = list(Country.objects.filter(pk__in=affiliations))
    # An initiative hidden from the actor is refused exactly like a typo.
    aff_initiatives = list(Initiative.objects.visible_to(actor).filter(slug__in=affiliations))
    unknown = sorted(
        set(affiliations) - {c.pk for c in aff_countries} - {i.slug for i in aff_initiatives}
    )
    if unknown:
        errors["affiliations"] = _("Unknown affiliation(s): %(c)s.") % {"c": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    if not viewer_for(actor).is_admin:
        raise PermissionDenied(_("Only administrators may grant roles."))
    if actor.pk == user.pk:
        security_log.warning("refused: %s tried to change their own access", actor)
        raise PermissionDenied(
            _(
                "Nobody changes their own role, clearance, affiliations or scope: "
                "another administrator must."
            )
        )
    with change(
        actor, _("Role %(role)s granted to %(user)s") % {"role": role, "user": user}
    ) as current:
        profile, created = UserProfile.objects.get_or_create(user=user)
        before = None if created else snapshot(profile)
        profile.clearance = clearance
        profile.save()
        profile.scope_countries.set(scope)
        profile.affiliated_countries.set(aff_countries)
        profile.affiliated_initiatives.set(aff_initiatives)
        user.groups.set([Group.objects.get(name=role)])
        user.is_staff = role != Role.READER
        user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["is_staff", "is_superuser"])
        profile.access = access_snapshot(profile, [role])
        profile.save(update_fields=["access"])
        current.record(
            profile,
            Action.CREATE if created else Action.UPDATE,
            before,
            {**snapshot(profile), "role": role},
        )
        # The Viewer cached on this user object is now stale.
        user.cbm_profile = profile
        vars(user).pop("_cbm_viewer", None)
        return profile


def _token_audit(row):
    """A token as the audit trail shows it: whose, since and until when, and a
    reference (the start of its digest, not of the token). Never the token,
    its key or its whole digest."""
    ref = row.digest[:16]
    shown = AuthToken(digest=ref, user=row.user, created=row.created, expiry=row.expiry)
    return shown, {
        "token": ref,
        "user": row.user.get_username(),
        "created": row.created,
        "expiry": row.expiry,
    }


def issue_token(user, days, *, actor=None):
    """A new API token for ``user``: ``(row, token)``, the token in clear only here.

    ``actor`` (default: the user) is who asked, for the audit trail. The
    user's expired tokens are deleted now rather than on every request
    (knox's default), so that authenticating a request reads one row.
    """
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("A token lives between 1 and %(max)d days.") % {"max": TOKEN_MAX_DAYS}}
        )
    if not user.is_active:
        raise ValidationError({"user": _("User %(user)s is deactivated.") % {"user": user}})
    with change(actor or user, _("API token issued to %(user)s") % {"user": user}) as current:
        for expired in AuthToken.objects.filter(user=user, expiry__lt=timezone.now()):
            shown, before = _token_audit(expired)
            current.record(shown, Action.DELETE, before, None, message=_("Expired token removed"))
            expired.delete()
        row, token = AuthToken.objects.create(user, expiry=datetime.timedelta(days=days))
        shown, after = _token_audit(row)
        current.record(shown, Action.CREATE, None, after)
        return row, token


def revoke_token(user, token_key, *, actor=None):
    """Delete one of ``user``'s tokens; False if they hold none by that key."""
    with change(actor or user, _("API token of %(user)s revoked") % {"user": user}) as current:
        rows = list(AuthToken.objects.select_related("user").filter(user=user, token_key=token_key))
        for row in rows:
            shown, before = _token_audit(row)
            current.record(shown, Action.DELETE, before, None)
            row.delete()
        return bool(rows)


# --- subscriptions ---------------------------------------------------------


def _check_follows(actor, countries, measures, initiatives):
    hidden = [
        i.slug
        for i in initiatives
        if i.marking and not viewer_for(actor).may_see_marking(i.marking)
    ]
    if hidden:
        raise ValidationError(
            {"initiatives": _("Unknown initiative(s): %(s)s.") % {"s": ", ".join(hidden)}}
        )


def _save_subscription(current, subscription, before, follows, action):
    subscription.full_clean()
    subscription.save()
    for name, values in follows.items():
        if values is not None:
            getattr(subscription, name).set(values)
    current.record(subscription, action, before, snapshot(subscription))
    return subscription


def subscribe(actor, *, countries=(), measures=(), initiatives=(), language="en"):
    """A user's weekly digest (none followed = everything), to their own address."""
    if not actor.is_authenticated or not actor.email:
        raise ValidationError({"email": _("Your account has no e-mail address to send to.")})
    _check_follows(actor, countries, measures, initiatives)
    with change(actor, _("Subscribed")) as current:
        if Subscription.objects.filter(user=actor, unsubscribed_at__isnull=True).exists():
            raise ValidationError(
                {"non_field_errors": _("You already have a subscription: change it instead.")}
            )
        follows = {"countries": countries, "measures": measures, "initiatives": initiatives}
        return _save_subscription(
            current, Subscription(user=actor, language=language), None, follows, Action.CREATE
        )


def subscribe_address(email, *, countries=(), measures=(), initiatives=(), language="en"):
    """A bare address: sent a confirmation link first; reads as an anonymous visitor."""
    if not settings.CBM_PUBLIC_READ:
        raise ValidationError(
            {"email": _("Subscriptions without an account need public reading to be on.")}
        )
    actor = system_actor()
    _check_follows(None, countries, measures, initiatives)
    with change(actor, _("Address subscribed")) as current:
        follows = {"countries": countries, "measures": measures, "initiatives": initiatives}
        subscription = _save_subscription(
            current, Subscription(email=email, language=language), None, follows, Action.CREATE
        )
        send_subscription_confirmation.delay_on_commit(subscription.pk)
        return subscription


def update_subscription(actor, subscription, *, expected_version, **changes):
    """Change what a subscription follows, its language or whether it is paused."""
    follows = {k: changes.pop(k, None) for k in ("countries", "measures", "initiatives")}
    _check_follows(
        actor, follows["countries"] or (), follows["measures"] or (), follows["initiatives"] or ()
    )
    with change(actor, _("Subscription changed")) as current:
        subscription = _locked(Subscription, subscription.pk)
        if subscription.user_id != actor.pk and not viewer_for(actor).is_admin:
            raise NotVisible(_("No such subscription."))
        before = snapshot(subscription)
        bump_version(subscription, expected_version)
        for name, value in changes.items():
            setattr(subscription, name, value)
        return _save_subscription(current, subscription, before, follows, Action.UPDATE)


def confirm_subscription(subscription):
    with change(system_actor(), _("Address confirmed")) as current:
        subscription = _locked(Subscription, subscription.pk)
        if subscription.confirmed_at is None:
            before = snapshot(subscription)
            subscription.confirmed_at = timezone.now()
            subscription.version += 1
            _save_subscription(current, subscription, before, {}, Action.UPDATE)
        return subscription


def unsubscribe(subscription, actor=None):
    """Stop the digest (idempotent): by its owner, or by a signed link (no login)."""
    actor = actor or system_actor()
    with change(actor, _("Unsubscribed")) as current:
        subscription = _locked(Subscription, subscription.pk)
        if subscription.unsubscribed_at is None:
            before = snapshot(subscription)
            subscription.unsubscribed_at = timezone.now()
            subscription.version += 1
            _save_subscription(current, subscription, before, {}, Action.UPDATE)
        return subscription
