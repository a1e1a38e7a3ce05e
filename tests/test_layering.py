"""The module graph of the apps (issue 14): no import circle, even through imports inside
functions; no module reaches into another's private names; services never import tasks (whoever
calls a service queues the task); conversations reaches moderation only through the hook."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("chatsite", "conversations", "moderation")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] not in APPS or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> list[tuple[str, str]]:
    """(imported module, imported name or "") for every import, at any depth of the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.append((node.module, alias.name))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        targets = set()
        for module, imported in _imports(path):
            target = _resolve(f"{module}.{imported}") if imported else None
            target = target if target and target != module.rpartition(".")[0] else _resolve(module)
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_apps_import_each_other_without_a_circle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _private(attribute: str) -> bool:
    return attribute.startswith("_") and not attribute.startswith("__")


def _private_uses(path: Path) -> list[str]:
    """`from app.module import _name`, and `module._name` on a module of the apps bound by an
    import (`from moderation.services import pipeline` ... `pipeline._history`)."""
    tree = ast.parse(path.read_text())
    uses, modules_bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and _resolve(node.module):
            for alias in node.names:
                if _private(alias.name):
                    uses.append(f"from {node.module} import {alias.name}")
                elif f"{node.module}.{alias.name}" in MODULES:
                    modules_bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    modules_bound[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr):
            if node.value.id in modules_bound:
                uses.append(f"{modules_bound[node.value.id]}.{node.attr}")
    return uses


def test_no_module_uses_another_modules_private_names():
    offenders = [f"{name}: {use}" for name, path in MODULES.items() for use in _private_uses(path)]
    assert offenders == []


def test_services_never_import_tasks():
    offenders = [
        name
        for name, path in MODULES.items()
        if ".services" in f".{name}" or name.endswith("services")
        for module, imported in _imports(path)
        if module.endswith(".tasks") or imported == "tasks"
    ]
    assert offenders == []


def test_conversations_never_imports_moderation():
    offenders = [
        f"{name}: {module}"
        for name, path in MODULES.items()
        if name.startswith("conversations")
        for module, _ in _imports(path)
        if module.startswith("moderation")
    ]
    assert offenders == []
