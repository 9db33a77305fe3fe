"""The account page: the user's API tokens and weekly digest subscription.

The page itself is a GET; each of its forms posts to a view of its own, which
redirects back to the page when done, or shows the page again with the form's
errors (or, once, the new token)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.contrib.messages.views import SuccessMessageMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from digests import services as digest_services
from measures import services
from measures.access import viewer_for
from measures.choices import MarkingLevel, Role
from measures.reads.accounts import account_of
from measures.reads.labels import localized
from measures.reads.tokens import live_tokens
from measures.services.refusals import REFUSALS, add_to_form

from .forms import RevokeTokenForm, SubscriptionForm, TokenForm


@login_required
@require_GET
def account(request):
    return _render_account(request, _current_subscription(request.user))


@login_required
@require_POST
def create_token(request):
    token_form = TokenForm(request.POST)
    new_token = None
    if token_form.is_valid():
        data = token_form.cleaned_data
        try:
            _row, new_token = services.issue_token(request.user, data["days"], name=data["name"])
        except REFUSALS as exc:
            add_to_form(token_form, exc)
        else:
            messages.success(
                request, _("Token created. Copy it now: it is shown only once and stored hashed.")
            )
    # No redirect: the token is shown on this answer only (it is stored hashed).
    return _render_account(
        request, _current_subscription(request.user), token_form=token_form, new_token=new_token
    )


@login_required
@require_POST
def revoke_token(request):
    form = RevokeTokenForm(request.POST)
    if not form.is_valid():
        return _render_account(request, _current_subscription(request.user))
    if services.revoke_token(request.user, form.cleaned_data["token_key"]):
        messages.success(request, _("Token revoked."))
    else:
        messages.error(request, _("No such token."))
    return redirect("account")


@login_required
@require_POST
def subscribe(request):
    form = SubscriptionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            digest_services.subscribe(
                request.user, language=form.cleaned_data["language"], **form.follows()
            )
        except REFUSALS as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Subscribed to the weekly digest."))
            return redirect("account")
    return _render_account(request, _current_subscription(request.user), subscription_form=form)


@login_required
@require_POST
def update_subscription(request):
    subscription = _current_subscription(request.user)
    form = SubscriptionForm(request.POST, user=request.user)
    if form.is_valid():
        if subscription is None:
            raise Http404
        data = form.cleaned_data
        try:
            digest_services.update_subscription(
                request.user,
                subscription,
                expected_version=data["version"] or 0,
                language=data["language"],
                paused=data["paused"],
                **form.follows(),
            )
        except REFUSALS as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Subscription changed."))
            return redirect("account")
    return _render_account(request, subscription, subscription_form=form)


@login_required
@require_POST
def unsubscribe(request):
    subscription = _current_subscription(request.user)
    if subscription is not None:
        digest_services.unsubscribe(subscription, actor=request.user)
        messages.success(request, _("Unsubscribed: no more digests will be sent."))
    return redirect("account")


def _current_subscription(user):
    """The user's subscription to the digest, with what it follows (None if none)."""
    return (
        user.subscriptions.filter(unsubscribed_at__isnull=True)
        .prefetch_related("countries", "measures", "initiatives")
        .first()
    )


def _render_account(
    request, subscription, *, token_form=None, new_token=None, subscription_form=None
):
    """The account page, with the form that was sent when it was refused."""
    if token_form is None:
        token_form = TokenForm()
    if subscription_form is None:
        subscription_form = _initial_subscription_form(request, subscription)
    return render(
        request,
        "measures/account.html",
        {
            "tokens": list(live_tokens(request.user)),
            "new_token": new_token,
            "token_form": token_form,
            "subscription": subscription,
            "subscription_form": subscription_form,
            "viewer": viewer_for(request.user),
            "access": _access(request.user),
        },
    )


def _access(user):
    """The account's role, clearance, scope and affiliations, in words."""
    me = account_of(user)
    named = lambda rows: [f"{localized(c, 'name')} ({c['iso2']})" for c in rows]  # noqa: E731
    return {
        "roles": [Role(r).label for r in me["roles"]],
        "clearance": MarkingLevel(me["clearance"]).label,
        "scope": named(me["scope"]),
        "countries": named(me["affiliations"]["countries"]),
        "initiatives": me["affiliations"]["initiatives"],
    }


def _initial_subscription_form(request, subscription):
    """The digest form as first shown: what the subscription follows, or (for a
    new one) the language of the page."""
    if subscription is None:
        return SubscriptionForm(initial={"language": request.LANGUAGE_CODE[:2]}, user=request.user)
    return SubscriptionForm(
        initial={
            "countries": [c.iso2 for c in subscription.countries.all()],
            "measures": [str(m.number) for m in subscription.measures.all()],
            "initiatives": [i.slug for i in subscription.initiatives.all()],
            "language": subscription.language,
            "paused": subscription.paused,
            "version": subscription.version,
        },
        user=request.user,
    )


class SetPassword(SuccessMessageMixin, PasswordResetConfirmView):
    """Where a newcomer chooses their password, from the one-time link that
    ``manage.py grant --password-link`` prints (``services.password_link``)."""

    template_name = "measures/password_set.html"
    success_url = reverse_lazy("login")
    success_message = gettext_lazy("Your password is set: log in with it.")
