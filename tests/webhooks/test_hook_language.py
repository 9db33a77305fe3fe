"""A webhook's mail to its owner is in the owner's language: the language of
the request that registered the hook (Accept-Language, or the admin's own
in the admin), or the ``language`` it was given; the mail saying the hook
was disabled is written in it, whatever language the worker runs in."""

import pytest
from django.utils import translation

from tests.api_helpers import assert_error, url
from tests.api_helpers import client as api_client
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_admin_register import ADD, HOOK, form
from tests.webhooks.test_webhook_delivery import public_write
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def register(user, accept_language, **fields):
    return api_client(user).post(
        url("webhooks/"),
        {"url": HOOK, **fields},
        format="json",
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )


@pytest.mark.smtp
def test_a_hook_registered_in_french_mails_its_owner_in_french(users, settings, smtp, pushed):
    settings.CBM_WEBHOOK_MAX_FAILURES = 1
    with Receiver(default=500) as down:
        french = register(users.french_analyst, "fr", url=down.url + "/fr")
        english = register(users.reader, "en", url=down.url + "/en")
        assert (french.status_code, english.status_code) == (201, 201), french.content
        assert (french.json()["language"], english.json()["language"]) == ("fr", "en")
        # The worker runs in the site's language; each mail is in its hook's.
        with translation.override("en"):
            pushed(public_write, users)

    mails = {mail["To"]: mail for mail in smtp.sink.messages}
    assert set(mails) == {users.french_analyst.email, users.reader.email}
    fr_hook, en_hook = (Webhook.objects.get(public_id=r.json()["id"]) for r in (french, english))
    assert not fr_hook.active and not en_hook.active

    mail = mails[users.french_analyst.email]
    assert mail["Subject"].strip() == f"Votre webhook a été désactivé : {fr_hook.url}"
    text = mail.get_body().get_content()
    assert "a été désactivé après 1 livraisons échouées d’affilée." in text
    assert "Motif : Le récepteur a répondu 500." in text
    assert "Rien n’est perdu" in text and f"/api/v1/webhooks/{fr_hook.public_id}/" in text
    assert "disabled" not in text and "Reason" not in text

    mail = mails[users.reader.email]
    assert mail["Subject"] == f"Your webhook was disabled: {en_hook.url}"
    text = mail.get_body().get_content()
    assert "was disabled after 1 failed deliveries in a row." in text
    assert "Reason: The receiver answered 500." in text and "Nothing is lost" in text


def test_a_language_given_wins_an_unknown_one_is_refused_and_the_admin_offers_its_own(
    users, client
):
    given = register(users.reader, "fr", language="en")
    assert given.status_code == 201 and given.json()["language"] == "en"
    assert_error(register(users.reader, "fr", language="de"), 400, "language")

    path = url(f"webhooks/{given.json()['id']}/")
    owner = api_client(users.reader)
    etag = owner.get(path)["ETag"]
    refused = owner.patch(path, {"language": "xx"}, format="json", HTTP_IF_MATCH=etag)
    assert assert_error(refused, 400, "language")["fields"]["language"] == [
        '"xx" is not a valid choice.'
    ]
    changed = owner.patch(path, {"language": "fr"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["language"] == "fr"

    # The admin's add form offers the admin's own language, and keeps the one chosen.
    client.force_login(users.admin)
    page = client.get(ADD, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="fr" selected>' in page
    assert client.post(ADD, form(users.analyst, language="fr")).status_code == 302
    assert Webhook.objects.get(owner=users.analyst).language == "fr"
