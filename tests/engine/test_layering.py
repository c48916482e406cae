"""The engine's packages import only downward, and no module imports itself back through others.

The order is the flow of a run (see ``finetune/__init__.py``). A function-level (lazy) import
counts as well: it is a dependency all the same, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import PROJECT_ROOT

ENGINE = PROJECT_ROOT / "finetune"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "safety", "network", "jsonfiles", "lazy"),
    ("config",),
    ("data",),
    ("model",),
    ("runs",),
    ("evaluation",),
    ("predict",),
    ("explore",),
    ("train", "compat"),
    ("hub",),
    ("export",),
    ("cli",),
    ("__init__", "__main__"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_modules() -> dict[str, Path]:
    """Every engine module by dotted name (the offline metric scripts under modules/ are data, not code)."""
    return {_module_name(p): p for p in ENGINE.rglob("*.py") if "modules" not in p.relative_to(ENGINE).parts}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules ``path`` imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "finetune":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "finetune")
    return found & set(modules)


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_every_engine_package_has_a_layer():
    known = {name for names in LAYERS for name in names}
    tops = {p.stem for p in ENGINE.glob("*.py")} | {p.name for p in ENGINE.iterdir() if (p / "__init__.py").is_file()}
    assert tops <= known, f"give these a layer in LAYERS: {sorted(tops - known)}"


def test_packages_import_only_downward():
    modules = _engine_modules()
    upward = []
    for name, path in modules.items():
        if name == "finetune":
            continue  # the package's own __init__ re-exports from everywhere
        for target in _imports(path, modules):
            if target != "finetune" and _layer(target) > _layer(name):
                upward.append(f"{name} -> {target}")
    assert not upward, "imports that go up the layers:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    modules = _engine_modules()
    graph = {name: _imports(path, modules) - {name, "finetune"} for name, path in modules.items()}
    graph = {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
