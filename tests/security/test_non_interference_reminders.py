"""Non-interference for the weekly reminders: nothing an editor or admin may
not see changes the reminder they are sent — subject, counts, bodies,
headers, whether it is sent at all — and what they may see still does.

Each observation runs the real job (``send_reminders``) against the
aiosmtpd server of tests/smtp.py and keeps every recipient's mail as bytes
on the wire (the ``Date`` and the random MIME boundary masked) with the
state of their delivery. Then someone writes above them: assessments
releasable to Spain only that would make cells current, due, overdue or
escalated; a proposal marked so; a public proposal and a public
assessment in a country outside the editors' scope. Byte for byte the same.
"""

import datetime
import email
import email.policy
import re

import pytest

from digests.models import ReminderDelivery
from measures.models import Cell
from tests.canaries import plant
from tests.digests.reminder_weeks import MONDAY, due_in, editor, escalate, propose, send
from tests.factories import assess, cell_at, make_user, marking

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

MASKS = [
    # The time the mail was made.
    (re.compile(rb"^Date: .*$", re.M), b"Date: *"),
    # A multipart mail's boundary is random.
    (re.compile(rb'boundary="[^"]+"'), b'boundary="*"'),
    (re.compile(rb"^--=+[0-9]+=*(--)?$", re.M), b"--*"),
]


def mask(data):
    for pattern, replacement in MASKS:
        data = pattern.sub(replacement, data)
    return data


def observe(smtp, viewers):
    """Each viewer's reminder for the week, as sent: (delivery state, bytes)."""
    ReminderDelivery.objects.all().delete()
    smtp.sink.messages.clear()
    send()
    mails = {m["To"]: m for m in smtp.sink.messages}
    states = dict(ReminderDelivery.objects.values_list("user__username", "state"))
    seen = {}
    for name, user in viewers.items():
        mail = mails.get(user.email)
        seen[name] = (states.get(user.username), mail and mask(mail.as_bytes()))
    return seen


@pytest.fixture
def world(users):
    """What the viewers may see: France with an overdue cell, a due one and a
    public proposal; Morocco's seeded cells for the editors of Morocco."""
    cells = cells_of("FR")
    author = editor("author_fr")
    due_in(users.admin, cells[0], -4)
    due_in(users.admin, cells[1], 2)
    propose(author, cells[2])
    viewers = {
        "editor_fr": editor("editor_fr"),
        "editor_dz_ma": users.editor,
        "editor_ma_confidential": users.confidential_editor,
        "admin_fr": make_user(
            "admin_fr",
            role="admin",
            clearance="confidential",
            countries=["FR"],
            affiliations=["nato", "MA"],
        ),
        "quiet_editor": editor("quiet_it", countries=["IT"]),
    }
    return {"cells": cells, "viewers": viewers, "admin": users.admin}


def hidden_writes(world):
    """Everything written releasable to Spain only (no viewer is affiliated
    with Spain), aimed at what the viewers' reminders say."""
    writer = make_user("writer_es", role="admin", clearance="confidential", affiliations=["ES"])
    spain_only = marking("confidential", "ES")
    cells = world["cells"]
    # Overdue for the viewers; current for whoever may see this.
    plant(writer, cells[0], "implemented", MONDAY, marking=spain_only)
    # Due this week, overdue, escalated — for whoever may see them.
    due_in(writer, cells[3], 2, marking=spain_only)
    due_in(writer, cells[4], -20, marking=spain_only)
    escalate(writer, cells[5], marking=spain_only)
    escalate(writer, cell_at(6, "MA"), marking=spain_only)
    # A proposal the viewers may not see, in their own country.
    author = editor("author_es", clearance="confidential", affiliations=["ES"])
    propose(author, cells[6], marking_=spain_only)
    # And the Italian editor's own country: a hidden assessment makes a cell due.
    due_in(writer, cells_of("IT")[0], 1, marking=spain_only)


def out_of_scope_writes(world):
    """Public, but in Spain: no editor of the viewers may record or review there."""
    spain = cells_of("ES")
    spanish_editor = editor("editor_es", countries=["ES"])
    propose(spanish_editor, spain[0])
    escalate(world["admin"], spain[1])


def cells_of(country):
    return list(
        Cell.objects.filter(country_id=country, partner__isnull=True)
        .select_related("measure")
        .order_by("measure__number")
    )


def plain(observation):
    """The text part of an observed reminder."""
    return (
        email.message_from_bytes(observation[1], policy=email.policy.default)
        .get_body(("plain",))
        .get_content()
    )


def test_hidden_writes_change_nothing_in_any_reminder(smtp, world):
    # Cleared for Spain: the writes are aimed well, they change *this* reminder.
    seer = editor("seer_fr", clearance="confidential", affiliations=["ES"])
    viewers = {**world["viewers"], "seer": seer}
    before = observe(smtp, viewers)
    assert before["editor_fr"][0] == "sent" and before["quiet_editor"][0] == "skipped"
    assert "1 awaiting your review" in plain(before["editor_fr"])
    hidden_writes(world)
    after = observe(smtp, viewers)
    changed = sorted(name for name in viewers if before[name] != after[name])
    assert changed == ["seer"]


def test_writes_outside_an_editors_scope_change_nothing_for_them_and_reach_admins(smtp, world):
    viewers = world["viewers"]
    before = observe(smtp, viewers)
    out_of_scope_writes(world)
    after = observe(smtp, viewers)
    changed = sorted(name for name in viewers if before[name] != after[name])
    # An admin reviews anywhere and hears of every escalation they may see.
    assert changed == ["admin_fr"]
    assert "2 awaiting your review" in plain(after["admin_fr"])


def test_what_a_viewer_may_see_still_changes_their_reminder(smtp, world):
    viewers = world["viewers"]
    before = observe(smtp, viewers)
    assess(world["admin"], world["cells"][0], "partial", MONDAY - datetime.timedelta(days=1))
    after = observe(smtp, viewers)
    for name in ("editor_fr", "admin_fr"):
        assert before[name] != after[name]
    assert "0 overdue · 1 due this week" in plain(after["editor_fr"])
