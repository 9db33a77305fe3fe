"""One rule decides who sees what: clearance, releasable-to, and nothing else."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from measures.access import access_snapshot, viewer_for
from measures.models import Assessment, Cell, Evidence, Source, UserProfile
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


def test_a_public_reader_never_sees_the_confidential_nato_cable(users):
    cable = Source.objects.get(key="001")
    assert cable.marking.key == "confidential:MA,nato"
    assert not Source.objects.visible_to(users.reader).filter(pk=cable.pk).exists()
    assert not Evidence.objects.visible_to(users.reader).filter(source=cable).exists()
    assert not Assessment.objects.visible_to(users.reader).filter(marking__rank=2).exists()


def test_confidential_evidence_is_seen_only_by_cleared_viewers_it_is_releasable_to(users):
    from_cable = Evidence.objects.filter(source__key="001")
    assert from_cable.exists()
    seen = {
        name: Evidence.objects.visible_to(user).filter(source__key="001").count()
        for name, user in [
            ("restricted_reader", users.restricted_reader),
            ("nato_analyst", users.analyst),
            ("moroccan_analyst", users.moroccan_analyst),
            ("french_analyst", users.french_analyst),  # cleared, but not releasable to France
        ]
    }
    assert seen == {
        "restricted_reader": 0,
        "nato_analyst": from_cable.count(),
        "moroccan_analyst": from_cable.count(),
        "french_analyst": 0,
    }


def test_restricted_evidence_needs_restricted_clearance(users):
    item = EvidenceFactory(source=SourceFactory(marking=marking("restricted")))
    assert not Evidence.objects.visible_to(users.reader).filter(pk=item.pk).exists()
    assert Evidence.objects.visible_to(users.restricted_reader).filter(pk=item.pk).exists()


def test_a_cell_is_computed_only_from_what_the_viewer_can_see(users):
    cell = cell_at(4, "MA")  # no seeded assessment
    assess(users.editor, cell, "under_discussion", D(2010, 12, 1))
    secret = EvidenceFactory(
        source=SourceFactory(marking=marking("confidential", "MA")), cells=[cell]
    )
    assess(users.confidential_editor, cell, "partial", D(2011, 6, 1), evidence=[secret])

    def level(user, **kwargs):
        return Cell.objects.with_level(user, **kwargs).get(pk=cell.pk).level

    assert level(users.reader) == "under_discussion"
    assert level(users.moroccan_analyst) == "partial"
    assert level(users.french_analyst) == "under_discussion"
    assert level(users.moroccan_analyst, as_of=D(2011, 1, 1)) == "under_discussion"
    assert level(users.reader, as_of=D(2010, 1, 1)) == "no_evidence"


def test_the_latest_assessment_wins_by_effective_date_then_recording_time(users):
    cell = cell_at(11, "TN")
    assess(users.admin, cell, "agreed", D(2012, 1, 1))
    assess(users.admin, cell, "under_discussion", D(2011, 1, 1))  # history filled in later
    assert Cell.objects.with_level(users.reader).get(pk=cell.pk).level == "agreed"
    assess(users.admin, cell, "suspended", D(2012, 1, 1))  # same day, recorded later
    assert Cell.objects.with_level(users.reader).get(pk=cell.pk).level == "suspended"


def test_anonymous_visitors_see_nothing_unless_public_read_is_on(settings, users):
    settings.CBM_PUBLIC_READ = False
    assert not Evidence.objects.visible_to(AnonymousUser()).exists()
    settings.CBM_PUBLIC_READ = True
    visible = Evidence.objects.visible_to(AnonymousUser())
    assert visible.exists()
    assert not visible.exclude(marking__level="public").exists()


def test_a_deactivated_user_sees_nothing(users):
    users.analyst.is_active = False
    users.analyst.save()
    users.analyst.refresh_from_db()
    assert not Evidence.objects.visible_to(users.analyst).exists()


def test_viewers_who_see_the_same_data_share_a_visibility_key(users):
    keys = {
        name: viewer_for(getattr(users, name)).key
        for name in ("reader", "analyst", "moroccan_analyst", "french_analyst")
    }
    assert len(set(keys.values())) == 4
    assert viewer_for(AnonymousUser()).key == "none"


def test_every_profiles_access_snapshot_matches_its_role_clearance_and_links(users):
    """The Viewer is built from ``UserProfile.access``; grant keeps it equal to the
    rows it summarises (the only writer of those rows)."""

    profiles = UserProfile.objects.select_related("user").exclude(user__username="system")
    assert profiles.count() >= 6
    for profile in profiles:
        roles = profile.user.groups.values_list("name", flat=True)
        assert profile.access == access_snapshot(profile, roles), profile
