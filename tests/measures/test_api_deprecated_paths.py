"""The old name of cells/ (issue 12: one name for the cell): /api/v1/statuses/
still answers, with the same view and the same bodies, for one deprecation
period; every response says so and names its successor (docs/api.md
"Deprecated paths"), and the schema marks the old operations deprecated."""

import datetime

import pytest
import yaml

from measures.models import Assessment
from tests.api_helpers import assert_error, client, url
from tests.factories import cell_at

pytestmark = pytest.mark.django_db

# RFC 9745: the date the path was deprecated, as a structured-field date.
DEPRECATION = "@1795824000"
assert datetime.datetime.fromtimestamp(1795824000, datetime.UTC).date() == datetime.date(
    2026, 11, 28
)


def same_path(content):
    return content.replace(b"/api/v1/statuses/", b"/api/v1/cells/")


def assert_deprecated(response, successor):
    assert response["Deprecation"] == DEPRECATION
    assert response["Link"] == f'<{url(successor)}>; rel="successor-version"'


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("cells/", {}),
        ("cells/", {"measure": 6, "country": "MA", "as_of": "2011-01-01"}),
        ("cells/{pk}/", {}),
        ("cells/{pk}/", {"as_of": "2010-06-01"}),
    ],
)
def test_the_old_path_answers_the_same_body_plus_the_deprecation_headers(users, path, query):
    pk = cell_at(6, "MA").pk
    new = path.format(pk=pk)
    old = new.replace("cells/", "statuses/", 1)
    api = client(users.reader)
    current, deprecated = api.get(url(new), query), api.get(url(old), query)
    assert current.status_code == deprecated.status_code == 200
    # The same body; a page's ``next`` link stays on the path that was asked.
    assert same_path(deprecated.content) == current.content and current.json()
    if path.endswith("{pk}/"):
        assert deprecated.get("ETag") == current.get("ETag")
    else:  # a list's ETag names the path asked, as its links do
        assert deprecated["ETag"] != current["ETag"]
    assert_deprecated(deprecated, new)
    assert "Deprecation" not in current and "Link" not in current


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_old_path_writes_and_refuses_like_the_new_one_and_says_so(users):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    tag = api.get(url(f"statuses/{cell.pk}/"))["ETag"]
    body = {"level": "agreed", "effective_on": "2013-05-01", "rationale": "Agreed in May."}
    written = api.patch(url(f"statuses/{cell.pk}/"), body, HTTP_IF_MATCH=tag)
    assert written.status_code == 200 and written.json()["level"] == "agreed"
    assert written.json() == api.get(url(f"cells/{cell.pk}/")).json()
    assert_deprecated(written, f"cells/{cell.pk}/")
    # The same precondition as the new path (the ETag moved), and the headers on errors too.
    stale = api.patch(url(f"statuses/{cell.pk}/"), body, HTTP_IF_MATCH=tag)
    assert_error(stale, 412)
    assert_deprecated(stale, f"cells/{cell.pk}/")
    missing = api.get(url("statuses/99999999/"))
    assert_error(missing, 404)
    assert_deprecated(missing, "cells/99999999/")


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_assessments_name_their_cell_cell_and_take_status_for_one_deprecation_period(users):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    body = {
        "expected_version": cell.version_for(users.editor),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "rationale_en": "Agreed at the May meeting.",
    }
    both = api.post(url("assessments/"), {**body, "cell": cell.pk, "status": cell.pk})
    assert_error(both, 400, "status")
    created = api.post(url("assessments/"), {**body, "status": cell.pk})
    assert created.status_code == 201, created.content
    assert created.json()["cell"] == cell.pk and "status" not in created.json()
    assert Assessment.objects.get(public_id=created.json()["id"]).cell == cell
    # The filter's old name selects the same rows as the new one.
    counts = {}
    for path in ("assessments/", "evidence/"):
        new = api.get(url(path), {"cell": cell.pk}).json()
        assert api.get(url(path), {"status": cell.pk}).json() == new
        counts[path] = new["count"]
    assert counts["assessments/"] == Assessment.objects.filter(cell=cell).count() >= 1


def test_the_schema_marks_the_old_operations_and_parameters_deprecated():
    paths = yaml.safe_load(client().get(url("schema/")).content)["paths"]
    for old in ("/api/v1/statuses/", "/api/v1/statuses/{id}/"):
        new = old.replace("statuses", "cells")
        assert set(paths[old]) == set(paths[new])
        for method, operation in paths[old].items():
            assert operation["deprecated"] is True, (old, method)
            assert not paths[new][method].get("deprecated"), (new, method)
            assert operation["responses"].keys() == paths[new][method]["responses"].keys()
    for path in ("/api/v1/assessments/", "/api/v1/evidence/"):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert parameters["status"]["deprecated"] is True
        assert not parameters["cell"].get("deprecated")
