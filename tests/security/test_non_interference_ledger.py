"""Non-interference for the disclosure ledger: recording that someone received
marked rows must move nothing anyone else observes — no body, header, ETag,
count or revision — since the ledger takes no revision and touches no
audience (``AudienceRevision``). Only admins read it (test_disclosure_ledger.py).

The "hidden write" here is a release: a cleared analyst reads the Moroccan
canary's evidence, assessment and scorecards by token, each read an entry.
The positive controls: those entries exist and name the canary's rows, and a
write the viewers may see (public news) does change what they observe.
"""

import datetime

import pytest

from measures.audit.revisions import latest_revision_for
from measures.models import AudienceRevision, Disclosure
from tests.api_helpers import client, token_for, url
from tests.canaries import moroccan_canary, plant_public_news
from tests.factories import cell_at

pytestmark = pytest.mark.django_db

# Blind to the canary, and one who may see it (the release is not theirs either).
VIEWERS = ["reader", "analyst", "moroccan_analyst"]
PATHS = [
    "scorecards/matrix/",
    "scorecards/countries/MA/",
    "scorecards/measures/6/?format=csv",
    "evidence/?page_size=1000",
    "assessments/?page_size=1000",
    "changes/?limit=100",
]
VOLATILE = {"date", "expires", "x-request-id"}  # new in every response


def observe(apis):
    seen = {}
    for name, api in apis.items():
        for path in PATHS:
            response = api.get(url(path))
            assert response.status_code == 200, (name, path)
            headers = sorted((k.lower(), v) for k, v in response.items())
            seen[name, path] = (
                [h for h in headers if h[0] not in VOLATILE],
                response.content,
            )
        seen[name, "revision"] = latest_revision_for(api.viewer)
    seen["audiences"] = sorted(AudienceRevision.objects.values_list("audience", "revision"))
    return seen


def test_a_recorded_release_moves_nothing_anyone_observes(users):
    canary = moroccan_canary(users)
    apis = {}
    for name in VIEWERS:
        apis[name] = client(token=token_for(getattr(users, name)))
        apis[name].viewer = getattr(users, name)
    before = observe(apis)
    assert observe(apis) == before  # two looks alike, the ledger recording both
    entries = Disclosure.objects.count()
    releaser = client(token=token_for(users.confidential_editor))
    for path in (
        f"evidence/{canary.evidence.public_id}/",
        f"assessments/{canary.assessment.public_id}/",
        "scorecards/countries/MA/",
        "scorecards/matrix/?format=csv",
    ):
        assert releaser.get(url(path)).status_code == 200
    # Aimed well: each read is an entry naming the canary's rows.
    mine = Disclosure.objects.filter(recipient=users.confidential_editor)
    assert mine.count() == 4 and Disclosure.objects.count() == entries + 4
    handles = set(mine.values_list("rows__rows__handle", flat=True))
    assert {str(canary.evidence.public_id), str(canary.assessment.public_id)} <= handles
    assert observe(apis) == before

    # The observations are sensitive: a public write changes every viewer's.
    plant_public_news(users.editor, cell_at(11, "DZ"), datetime.date(2014, 1, 1))
    after = observe(apis)
    for name in VIEWERS:
        assert (
            after[name, "scorecards/countries/MA/"][0]
            != before[name, "scorecards/countries/MA/"][0]
        )
        assert after[name, "scorecards/matrix/"] != before[name, "scorecards/matrix/"]
