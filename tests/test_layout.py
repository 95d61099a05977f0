"""The package's shape: one folder per stage, each importing only the stages below it (README, "Layout").

Walks every import of every module of ``rag/`` and ``vectorstore/`` with ``ast`` (module-level and
function-local alike) and fails on an import cycle between modules or between stages, on an import a stage
may not make, on a private name taken from another module, and on a module over 500 lines or a function
over 80 (unless it says why in a comment holding "longer than 80 lines").
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rag", "vectorstore")
CORE = {"rag.errors", "rag.types", "rag.settings", "rag.timing", "rag.metrics"}
# stage -> the stages it may import (besides itself). ``reader`` is reserved for a trained span reader.
ALLOWED: dict[str, set[str]] = {
    "vectorstore": set(),
    "core": {"vectorstore"},
    "ingest": {"core"},
    "embed": {"core"},
    "reader": {"core", "ingest", "embed"},
    "search": {"core", "ingest", "embed", "vectorstore"},
    "index": {"core", "ingest", "embed", "search", "vectorstore"},
    "extract": {"core", "ingest", "embed", "reader", "search", "index"},
    "eval": {"core", "ingest", "embed", "reader", "search", "index", "extract"},
    "app": {"core", "ingest", "embed", "reader", "search", "index", "extract", "eval", "vectorstore"},
    "facade": {
        "core",
        "ingest",
        "embed",
        "reader",
        "search",
        "index",
        "extract",
        "eval",
        "app",
        "vectorstore",
    },
}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def module_files() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = module_files()


def stage(module: str) -> str:
    if module.startswith("vectorstore"):
        return "vectorstore"
    if module in CORE:
        return "core"
    if module in ("rag", "rag.__main__"):
        return "facade"
    return module.split(".")[1]


def imports(module: str, path: Path) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import in ``path``, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub, "", node.lineno) if sub in MODULES else (base, alias.name, node.lineno)


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, _, _ in imports(module, path):
            if target in MODULES and target != module:
                edges[module].add(target)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of the directed graph ``edges`` (as a path that returns to its start), or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_walk_sees_every_stage_and_its_imports() -> None:
    stages = {stage(m) for m in MODULES}
    assert {"core", "ingest", "embed", "search", "index", "extract", "eval", "app", "vectorstore"} <= stages
    edges = graph()
    assert "rag.index.load" in edges["rag.index.build"]  # a module-level import
    assert sum(len(v) for v in edges.values()) > 100


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    assert find_cycle(graph()) == []


def test_no_import_cycle_between_stages() -> None:
    stage_edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        stage_edges.setdefault(stage(module), set()).update(
            stage(t) for t in targets if stage(t) != stage(module)
        )
    assert find_cycle(stage_edges) == []
    assert find_cycle(ALLOWED) == []  # the rules themselves are a ladder


def test_each_stage_imports_only_the_stages_below_it() -> None:
    wrong = []
    for module, path in MODULES.items():
        for target, _, line in imports(module, path):
            if target.split(".")[0] not in PACKAGES:
                continue
            here, there = stage(module), stage(target)
            if here != there and there not in ALLOWED[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target} ({there})")
    assert wrong == []


def test_vectorstore_imports_nothing_from_rag() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {target}"
        for module, path in MODULES.items()
        if module.startswith("vectorstore")
        for target, _, line in imports(module, path)
        if target.split(".")[0] == "rag"
    ]
    assert found == []


def test_no_private_name_is_imported_from_another_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name} from {target}"
        for module, path in MODULES.items()
        for target, name, line in imports(module, path)
        if target.split(".")[0] in PACKAGES and name.startswith("_")
    ]
    assert found == []


def test_rag_answer_and_rag_retrieve_are_functions_and_no_module_has_their_names() -> None:
    for name in ("answer", "retrieve"):
        assert f"rag.{name}" not in MODULES
    import rag

    assert callable(rag.answer) and callable(rag.retrieve) and callable(rag.get_index)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_and_function_sizes(module: str) -> None:
    path = MODULES[module]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{path} has {len(source.splitlines())} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = (node.end_lineno or node.lineno) - node.lineno + 1
            body = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno])
            assert n <= MAX_FUNCTION_LINES or "longer than 80 lines" in body, (
                f"{path}:{node.lineno} {node.name}: {n}"
            )


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__main__")))
def test_every_module_says_what_it_owns(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{module} has no docstring"
    is_package = MODULES[module].name == "__init__.py"
    has_all = any(
        isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
        for n in tree.body
    )
    assert has_all or (is_package and not any(isinstance(n, ast.ImportFrom) for n in tree.body)), module
