"""Right of reply: a country's liaison answers an assessment of their country.

A reply changes no level; it is shown beside the assessment it answers to
whoever may see both. Its marking covers the assessment's as well as the
evidence it cites, so that everyone who may see the reply may see what it
answers and rests on: the reply's own marking then decides who is told
that something changed (ETags, the change feed, digests), and no reader of
a lower or incomparable marking observes it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ..access import viewer_for
from ..audit.revisions import bump_version, change, snapshot
from ..choices import Action
from ..models import Assessment, Evidence, Reply
from .checks import (
    as_marking,
    check_covers,
    check_marking_within_clearance,
    check_retractable,
    check_visible,
    least_marking_covering,
    locked,
    retract,
)


def reply_to_assessment(actor, assessment, *, text_en="", text_fr="", evidence=(), marking=None):
    """Attach a reply, on behalf of the assessed country, to an assessment.

    ``marking`` is a Marking or a (level, releasable-to codes) pair; without
    one, the least marking covering the assessment and the cited evidence
    (public when they are all public).
    """
    evidence = list(evidence)
    with change(actor, _("Reply attached")) as current:
        check_visible(actor, assessment)
        assessment = Assessment.objects.select_related("cell", "marking").get(pk=assessment.pk)
        cell = assessment.cell
        viewer = viewer_for(actor)
        if not viewer.may_reply_for(cell):
            raise PermissionDenied(
                _("You may not reply for %(cell)s: only its country's respondents may.")
                % {"cell": cell.cell_label}
            )
        if assessment.retracted:
            raise ValidationError(
                {"assessment": _("This assessment is retracted: there is nothing to reply to.")}
            )
        if not (text_en.strip() or text_fr.strip()):
            raise ValidationError({"text_en": _("Write the reply, in English or in French.")})
        cited = _cited_evidence(actor, evidence)
        rests_on = [assessment.marking] + [e.marking for e in cited]
        marking = as_marking(marking, actor)
        if marking is None:
            marking = least_marking_covering(rests_on)
        check_marking_within_clearance(actor, marking)
        check_covers(marking, [assessment.marking], _("assessment"))
        check_covers(marking, [e.marking for e in cited], _("evidence"))
        reply = Reply(
            assessment=assessment,
            country_id=_answering_for(viewer, cell),
            text_en=text_en.strip(),
            text_fr=text_fr.strip(),
            marking=marking,
            created_by=actor,
            revision=0,
        )
        reply.full_clean(exclude=["revision"])
        reply.revision = current.take_revision()
        reply.save()
        if cited:
            reply.evidence.set(cited)
        current.record(reply, Action.CREATE, after=snapshot(reply), marking=marking)
        return reply


def retract_reply(actor, reply, *, reason, expected_version):
    """Withdraw a reply (its author or an admin): it stays, flagged, with why."""
    with change(actor, _("Reply retracted")) as current:
        check_visible(actor, reply)
        reply = locked(Reply, reply.pk)
        viewer = viewer_for(actor)
        if not (viewer.is_admin or reply.created_by_id == viewer.user_id):
            raise PermissionDenied(_("Only the reply's author or an administrator may retract it."))
        check_retractable(reply, reason)
        before = snapshot(reply)
        bump_version(reply, expected_version)
        retract(current, actor, reply, reason, before)
        return reply


def _cited_evidence(actor, evidence):
    """The evidence as the actor may cite it: seen by them and not retracted;
    anything else is refused like an unknown id."""
    found = {
        e.pk: e
        for e in Evidence.objects.visible_to(actor)
        .filter(pk__in=[e.pk for e in evidence], retracted=False)
        .select_related("marking")
    }
    missing = [str(e.public_id) for e in evidence if e.pk not in found]
    if missing:
        raise ValidationError(
            {"evidence": _("Unknown or retracted evidence: %(ids)s.") % {"ids": ", ".join(missing)}}
        )
    return [found[e.pk] for e in evidence]


def _answering_for(viewer, cell):
    """The country the reply speaks for: the cell's own if in scope, else its partner's."""
    return cell.country_id if cell.country_id in viewer.scope else cell.partner_id
