"""Non-interference for data packages: a write the viewer may not see changes
nothing of their package — bytes, ETag, version, citation, marking ceiling,
the page — and a write they may see changes all of it (the control that the
writes are aimed well). The writes and viewers are those of
test_non_interference.py; the general suite also fetches the package as one
of the schema's GET operations, this file looks at it closely."""

import io
import zipfile

import pytest
from django.test import Client

from measures.reads import packages
from tests.api_helpers import client
from tests.factories import EvidenceFactory
from tests.security.test_non_interference import (
    World,
    differences,
    hidden_writes,
    response_bytes,
    visible_write,
)

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/package/",
    "/api/v1/package/?as_of=2013-06-01",
    "/data/package/",
    "/data/package/?as_of=2013-06-01",
    "/data/package/download/",
]


@pytest.fixture
def world(users):
    return World(users)


def observe(world, name):
    user = world.viewers[name]
    api, browser = client(user), Client()
    browser.force_login(user)
    seen = {
        path: response_bytes((api if path.startswith("/api/") else browser).get(path))
        for path in PATHS
    }
    citation = packages.cite(user)
    seen["citation"] = repr(citation).encode()
    seen["etag"] = api.get(PATHS[0])["ETag"].encode()
    return seen


@pytest.mark.parametrize("name", ["reader", "french_reader"])
def test_hidden_writes_change_nothing_of_a_package(world, name):
    before = observe(world, name)
    assert before["/api/v1/package/"].startswith(b"200\n")

    hidden_writes(world, name)

    assert differences(before, observe(world, name)) == []


def test_a_visible_write_changes_the_package_its_etag_and_version(world):
    before = observe(world, "french_reader")

    visible_write(world)

    changed = differences(before, observe(world, "french_reader"))
    # The citation moves with its version, the as-of view of 2013 does not
    # (the write is dated 2014) — but its version does.
    assert set(PATHS) | {"citation", "etag"} <= set(changed)


def test_visible_evidence_changes_the_package_its_etag_and_version(world):
    """The control for evidence.csv: the hidden writes file evidence on the
    same cells, so a package that did not show it would prove nothing."""
    before = observe(world, "french_reader")

    fact = EvidenceFactory(summary_en="A public fact everyone may see.", cells=[world.targets[0]])

    changed = differences(before, observe(world, "french_reader"))
    # Dated 2012: the as-of view of 2013 lists it too.
    assert set(PATHS) | {"citation", "etag"} <= set(changed)
    package = packages.build_package(world.viewers["french_reader"])
    listed = zipfile.ZipFile(io.BytesIO(package.content)).read("evidence.csv").decode()
    assert str(fact.public_id) in listed
