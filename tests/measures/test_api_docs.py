"""docs/api.md indexes every operation of the schema, and only those."""

import re
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/[^`]*)` \|", re.M)


def test_the_operation_index_lists_exactly_the_schemas_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in schema["paths"].items()
        for method in methods
        if method != "parameters"
    }
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Every operation\n", 1)[1].split("\n## ", 1)[0]
    indexed = ROW.findall(section)
    assert len(indexed) == len(set(indexed)), "an operation is indexed twice"
    assert set(indexed) == operations
