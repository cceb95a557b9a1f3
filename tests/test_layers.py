"""Imports point down only: studio → billing | pipelines → worker → ui | api → app.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("studio", "billing", "pipelines", "worker", "ui", "api", "app")
ALLOWED = {
    "studio": set(),
    "billing": {"studio"},
    "pipelines": set(),  # usable as a library on its own
    "worker": {"studio", "billing", "pipelines"},
    "ui": {"studio", "billing", "pipelines", "worker"},
    "api": {"studio", "billing", "pipelines", "worker"},
    "app": {"studio", "billing", "pipelines", "worker", "ui", "api"},
}
HEAVY = ("torch", "diffusers", "transformers", "accelerate")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level package, imported at module level?) for each import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(name.split(".")[0], id(node) in top_level) for name in names]
    return found


def _files(package: str) -> list[Path]:
    if package == "app":
        return [ROOT / "app.py"]
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down(package):
    for path in _files(package):
        for name, _ in _imports(path):
            if name in ALLOWED and name != package:
                assert name in ALLOWED[package], f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_heavy_libraries_stay_out_of_module_level(package):
    for path in _files(package):
        for name, top in _imports(path):
            assert not (top and name in HEAVY), f"{path.relative_to(ROOT)} imports {name} at load"


def test_no_queue_package_shadows_the_standard_library():
    assert not (ROOT / "queue").exists()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (at load or inside functions alike)."""
    paths = {_module_name(p): p for pkg in PACKAGES for p in _files(pkg)}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from pkg import mod` imports pkg.mod when that is a module
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            else:
                continue
            edges |= {n for n in names if n in paths and n != module}
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    """No module imports itself through others, not even through a lazy import."""
    graph = _import_graph()
    # A package's __init__ re-exporting its modules is not a cycle of logic.
    for module in graph:
        graph[module] = {m for m in graph[module] if not module.startswith(f"{m}.")}
    assert _cycles(graph) == []
