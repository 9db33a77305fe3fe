"""The account page: the user's API tokens and weekly digest subscription."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from knox.models import AuthToken

from measures import services
from measures.revisions import StaleVersion
from measures.services import NotVisible
from measures.visibility import viewer_for

from .forms import RevokeTokenForm, SubscriptionForm, TokenForm, add_refusal


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    subscription = (
        user.subscriptions.filter(unsubscribed_at__isnull=True)
        .prefetch_related("countries", "measures", "initiatives")
        .first()
    )
    token_form = TokenForm()
    new_token = None
    subscription_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_token":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                _row, new_token = services.issue_token(user, token_form.cleaned_data["days"])
                messages.success(
                    request,
                    _("Token created. Copy it now: it is shown only once and stored hashed."),
                )
        elif action == "revoke_token":
            form = RevokeTokenForm(request.POST)
            if form.is_valid():
                if services.revoke_token(user, form.cleaned_data["token_key"]):
                    messages.success(request, _("Token revoked."))
                else:
                    messages.error(request, _("No such token."))
                return redirect("account")
        elif action in ("subscribe", "update_subscription"):
            subscription_form = SubscriptionForm(request.POST, user=user)
            if subscription_form.is_valid():
                data = subscription_form.cleaned_data
                try:
                    if action == "subscribe":
                        services.subscribe(
                            user, language=data["language"], **subscription_form.follows()
                        )
                        messages.success(request, _("Subscribed to the weekly digest."))
                    elif subscription is None:
                        raise Http404
                    else:
                        services.update_subscription(
                            user,
                            subscription,
                            expected_version=data["version"] or 0,
                            language=data["language"],
                            paused=data["paused"],
                            **subscription_form.follows(),
                        )
                        messages.success(request, _("Subscription changed."))
                except (ValidationError, PermissionDenied, NotVisible, StaleVersion) as exc:
                    add_refusal(subscription_form, exc)
                else:
                    return redirect("account")
        elif action == "unsubscribe":
            if subscription is not None:
                services.unsubscribe(subscription, actor=user)
                messages.success(request, _("Unsubscribed: no more digests will be sent."))
            return redirect("account")
    if subscription_form is None:
        if subscription is not None:
            subscription_form = SubscriptionForm(
                initial={
                    "countries": [c.iso2 for c in subscription.countries.all()],
                    "measures": [str(m.number) for m in subscription.measures.all()],
                    "initiatives": [i.slug for i in subscription.initiatives.all()],
                    "language": subscription.language,
                    "paused": subscription.paused,
                    "version": subscription.version,
                },
                user=user,
            )
        else:
            subscription_form = SubscriptionForm(
                initial={"language": request.LANGUAGE_CODE[:2]}, user=user
            )
    tokens_list = list(AuthToken.objects.filter(user=user).order_by("-created"))
    viewer = viewer_for(user)
    return render(
        request,
        "measures/account.html",
        {
            "tokens": tokens_list,
            "new_token": new_token,
            "token_form": token_form,
            "subscription": subscription,
            "subscription_form": subscription_form,
            "viewer": viewer,
            "now": timezone.now(),
        },
    )
