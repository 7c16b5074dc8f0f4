"""The layers of the code, read from the import statements of the source (no import is run).

Imports inside functions count: a lazy import hides a cycle from Python, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "core",
    "governance",
    "deliberation",
    "voting",
    "elections",
    "assemblies",
    "webhooks",
    "frontend",
    "verifiable",
)
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


def test_the_charts_and_the_template_filters_do_not_import_each_other_both_ways() -> None:
    graph = import_graph(_modules())

    assert not any(name.startswith("frontend.templatetags") for name in graph["frontend.charts"])
    assert "frontend.formatting" in graph["frontend.charts"]


def _private_imports(modules: dict[str, Path], importers: tuple[str, ...]) -> list[str]:
    """`from module import _name` of a function, class or constant (not a submodule) from
    another module, unless that module is itself private to its package (`_common`)."""
    found = []
    for name, path in modules.items():
        if name.split(".")[0] not in importers:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            source = node.module
            if source not in modules or source.split(".")[-1].startswith("_"):
                continue
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and f"{source}.{alias.name}" not in modules:
                    found.append(f"{name} imports {source}.{alias.name}")
    return found


def test_the_private_import_finder_sees_a_borrowed_helper(tmp_path: Path) -> None:
    borrower, owner, shared = (tmp_path / f"{n}.py" for n in ("borrower", "owner", "shared"))
    borrower.write_text(
        "from frontend.views.voting import _optional_id\n"
        "from frontend.views._shared import _ok\n"
        "from frontend.views import _shared\n"
    )
    owner.write_text("def _optional_id(): ...\n")
    shared.write_text("def _ok(): ...\n")
    modules = {
        "frontend.views.assemblies": borrower,
        "frontend.views.voting": owner,
        "frontend.views._shared": shared,
        "frontend.views": shared,
    }

    assert _private_imports(modules, ("frontend",)) == [
        "frontend.views.assemblies imports frontend.views.voting._optional_id"
    ]


def test_no_voting_assemblies_or_page_module_borrows_a_private_name_of_another() -> None:
    offenders = _private_imports(_modules(), ("voting", "assemblies", "frontend"))

    assert offenders == []


def test_the_tally_path_has_one_name_and_the_engine_words_no_sentence() -> None:
    modules = _modules()
    assert "voting.tally.from_ballots" in modules and "voting.live" in modules
    assert "voting.tallying" not in modules and "voting.services.live" not in modules
    graph = import_graph(modules)
    engine = [name for name in modules if name.startswith("voting.tally")]
    wording = {
        f"{name} imports {target}"
        for name in engine
        for target in imported_names(modules[name].read_text())
        if target.startswith(("django.utils.translation", "voting.explain"))
    }
    assert wording == set()
    defines_sentence = [
        name
        for name, path in modules.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "explain_en"
    ]
    assert defines_sentence == ["voting.explain"]
    assert "voting.tally.quorum" in graph["voting.tally.from_ballots"]


def _mentions(modules: dict[str, Path], words: tuple[str, ...], owner: str) -> list[str]:
    return [
        f"{name} mentions {word}"
        for name, path in modules.items()
        if name.split(".")[0] != owner
        for word in words
        if word in path.read_text()
    ]


def test_only_governance_writes_sql_over_grants_and_representatives() -> None:
    """The casting path embeds governance's statements (role_sql, acting_members_sql); it
    never spells guardian's tables or the representatives' rule itself."""
    words = (
        "grants_sql",
        "grants_params",
        "CooperativeUserPermission",
        "CooperativeGroupPermission",
        "Representative._meta",
        "revoked_at IS NULL",
        "PERM_MANAGE in",
    )

    assert _mentions(_modules(), words, "governance") == []


def _class_definitions(modules: dict[str, Path], names: set[str]) -> list[str]:
    return sorted(
        f"{node.name} in {name}"
        for name, path in modules.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name in names
    )


def test_the_rules_vocabularies_thresholds_and_rounding_are_defined_once() -> None:
    modules = _modules()
    vocabularies = {"TallyMethod", "MajorityBase", "EmptyCollegePolicy", "QuorumMode"}

    assert _class_definitions(modules, vocabularies) == sorted(
        f"{word} in governance.vocabulary" for word in vocabularies
    )
    assert _mentions(modules, ("Fraction(1, 2)", "Fraction(2, 3)"), "") == [
        "governance.vocabulary mentions Fraction(1, 2)",
        "governance.vocabulary mentions Fraction(2, 3)",
    ]
    assert _mentions(modules, ("ROUND_HALF", "2 * remainder"), "") == [
        "core.percent mentions 2 * remainder"
    ]


def test_verifiable_elections_sit_after_voting_on_pure_primitives() -> None:
    """`verifiable` (the Belenios primitives and the independent verifier) imports no app;
    `elections` builds on voting and imports neither assemblies nor the pages; voting
    reaches elections only through the reverse relation its close checks, never an import;
    the trustee tool imports nothing of the server."""
    graph = import_graph(_modules())
    apps = {"core", "governance", "deliberation", "voting", "elections", "assemblies"}
    for module, targets in graph.items():
        top = {t.split(".")[0] for t in targets}
        if module.startswith("verifiable"):
            assert not top & (apps | {"frontend", "webhooks"}), module
        if module.startswith("elections"):
            assert not top & {"assemblies", "frontend"}, module
        # The demo command of voting loads the whole demo, its vote counted end to end
        # included (ARCHITECTURE.md, the exceptions at the edge): only `elections.demo`.
        if module == "voting.management.commands.load_demo":
            assert {t for t in targets if t.startswith("elections")} <= {
                "elections.demo",
                "elections.demo.credentials_path",
                "elections.demo.load_demo_election",
            }, module
            continue
        if module.split(".")[0] in {"core", "governance", "deliberation", "voting", "webhooks"}:
            assert "elections" not in top, module
    for path in (ROOT / "trustee").rglob("*.py"):
        top = {n.split(".")[0] for n in imported_names(path.read_text())}
        assert not top & (apps | {"verifiable", "frontend", "webhooks", "config"}), path
