"""The web pages' modules stay small: no function over 60 lines, no import
inside a function, no private name imported from another module."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = sorted(
    [*ROOT.glob("measures/pages/*.py"), *ROOT.glob("countries/pages/*.py")]
    + [ROOT / "measures/reads/csv.py", ROOT / "cbm_tracker/api/renderers.py"]
)
LONGEST = 60


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_modules_are_small_and_import_only_public_names(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            assert node.end_lineno - node.lineno + 1 <= LONGEST, node.name
            inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
            assert not inner, node.name
        if isinstance(node, ast.ImportFrom):
            assert not [a.name for a in node.names if a.name.startswith("_")], node.module
