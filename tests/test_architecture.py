"""The layering of docs/architecture.md, beyond what the import-linter
contracts (.importlinter, run by ``make test``) express."""

import ast
from pathlib import Path

import grimp
from django.conf import settings

PACKAGES = ("cbm_tracker", "countries", "digests", "measures", "webhooks")
ROOT = Path(settings.BASE_DIR)


def strongly_connected(graph):
    """Tarjan's components of more than one module (or a module importing itself)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_import_graph_has_no_cycle():
    """Every import counts, those inside functions too (grimp reads them all)."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert strongly_connected(graph) == []


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_private_name_is_imported_from_another_module():
    """What two modules share gets a public name in the lower one."""
    imports = []
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            ours = isinstance(node, ast.ImportFrom) and (
                node.level or node.module.startswith(PACKAGES)
            )
            if ours:
                imports += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert imports == []


# The interfaces: pages, API, admin, commands. A view over this long does
# several jobs; its parts get names of their own.
LONGEST_VIEW = 60
INTERFACES = (
    "measures/pages/*.py",
    "countries/pages/*.py",
    "digests/pages.py",
    "*/api/*.py",
    "measures/admin/*.py",
    "countries/admin.py",
    "digests/admin.py",
    "webhooks/admin.py",
    "*/management/commands/*.py",
)


def test_no_view_runs_over_sixty_lines():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)"
        for pattern in INTERFACES
        for path in sorted(ROOT.glob(pattern))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := node.end_lineno - node.lineno + 1) > LONGEST_VIEW
    ]
    assert long == []
