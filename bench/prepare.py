"""Build a benchmark data set in a database of its own (idempotent).

    .venv/bin/python bench/prepare.py --engine postgres --dataset 200
    .venv/bin/python bench/prepare.py --engine sqlite --dataset 50
    .venv/bin/python bench/prepare.py --engine postgres --dataset digest

Data sets ``200`` and ``50``: migrate, seed, then ``manage.py synth`` with
the sizes of bench/common.py DATASETS (the same bulk, audited path as the
seed), two benchmark users, and for ``200`` the change-feed history: 10^5
small revisions of two audit records each (what 10^5 ordinary writes leave
behind), written straight into the audit table — the synthetic data itself is
one giant revision, which says nothing about paging a feed.

Data set ``digest``: the seed data, one week of news recorded through the
services (the week the benchmark sends), and 10,000 subscribers with mixed
clearances, languages and follows.
"""

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

FEED_REVISIONS = 100_000
SUBSCRIBERS = 10_000


def create_database(engine, name):
    if engine != "postgres":
        return
    import psycopg

    url = common.database_url(engine, name)
    base, dbname = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
            print(f"created database {dbname}")


def step(what):
    print(f"== {what}", flush=True)
    return time.monotonic()


def users():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    User = get_user_model()
    for username, clearance, affiliations in (
        (common.ANALYST, "confidential", "MA,nato"),
        (common.READER, "public", ""),
    ):
        if not User.objects.filter(username=username).exists():
            call_command(
                "grant",
                username,
                "--create",
                "--role",
                "analyst" if clearance == "confidential" else "reader",
                "--clearance",
                clearance,
                "--affiliations",
                affiliations,
                "--email",
                f"{username}@example.org",
            )


def feed_history():
    """10^5 revisions of two audit records each, after everything else."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from measures.models import Assessment, Cell, ChangeRecord, Marking, RevisionCounter
    from measures.services import system_actor

    if ChangeRecord.objects.filter(message="bench feed").exists():
        return
    actor = system_actor()
    rng = random.Random(6)
    markings = [Marking.objects.public()] * 7 + [
        Marking.objects.resolve("restricted"),
        Marking.objects.resolve("confidential"),
        Marking.objects.resolve("confidential", ["MA"]),
    ]
    assessment_type = ContentType.objects.get_for_model(Assessment)
    cell_type = ContentType.objects.get_for_model(Cell)
    now = timezone.now()
    with transaction.atomic():
        first = RevisionCounter.objects.get(pk=1).value + 1
        batch = []
        for i in range(FEED_REVISIONS):
            revision = first + i
            marking = rng.choice(markings)
            common_fields = {
                "revision": revision,
                "time": now,
                "actor": actor,
                "actor_username": actor.username,
                "action": "create",
                "message": "bench feed",
            }
            batch.append(
                ChangeRecord(
                    **common_fields,
                    content_type=assessment_type,
                    object_id=str(10_000_000 + i),
                    object_repr=f"Assessment {i}",
                    marking=marking,
                    after={"level": "agreed", "effective_on": "2024-01-01"},
                )
            )
            batch.append(
                ChangeRecord(
                    **{**common_fields, "action": "update"},
                    content_type=cell_type,
                    object_id=str(rng.randrange(1, 40_000)),
                    object_repr=f"Cell {i}",
                    marking=marking,
                    before={"version": 1},
                    after={"version": 2},
                )
            )
            if len(batch) >= 10_000:
                ChangeRecord.objects.bulk_create(batch)
                batch = []
        ChangeRecord.objects.bulk_create(batch)
        RevisionCounter.objects.filter(pk=1).update(value=first + FEED_REVISIONS - 1)


def news_week():
    """A week of news through the services, so that every subscriber has
    something to read: a public assessment (with evidence) for one cell of
    every country, and restricted ones besides."""
    from countries.models import Country
    from measures import services
    from measures.models import Assessment, Cell, Marking, Source

    if Assessment.objects.filter(rationale_en__startswith="Bench news").exists():
        return
    actor = services.system_actor()
    source = Source.objects.filter(marking=Marking.objects.public()).order_by("pk").first()
    levels = ["under_discussion", "agreed", "partial", "implemented"]
    restricted = Marking.objects.resolve("restricted")
    today = datetime.date.today()
    i = 0
    for k, iso in enumerate(Country.objects.order_by("iso2").values_list("iso2", flat=True)):
        cells = list(
            Cell.objects.filter(country_id=iso, partner__isnull=True).order_by("measure__number")[
                :6
            ]
        )
        cells = cells[k % 5 :][:2] or cells[:2]  # spread the news over a few measures
        for marking, cell in zip([None, restricted], cells, strict=False):
            evidence = services.create_evidence(
                actor,
                source=source,
                occurred_on=today,
                locator="p. 1",
                direction="supports",
                source_reliability="B",
                information_credibility="2",
                summary_en=f"Bench news item {i}",
                cells=[cell],
                marking=marking,
            )
            services.record_assessment(
                actor,
                cell,
                level=levels[i % len(levels)],
                effective_on=today,
                # Versions are per viewer (docs/api.md): the system actor's own.
                expected_version=cell.version_for(actor),
                rationale_en=f"Bench news {i}.",
                evidence=[evidence],
                marking=marking,
            )
            i += 1


def reader_access(clearance):
    """What ``services.grant`` would store for a reader with no affiliation."""
    from measures.choices import MARKING_RANK

    return {
        "clearance_rank": MARKING_RANK[clearance],
        "countries": [],
        "initiatives": [],
        "initiative_slugs": [],
        "roles": ["reader"],
        "scope": [],
    }


def subscribers():
    """10,000 users with a profile and a subscription each, in bulk. Each
    follows everything, two countries or two measures that had public news,
    so each has a digest to get."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from digests.models import Subscription
    from measures.models import Assessment, UserProfile

    User = get_user_model()
    if User.objects.filter(username__startswith="dsub").exists():
        return
    rng = random.Random(7)
    news = Assessment.objects.filter(rationale_en__startswith="Bench news", marking__rank=0)
    countries = sorted(set(news.values_list("cell__country_id", flat=True)))
    measures = sorted(set(news.values_list("cell__measure_id", flat=True)))
    reader = Group.objects.get(name="reader")
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(username=f"dsub{i:05d}", email=f"dsub{i:05d}@example.org", password="!")
                for i in range(SUBSCRIBERS)
            ],
            batch_size=2000,
        )
        made = list(User.objects.filter(username__startswith="dsub").order_by("pk"))
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=reader.pk) for u in made],
            batch_size=2000,
        )
        clearances = [
            rng.choices(["public", "restricted", "confidential"], [7, 2, 1])[0] for _ in made
        ]
        UserProfile.objects.bulk_create(
            [
                # bulk_create bypasses services.grant, which stores the access
                # snapshot the viewers are built from: store it here.
                UserProfile(user=u, clearance=c, access=reader_access(c))
                for u, c in zip(made, clearances, strict=True)
            ],
            batch_size=2000,
        )
        Subscription.objects.bulk_create(
            [Subscription(user=u, language=rng.choices(["en", "fr"], [4, 1])[0]) for u in made],
            batch_size=2000,
        )
        follows_c, follows_m = [], []
        through_c, through_m = Subscription.countries.through, Subscription.measures.through
        for pk in Subscription.objects.filter(user__in=made).values_list("pk", flat=True):
            kind = rng.random()
            if kind < 0.4:
                follows_c += [
                    through_c(subscription_id=pk, country_id=c) for c in rng.sample(countries, 2)
                ]
            elif kind < 0.6:
                follows_m += [
                    through_m(subscription_id=pk, measure_id=m)
                    for m in rng.sample(measures, min(2, len(measures)))
                ]
        through_c.objects.bulk_create(follows_c, batch_size=5000)
        through_m.objects.bulk_create(follows_m, batch_size=5000)


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--dataset", choices=sorted(common.DATASETS), required=True)
    args = parser.parse_args()
    create_database(args.engine, args.dataset)
    common.setup(args.engine, args.dataset)
    from django.core.management import call_command

    from measures.models import Source

    started = step(f"migrate + seed ({common.database_url(args.engine, args.dataset)})")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed", verbosity=0)
    sizes = common.DATASETS[args.dataset]
    if sizes and not Source.objects.filter(key="synthetic").exists():
        t = step(f"synth {sizes}")
        call_command("synth", *[f"--{k}={v}" for k, v in sizes.items()])
        print(f"   synth took {time.monotonic() - t:.0f} s")
    users()
    if args.dataset == "200":
        t = step(f"change-feed history ({FEED_REVISIONS} revisions)")
        feed_history()
        print(f"   took {time.monotonic() - t:.0f} s")
    if args.dataset == "digest":
        t = step(f"a week of news and {SUBSCRIBERS} subscribers")
        news_week()
        subscribers()
        print(f"   took {time.monotonic() - t:.0f} s")
    step("ANALYZE")
    analyze()
    print(f"ready in {time.monotonic() - started:.0f} s: {args.engine} data set {args.dataset}")


if __name__ == "__main__":
    main()
