"""Non-interference: nothing a viewer can observe changes when someone writes
what they may not see — and what they may see still changes as it should.

For each viewer we record *every observation* they can make: every GET
operation of the OpenAPI schema (JSON and CSV, with ``as_of`` and
``compare_to`` variants, and probes naming rows that do not exist yet), every
page of the change feed, every web page they reach from the overview with
its CSV downloads, the admin pages for staff, and the digest they would be
sent — status, headers and bodies. Then someone writes, above the viewer,
everything the tracker lets them write (evidence and a source, re-marked up
and down, linked, retracted; assessments, one retracted; a marked initiative
and membership; grants, tokens and subscriptions of other users), and we
observe again: byte for byte the same, once the few values that vary with
every response anyway are masked (``MASKS`` names each and why).

The probes are the sharpest part: before the writes they name rows that do
not exist (a random evidence id, an unknown slug); after, the same keys name
the rows just written above the viewer. Hidden and unknown must read the same.
"""

import collections
import datetime
import email
import functools
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countries.models import Country, Initiative, Membership
from digests import delivery, periods
from digests import services as digest_services
from digests.models import DigestDelivery, Subscription
from measures import services
from measures.models import Assessment, Cell, Evidence, Indicator, Source
from tests.api_helpers import client
from tests.factories import cell_at, make_user, marking
from webhooks import services as webhook_services
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


D = datetime.date

# Values that differ between any two responses, whatever was written, and why
# masking them hides nothing written:
MASKS = [
    # The time a response or mail was made.
    (re.compile(rb"^Date: .*$", re.M), b"Date: *"),
    # A fresh CSRF token in every form and cookie (Django rotates the mask).
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'), b'name="csrfmiddlewaretoken"'),
    (re.compile(rb"csrftoken=[A-Za-z0-9]+"), b"csrftoken=*"),
    # The CSP nonce, new for every response by design.
    (re.compile(rb'nonce="[^"]+"'), b'nonce="*"'),
    (re.compile(rb"'nonce-[^']+'"), b"'nonce-*'"),
    # The request id, new for every request (logs and errors quote it).
    (re.compile(rb"X-Request-ID: .*$", re.M), b"X-Request-ID: *"),
    (re.compile(rb'"request_id": ?"[^"]*"'), b'"request_id": "*"'),
    # A mail's unsubscribe token is signed with the time it was made.
    (re.compile(rb"unsubscribe/[A-Za-z0-9:_\-]+"), b"unsubscribe/*"),
    (re.compile(rb"Message-ID: .*$", re.M), b"Message-ID: *"),
    # A multipart mail's boundary is random.
    (re.compile(rb'boundary="[^"]+"'), b'boundary="*"'),
]
# Headers that carry one of the above and nothing else (``Expires`` is the
# response's own time on pages that must not be cached).
TIME_HEADERS = {"date", "expires", "x-request-id", "set-cookie"}

# Who looks. Two staff users see the admin too.
VIEWERS = [
    "reader",
    "restricted_reader",
    "nato_reader",
    "french_reader",
    "editor",
    "analyst",
]


def mask(data):
    for pattern, replacement in MASKS:
        data = pattern.sub(replacement, data)
    return data


def response_bytes(response):
    headers = sorted((k.lower(), v) for k, v in response.items() if k.lower() not in TIME_HEADERS)
    head = "\n".join(f"{k}: {v}" for k, v in headers).encode()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return mask(b"%d\n%s\n\n%s" % (response.status_code, head, body))


# --- the world: viewers, targets, probes ---------------------------------------------


class World:
    """The seeded tracker plus the viewers and the rows the writes aim at."""

    def __init__(self, users):
        self.users = users
        self.viewers = {
            "reader": users.reader,
            "restricted_reader": users.restricted_reader,
            "nato_reader": make_user(
                "reader_nato", role="reader", clearance="confidential", affiliations=["nato"]
            ),
            "french_reader": make_user(
                "reader_fr", role="reader", clearance="confidential", affiliations=["FR"]
            ),
            "editor": users.editor,
            "analyst": users.analyst,
        }
        for user in self.viewers.values():
            digest_services.subscribe(user, language="en")
            webhook_services.create_webhook(user, url="http://127.0.0.1:9/hook")
        # The writer is cleared for what none of the viewers may see: material
        # releasable to Spain only (no viewer is affiliated with Spain).
        self.writer = make_user(
            "writer_es", role="admin", clearance="confidential", affiliations=["ES"]
        )
        self.bystander = make_user("bystander", role="reader", clearance="public")
        self.targets = [cell_at(6, "MA"), cell_at(17, "DZ")]
        self.public_evidence = Evidence.objects.filter(marking__key="public").order_by("pk")[0]
        self.public_assessment = Assessment.objects.filter(marking__key="public").order_by("pk")[0]
        # Probes: names of rows that do not exist before the writes and are
        # hidden from the viewer after them.
        self.probes = {
            "evidence": str(uuid.uuid4()),
            "assessment": str(uuid.uuid4()),
            "initiative": "ni-hidden-initiative",
            "source": "ni-hidden-source",
            "reply": str(uuid.uuid4()),
            "proposal": str(uuid.uuid4()),
            "token": uuid.uuid4().hex[:15],
        }

    def hidden_markings(self, name):
        """Two markings above ``name``'s head: plain levels for a public reader,
        releasable to Spain only for everyone cleared higher."""
        if name == "reader":
            return marking("restricted"), marking("confidential")
        return marking("restricted", "ES"), marking("confidential", "ES")


@pytest.fixture
def world(users):
    return World(users)


# --- observations --------------------------------------------------------------------


@functools.cache
def get_operations():
    """The schema's GET paths (generating the schema takes a second or two;
    the URLs do not change within a run)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return tuple(t for t, operations in schema["paths"].items() if "get" in operations)


def api_paths(world, name):
    """Every GET operation of the schema, with its path parameters filled, in
    JSON and CSV, and the variants that replay or compare history."""
    user = world.viewers[name]
    own = Subscription.objects.filter(user=user).values_list("pk", flat=True).first()
    hook = Webhook.objects.filter(owner=user).values_list("public_id", flat=True).first()
    fill = {
        "iso2": ["MA"],
        "number": ["6", "2"],
        "slug": ["5plus5", world.probes["initiative"]],
        "key": ["000", world.probes["source"]],
    }
    by_resource = {
        "assessments": [str(world.public_assessment.public_id), world.probes["assessment"]],
        "evidence": [str(world.public_evidence.public_id), world.probes["evidence"]],
        "cells": [str(c.pk) for c in world.targets],
        "statuses": [str(c.pk) for c in world.targets],  # the deprecated name of cells/
        "subscriptions": [str(own)],
        "webhooks": [str(hook)],
        "proposals": [world.probes["proposal"]],
        "indicators": ["*"],
        "replies": [world.probes["reply"]],
        "tokens": [world.probes["token"]],
    }
    paths = []
    for template in get_operations():
        if template.endswith("/changes/"):
            continue
        found = re.search(r"\{(\w+)\}", template)
        if not found:
            paths.append(template)
            continue
        resource = template.split("/")[3]
        values = by_resource.get(resource) or fill[found.group(1)]
        if values == ["*"]:
            values = [Indicator.objects.order_by("slug").values_list("slug", flat=True)[0]]
        paths += [template.replace(found.group(0), v) for v in values]
    variants = []
    for path in paths:
        query = "?page_size=1000" if not re.search(r"/[^/]+/[^/]+/$", path[7:]) else "?"
        variants += [path + query, path + query + "&format=csv"]
        if "/scorecards/" in path:
            variants += [
                path + "?as_of=2011-06-30",
                path + "?compare_to=2011-01-01",
                path + "?as_of=2013-06-01&compare_to=2011-01-01&format=csv",
            ]
    variants += [
        "/api/v1/cells/?country=MA&measure=6",
        "/api/v1/statuses/?country=MA&measure=6",
        "/api/v1/evidence/?country=MA&page_size=1000",
        "/api/v1/assessments/?country=MA&measure=6",
    ]
    return variants


def probe_key(world, path):
    """Observations are keyed by what they ask for: a probe's key names the
    probe, not the id, so that "unknown" before and "hidden" after compare."""
    for label, value in world.probes.items():
        path = path.replace(value, f"<{label}>")
    return path


def resolve_probe(world, key):
    for label, value in world.probes.items():
        key = key.replace(f"<{label}>", value)
    return key


def observe_api(world, name, api, keys):
    seen = {}
    for key in keys:
        seen[key] = response_bytes(api.get(resolve_probe(world, key)))
    # The change feed, page by page, by its cursors.
    cursor, page = "0", 0
    while True:
        response = api.get(f"/api/v1/changes/?since={cursor}&limit=200")
        seen[f"changes#{page}"] = response_bytes(response)
        body = response.json()
        if response.status_code != 200 or not body["results"]:
            break
        cursor, page = body["next"], page + 1
    return seen


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


SKIP = ("/admin/", "/api/", "/i18n/", "/accounts/", "/static/", "/healthz", "#")
# Detail pages there are many of, all alike (one view, one template each):
# those the targets' pages and the start's detail pages link to are always
# visited, and beyond them the first few of each kind in crawl order stand
# for the rest — as the targets' cell pages stand for a thousand cells. A
# hidden write shows, if anywhere, on the pages of what it touched (all
# linked from the targets or named by a probe) or on a page every detail
# page shares (nav, counts), which the visited ones carry too.
ALIKE = ("/evidence/", "/sources/", "/initiatives/", "/countries/", "/measures/")
ALIKE_BUDGET = 3


def alike_kind(path):
    base = path.partition("?")[0]
    return next((k for k in ALIKE if base.startswith(k) and len(base) > len(k)), None)


def crawl(world, name, browser, start):
    """Every page reachable from ``start`` but the many alike (``ALIKE``):
    no cell pages but the targets', no query strings but CSV downloads."""
    targets = {f"/cells/{c.pk}/" for c in world.targets}
    roots = targets | {p for p in start if alike_kind(p)}
    admitted, budget = set(), collections.Counter()
    queue, seen = list(start), {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        response = browser.get(resolve_probe(world, path))
        seen[path] = response_bytes(response)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.links:
            if not href.startswith("/") or href.startswith(SKIP):
                continue
            href = probe_key(world, href.partition("#")[0])
            base, _, query = href.partition("?")
            if query and "format=csv" not in query:
                continue
            if base.startswith("/cells/") and base not in targets:
                continue
            kind = alike_kind(base)
            if kind and base not in admitted:
                if path.partition("?")[0] not in roots:
                    if budget[kind] >= ALIKE_BUDGET:
                        continue
                    budget[kind] += 1
                admitted.add(base)
            if href not in seen:
                queue.append(href)
    return seen


def observe_pages(world, name):
    browser = Client()
    browser.force_login(world.viewers[name])
    start = [
        "/",
        "/?as_of=2011-06-30",
        "/account/",
        *(f"/cells/{c.pk}/" for c in world.targets),
        f"/evidence/{world.public_evidence.public_id}/",
        "/evidence/<evidence>/",
        "/sources/<source>/",
        "/initiatives/<initiative>/",
    ]
    seen = crawl(world, name, browser, start)
    if world.viewers[name].is_staff:
        seen.update(observe_admin(world, browser))
    return seen


def observe_admin(world, browser):
    """The admin index, every changelist it links to, and the targets' pages."""
    index = browser.get("/admin/")
    seen = {"/admin/": response_bytes(index)}
    parser = Links()
    parser.feed(index.content.decode())
    lists = sorted({h for h in parser.links if re.fullmatch(r"/admin/\w+/\w+/", h)})
    extra = [
        *(f"/admin/measures/cell/{c.pk}/change/" for c in world.targets),
        f"/admin/measures/evidence/{world.public_evidence.public_id}/change/",
        "/admin/measures/evidence/<evidence>/change/",
        "/admin/measures/changerecord/?q=ni-",
    ]
    for path in [*lists, *extra]:
        seen[path] = response_bytes(browser.get(resolve_probe(world, path)))
    return seen


def observe_digest(world, name):
    """The digest the viewer would be sent for this week, as bytes on the wire."""
    subscription = Subscription.objects.get(user=world.viewers[name])
    period = periods.last_complete_period(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
    )
    [(_delivery, message)] = delivery.build_messages(
        [DigestDelivery(subscription=subscription, period=period)], period
    )
    if message is None:
        return {"digest": b"(none)"}
    raw = message.message().as_bytes()
    parsed = email.message_from_bytes(raw)
    parts = b"\n".join(
        part.get_payload(decode=True) for part in parsed.walk() if not part.is_multipart()
    )
    head = b"\n".join(
        f"{k}: {v}".encode() for k, v in sorted(parsed.items()) if k.lower() != "date"
    )
    return {"digest": mask(head + b"\n\n" + parts)}


def observe(world, name, keys):
    api = client(world.viewers[name])
    return {
        **observe_api(world, name, api, keys),
        **observe_pages(world, name),
        **observe_digest(world, name),
    }


# --- the writes ----------------------------------------------------------------------


def hidden_writes(world, name):
    """Everything the tracker lets someone write, above ``name``'s head."""
    low, high = world.hidden_markings(name)
    writer = world.writer
    first, second = world.targets
    source = services.save_source(
        writer,
        Source(
            key=world.probes["source"],
            title="A report only Spain may read",
            language="en",
            published_on=D(2012, 1, 1),
            published_precision="year",
            marking=low,
        ),
    )
    evidence = services.create_evidence(
        writer,
        source=source,
        occurred_on=D(2012, 3, 1),
        locator="p. 1",
        direction="supports",
        source_reliability="B",
        information_credibility="2",
        summary_en="ni- hidden fact",
        cells=[first],
        marking=low,
    )
    # From now on the probes name the rows just written.
    world.probes["evidence"] = str(evidence.public_id)
    evidence = services.remark_evidence(writer, evidence, high, expected_version=1)  # up
    evidence = services.remark_evidence(writer, evidence, low, expected_version=2)  # down
    evidence = services.attach_evidence(writer, evidence, expected_version=3, cells=[second])
    assessment = services.record_assessment(
        writer,
        first,
        level="implemented",
        effective_on=D(2012, 3, 1),
        expected_version=first.version_for(writer),
        rationale_en="ni- hidden assessment",
        evidence=[evidence],
        marking=low,
    )
    world.probes["assessment"] = str(assessment.public_id)
    wrong = services.record_assessment(
        writer,
        second,
        level="suspended",
        effective_on=D(2013, 1, 1),
        expected_version=second.version_for(writer),
        rationale_en="ni- hidden, then retracted",
        marking=high,
    )
    services.retract_assessment(
        writer, wrong, reason="ni- wrong", expected_version=second.version_for(writer)
    )
    other = services.create_evidence(
        writer,
        source=source,
        occurred_on=D(2012, 4, 1),
        locator="p. 2",
        direction="undermines",
        source_reliability="C",
        information_credibility="3",
        summary_en="ni- hidden, then retracted",
        cells=[second],
        marking=high,
    )
    services.retract_evidence(writer, other, reason="ni- wrong", expected_version=1)
    initiative = services.save_reference(
        writer,
        Initiative(
            slug=world.probes["initiative"],
            name_en="A hidden initiative",
            name_fr="Une initiative cachée",
            kind=Initiative._meta.get_field("kind").choices[0][0],
            started_on=D(2012, 1, 1),
            start_precision="year",
            marking=low,
            cite_source=source,
            cite_locator="p. 1",
        ),
    )
    services.save_reference(
        writer,
        Membership(
            country=Country.objects.get(pk="MA"),
            initiative=initiative,
            role="member",
            start=D(2012, 1, 1),
            start_precision="year",
            marking=low,
            cite_source=source,
            cite_locator="p. 1",
        ),
    )
    # Accounts: grants, a token, a subscription and a webhook of someone else.
    services.grant(writer, world.bystander, role="editor", clearance="restricted", countries=["TN"])
    row, _token = services.issue_token(world.bystander, 30, name="ni- hidden token")
    world.probes["token"] = row.token_key
    digest_services.subscribe(world.bystander, language="fr")
    webhook_services.create_webhook(world.bystander, url="http://127.0.0.1:9/other")


def visible_write(world):
    """A public assessment: everyone sees it."""
    first = world.targets[0]
    services.record_assessment(
        world.writer,
        first,
        level="agreed",
        effective_on=D(2014, 1, 1),
        expected_version=first.version_for(world.writer),
        rationale_en="A public step everyone may see.",
        marking=marking("public"),
    )


def differences(before, after):
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# --- the proof -----------------------------------------------------------------------


@pytest.mark.parametrize("name", VIEWERS)
def test_writes_a_viewer_may_not_see_change_nothing_they_observe(world, name):
    """Also the proof that the masks are enough: anything an observation
    carries that moves by itself (a time, a request id) would differ here.
    The tests below prove they hide nothing a visible write changes."""
    keys = [probe_key(world, p) for p in api_paths(world, name)]
    before = observe(world, name, keys)
    assert len(before) > 100  # every API read, feed page, page, CSV and the digest

    hidden_writes(world, name)

    after = observe(world, name, keys)
    assert differences(before, after) == []


@pytest.mark.parametrize("name", ["reader", "french_reader", "editor"])
def test_writes_a_viewer_may_see_do_change_what_they_observe(world, name):
    keys = [probe_key(world, p) for p in api_paths(world, name)]
    before = observe(world, name, keys)

    visible_write(world)

    changed = differences(before, observe(world, name, keys))
    target = world.targets[0].pk
    assert f"/api/v1/cells/{target}/?" in changed  # its level, version and ETag
    assert f"/api/v1/statuses/{target}/?" in changed  # the same, under the deprecated path
    assert "/api/v1/scorecards/matrix/?" in changed
    assert f"/cells/{target}/" in changed
    assert "digest" in changed


OPS = st.lists(
    st.sampled_from(["evidence", "remark", "assessment", "retraction", "grant"]),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS, target=st.sampled_from([0, 1]), level=st.sampled_from([0, 1]))
def test_any_batch_of_hidden_writes_changes_nothing_a_french_reader_sees(world, ops, target, level):
    """Generated batches, observed through the API and the feed (the pages and
    mails are covered above; this explores orders and mixes of writes)."""
    name = "french_reader"
    api = client(world.viewers[name])
    keys = [probe_key(world, p) for p in api_paths(world, name)]
    before = observe_api(world, name, api, keys)
    chosen = world.hidden_markings(name)[level]
    cells = world.targets
    writer = world.writer
    source = Source.objects.get(key="000")
    made = []
    for op in ops:
        cell_ = Cell.objects.get(pk=cells[target].pk)
        if op == "evidence" or (op in ("remark",) and not made):
            made.append(
                services.create_evidence(
                    writer,
                    source=source,
                    occurred_on=D(2012, 5, 1),
                    locator="p. 9",
                    direction="supports",
                    source_reliability="B",
                    information_credibility="2",
                    summary_en="generated hidden fact",
                    cells=[cell_],
                    marking=chosen,
                )
            )
        elif op == "remark":
            item = Evidence.objects.get(pk=made[-1].pk)
            other = world.hidden_markings(name)[1 - level]
            if not other.covers(chosen):
                other = chosen
            services.remark_evidence(writer, item, other, expected_version=item.version)
        elif op in ("assessment", "retraction"):
            done = services.record_assessment(
                writer,
                cell_,
                level="partial",
                effective_on=D(2015, 1, 1),
                expected_version=cell_.version_for(writer),
                rationale_en="generated",
                marking=world.hidden_markings(name)[1],
            )
            if op == "retraction":
                services.retract_assessment(
                    writer, done, reason="generated", expected_version=cell_.version_for(writer)
                )
        else:
            services.grant(writer, world.bystander, role="reader", clearance="restricted")
    assert differences(before, observe_api(world, name, api, keys)) == []
