"""An ETag does not give the revision number back.

Every part an ETag mixes but one — path, query, format, date, the viewer's
visibility key — is known to the caller; the remaining one, the latest
revision the caller may see, is a small integer that also counts writes the
caller may not see. A plain hash could be inverted by trying revisions one
by one; the ETag is keyed with the site's secret instead.
"""

import hashlib

import pytest
from django.test import override_settings

from measures.access import viewer_for
from measures.audit.revisions import latest_revision
from tests.api_helpers import client, url

pytestmark = pytest.mark.django_db


def test_an_etag_is_keyed_with_the_site_secret(users):
    path = url("scorecards/countries/")
    etag = client(users.reader).get(path)["ETag"]
    with override_settings(SECRET_KEY="another-site-secret"):
        assert client(users.reader).get(path)["ETag"] != etag


def test_no_revision_reproduces_an_etag_by_plain_hashing(users):
    response = client(users.reader).get(url("scorecards/countries/"))
    key = viewer_for(users.reader).key
    tried = {
        hashlib.sha256(f"{n}|{response.wsgi_request.path}|{key}".encode()).hexdigest()[:32]
        for n in range(latest_revision() + 1)
    }
    assert response["ETag"].strip('"') not in tried
