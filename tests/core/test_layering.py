"""The layers of the code, read from the import statements of the source (no import is run).

Imports inside functions count: a lazy import hides a cycle from Python, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "governance", "deliberation", "voting", "assemblies", "webhooks", "frontend")
PROJECT = "config"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in (*PACKAGES, PROJECT):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def imported_names(source: str) -> set[str]:
    """Every absolute module name a source imports, and `module.name` for each `from` import
    (the name may be a submodule), wherever the import statement stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {
        name: {target for target in imported_names(path.read_text()) if target in modules}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_sees_a_cycle_through_a_lazy_import() -> None:
    graph = {
        "frontend.charts": imported_names("from frontend.templatetags.collegia import x\n"),
        "frontend.templatetags.collegia": imported_names(
            "def f():\n    from frontend.charts import result_chart\n"
        ),
    }
    graph = {name: {t for t in targets if t in graph} for name, targets in graph.items()}

    assert cycles(graph) == [["frontend.charts", "frontend.templatetags.collegia"]]


def test_no_module_imports_itself_back() -> None:
    graph = import_graph(_modules())

    assert "frontend.charts" in graph["frontend.templatetags.collegia"]
    assert cycles(graph) == []


def test_core_does_not_import_the_project() -> None:
    offenders = [
        f"{name} imports {target}"
        for name, path in _modules().items()
        if name.split(".")[0] == "core"
        for target in imported_names(path.read_text())
        if target.split(".")[0] == PROJECT
    ]

    assert offenders == []


def test_no_consumer_imports_an_api_module() -> None:
    """Consumers and API views are two transports over the same services; what they share
    (the input serializers) lives outside both."""
    consumers = {
        name: path for name, path in _modules().items() if name.split(".")[-1] == "consumers"
    }
    offenders = [
        f"{name} imports {target}"
        for name, path in consumers.items()
        for target in imported_names(path.read_text())
        if "api" in target.split(".")[1:]
    ]

    assert {"assemblies.consumers", "deliberation.consumers"} <= set(consumers)
    assert offenders == []


def test_room_consumers_are_configurations_of_the_core_room_and_import_no_api() -> None:
    """The rooms share the one consumer in core.live; none reads an API module (its input
    serializers live in the app's `inputs`, shared with the API)."""
    modules = _modules()
    consumers = {name: path for name, path in modules.items() if name.endswith(".consumers")}
    assert {"deliberation.consumers", "assemblies.consumers"} <= set(consumers)
    for name, path in consumers.items():
        source = path.read_text()
        imports = imported_names(source)
        assert not [i for i in imports if i.split(".")[1:2] == ["api"]], name
        assert "core.live.consumer.RoomConsumer" in imports, name
        assert "AsyncWebsocketConsumer" not in source, name
