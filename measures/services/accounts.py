"""Accounts: the system actor, grants of role, clearance and scope, API tokens."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from knox.models import AuthToken

from countries.models import Country, Initiative

from ..access import SYSTEM_USERNAME, access_snapshot, viewer_for
from ..audit.revisions import change, snapshot
from ..choices import Action, MarkingLevel, Role
from ..models import (
    ApiToken,
    UserProfile,
)
from ..models.tokens import NAME_LENGTH, descendants_of
from .checks import (
    security_log,
)


def system_actor():
    """The account commands, seeds and Celery tasks write as (never logs in)."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- users -----------------------------------------------------------------


def set_password(user, password):
    """Give a (new) user a password that passes the site's validators."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])


def password_link(user):
    """A link, good once and for ``PASSWORD_RESET_TIMEOUT``, where ``user``
    chooses their own password: nobody else ever knows it. Setting the
    password changes the user's hash, which spends the link."""
    path = reverse(
        "password-set",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return settings.CBM_SITE_URL.rstrip("/") + path


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
        user.is_staff = role not in (Role.READER, Role.RESPONDENT)
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


def _token_audit(row, name, parent=None):
    """A token as the audit trail shows it: whose, what for, since and until
    when, what it was made with, and a reference (the start of its digest,
    not of the token). Never the token, its key or its whole digest.
    ``parent`` is the digest of the token it was made with, if any."""
    ref = row.digest[:16]
    shown = AuthToken(digest=ref, user=row.user, created=row.created, expiry=row.expiry)
    return shown, {
        "token": ref,
        "name": name,
        "user": row.user.get_username(),
        "created": row.created,
        "expiry": row.expiry,
        "minted_by": parent[:16] if parent else None,
    }


def _token_lineage(row):
    """``(name, parent digest)`` of a token: ("", None) for one made before
    tokens had names."""
    found = ApiToken.objects.filter(token=row).values_list("name", "minted_by").first()
    return found or ("", None)


def _token_errors(user, days, name, not_after):
    """Field messages for a token that may not be made, keyed by the service's
    arguments (``days``, ``name``, ``user``): empty if it may."""
    errors = {}
    longest = settings.CBM_TOKEN_MAX_DAYS
    if not name:
        errors["name"] = _("Name the token after what it is for, e.g. “nightly sync”.")
    elif len(name) > NAME_LENGTH:
        errors["name"] = _("A token's name has at most %(max)d characters.") % {"max": NAME_LENGTH}
    if not 1 <= days <= longest:
        errors["days"] = _("A token lives between 1 and %(max)d days.") % {"max": longest}
    elif not_after is not None and timezone.now() + datetime.timedelta(days=days) > not_after:
        left = (not_after - timezone.now()).days
        errors["days"] = _(
            "A token made with a token cannot outlive it: at most %(max)d days here."
        ) % {"max": max(left, 0)}
    if not user.is_active:
        errors["user"] = _("User %(user)s is deactivated.") % {"user": user}
    return errors


def default_token_days():
    """A token's life when whoever asks names none: 90 days, or the site's
    maximum if that is shorter (the same default at every door)."""
    return min(90, settings.CBM_TOKEN_MAX_DAYS)


def issue_token(user, days, *, name, actor=None, made_with=None):
    """A new API token for ``user``, named ``name`` (what it is for):
    ``(row, token)``, the token in clear only here.

    ``actor`` (default: the user) is who asked, for the audit trail.
    ``made_with`` is the token (knox's ``AuthToken``) the request was
    authenticated by, if any: the new token may not outlive it, so that a
    stolen token cannot mint itself a longer life, and it is recorded as the
    new token's parent, so that revoking it revokes the new one too
    (docs/security.md). The user's expired tokens are deleted now rather
    than on every request (knox's default), so that authenticating a request
    reads one row.
    """
    name = name.strip()
    errors = _token_errors(user, days, name, made_with.expiry if made_with else None)
    if errors:
        raise ValidationError(errors)
    with change(actor or user, _("API token issued to %(user)s") % {"user": user}) as current:
        for expired in AuthToken.objects.filter(user=user, expiry__lt=timezone.now()):
            shown, before = _token_audit(expired, *_token_lineage(expired))
            current.record(shown, Action.DELETE, before, None, message=_("Expired token removed"))
            expired.delete()
        row, token = AuthToken.objects.create(user, expiry=datetime.timedelta(days=days))
        ApiToken.objects.create(token=row, name=name, minted_by=made_with)
        shown, after = _token_audit(row, name, made_with.digest if made_with else None)
        current.record(shown, Action.CREATE, None, after)
        return row, token


def revoke_token(user, token_key, *, actor=None):
    """Delete one of ``user``'s tokens and every token made with it (or with
    one of those, and so on); False if they hold none by that key (another
    user's token is "none" too). One audited write, a record per token."""
    with change(actor or user, _("API token of %(user)s revoked") % {"user": user}) as current:
        rows = list(AuthToken.objects.select_related("user").filter(user=user, token_key=token_key))
        for row in rows:
            shown, before = _token_audit(row, *_token_lineage(row))
            current.record(shown, Action.DELETE, before, None)
            descendants = descendants_of(row)
            for child in descendants:
                shown, before = _token_audit(child, *_token_lineage(child))
                current.record(
                    shown,
                    Action.DELETE,
                    before,
                    None,
                    message=_("Revoked: made with a revoked token"),
                )
            # Children first: their parent link is then never set to null.
            for doomed in [*reversed(descendants), row]:
                doomed.delete()
        return bool(rows)
