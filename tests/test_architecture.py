"""The import graph of src/paperbrief, read with `ast`: the library never imports the CLI, has no
import cycle, and only the settings boundary (factories, the pipeline entry, the CLI) reads settings."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "paperbrief"

# The modules allowed to import `paperbrief.settings` (docs/architecture.md, "Settings").
SETTINGS_READERS = {"paperbrief.settings", "paperbrief.factories", "paperbrief.pipeline"}
MAX_MODULE_LINES = 500
# Modules over the bound when this test was written, each being split by its own change of issue 10
# (engine, store, arXiv source and parser): a ratchet, they may only shrink. Remove an entry once split.
KNOWN_LONG: dict[str, int] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import executed at run time, at module level or inside functions; `if TYPE_CHECKING:` blocks are not."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The paperbrief modules `name` imports (a `from pkg import sub` names the submodule when it is one)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = name.split(".")
            anchor = anchor if is_package else anchor[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None (iterative DFS with colours)."""
    colour = dict.fromkeys(graph, 0)  # 0 new, 1 on the current path, 2 done
    for root in sorted(graph):
        if colour[root]:
            continue
        path = [root]
        iterators = [iter(sorted(graph[root]))]
        colour[root] = 1
        while iterators:
            nxt = next(iterators[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                iterators.pop()
            elif colour[nxt] == 1:
                return [*path[path.index(nxt) :], nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                iterators.append(iter(sorted(graph[nxt])))
    return None


def test_the_graph_reader_sees_relative_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import b\n"
        "if TYPE_CHECKING:\n    from paperbrief import c\n"
        "def f():\n    import paperbrief.d\n",
        encoding="utf-8",
    )
    known = {"paperbrief", "paperbrief.b", "paperbrief.c", "paperbrief.d"}
    assert _imports("paperbrief.m", source, known) == {"paperbrief.b", "paperbrief.d"}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_nothing_outside_the_cli_imports_the_cli() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if not (name == "paperbrief.cli" or name.startswith("paperbrief.cli."))
        for target in targets
        if target == "paperbrief.cli" or target.startswith("paperbrief.cli.")
    )
    assert offenders == []


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(_graph()) is None


def test_only_the_settings_boundary_reads_settings() -> None:
    offenders = sorted(
        name
        for name, targets in _graph().items()
        if "paperbrief.settings" in targets
        and name not in SETTINGS_READERS
        and not (name == "paperbrief.cli" or name.startswith("paperbrief.cli."))
    )
    assert offenders == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_is_longer_than_the_bound(name: str) -> None:
    lines = len(_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= max(MAX_MODULE_LINES, KNOWN_LONG.get(name, 0)), f"{name} has {lines} lines"
