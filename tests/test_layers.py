"""Imports point one way: the project layer imports no domain app, apps.core no other app,
and the domain apps depend on each other without a cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = "apps.core"


def unit(module: str) -> str | None:
    """What a module belongs to: `concert`, or an app (`apps.events`)."""
    parts = module.split(".")
    if parts[0] == "concert":
        return "concert"
    if parts[0] == "apps" and len(parts) > 1:
        return f"apps.{parts[1]}"
    return None


def imports() -> dict[tuple[str, str], set[str]]:
    """(importer, imported) → files, over every import, those inside functions included.

    Management commands are left out: nothing imports them, so they close no cycle; like
    the URLconfs, they are where the apps are put together.
    """
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in [*ROOT.glob("concert/**/*.py"), *ROOT.glob("apps/**/*.py")]:
        relative = path.relative_to(ROOT)
        if {"migrations", "commands"} & set(relative.parts):
            continue
        source = unit(".".join(relative.with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(), str(relative))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                target = unit(name)
                if target is not None and target != source:
                    edges[source, target].add(str(relative))
    return edges


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        for target in sorted(graph.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_the_project_layer_imports_no_domain_app():
    wrong = {edge: files for edge, files in imports().items()
             if edge[0] == "concert" and edge[1] != SHARED}
    assert wrong == {}


def test_the_shared_app_imports_no_other_app():
    wrong = {edge: files for edge, files in imports().items()
             if edge[0] == SHARED and edge[1] != "concert"}
    assert wrong == {}


def test_the_domain_apps_depend_on_each_other_without_a_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in imports():
        if source.startswith("apps.") and target.startswith("apps.") and SHARED not in (
                source, target):
            graph[source].add(target)
    assert cycle(graph) is None


def test_a_wrong_way_import_is_found(tmp_path, monkeypatch):
    # The check itself: an app importing a domain app from the project layer is reported.
    (tmp_path / "concert").mkdir()
    (tmp_path / "concert" / "late.py").write_text("def f():\n    from apps.tickets import x\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert imports() == {("concert", "apps.tickets"): {"concert/late.py"}}
    assert cycle({"apps.a": {"apps.b"}, "apps.b": {"apps.a"}}) == ["apps.a", "apps.b", "apps.a"]
