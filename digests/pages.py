"""Subscription links from mails: they work without logging in, as the signed
token is the authority, and a GET never changes anything (mail scanners follow
links), only the POST does."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services, signed_links


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscription = signed_links.subscription_for(token, signed_links.UNSUBSCRIBE)
    if subscription is None:
        return render(request, "digests/subscription_link.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.unsubscribe(subscription)
        return render(request, "digests/subscription_link.html", {"done": "unsubscribed"})
    return render(
        request,
        "digests/subscription_link.html",
        {"ask": "unsubscribe", "recipient": subscription.recipient},
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    subscription = signed_links.subscription_for(token, signed_links.CONFIRM)
    if subscription is None or subscription.user_id is not None:
        return render(request, "digests/subscription_link.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.confirm_subscription(subscription)
        return render(request, "digests/subscription_link.html", {"done": "confirmed"})
    return render(
        request,
        "digests/subscription_link.html",
        {"ask": "confirm", "recipient": subscription.recipient},
    )
