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
