"""The upload workflow's modules import one another in layers, not in a circle (issue 16).

services, graphstage, graphrun, mapping and pipeline used to import each other (mostly inside
functions, to dodge the cycle) for shared pieces; those live in apps.documents.runs now. The one
edge allowed back up is sending a Celery task (``from apps.documents.tasks import ...`` inside the
function that queues it): tasks is the Celery adapter over everything else.
"""

import ast
from pathlib import Path

import apps.documents

PACKAGE = "apps.documents"
ROOT = Path(apps.documents.__file__).parent


def _imports(path: Path) -> set[str]:
    """apps.documents modules that ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            if node.module == PACKAGE:
                found |= {alias.name for alias in node.names}
            else:
                found.add(node.module.removeprefix(PACKAGE + ".").split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix(PACKAGE + ".").split(".")[0]
                for a in node.names
                if a.name.startswith(PACKAGE + ".")
            }
    return found


def _graph() -> dict[str, set[str]]:
    modules = {p.stem: p for p in ROOT.glob("*.py") if p.stem != "__init__"}
    return {
        name: {m for m in _imports(path) if m in modules and m != name and m != "tasks"}
        for name, path in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph[node]):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    return next((c for n in sorted(graph) if (c := visit(n, [])) is not None), None)


def test_the_workflow_modules_import_each_other_without_a_cycle():
    assert _cycle(_graph()) is None


def test_the_check_finds_a_cycle_when_there_is_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
