"""The package's layering, checked on the source: data flows downhill, planning never sees the simulator.

Layers, lowest first: the foundation modules (geometry, io, observation, goals, resume, sensing, stats,
errors), embodiments, sim, primitives, explore, data, model (with graph), train, planning, experiments,
cli. A module may import only from its own layer or those below; nothing but the entry point imports the
CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xembody

ROOT = Path(xembody.__file__).parent
FOUNDATION = {
    "errors",
    "geometry",
    "io",
    "observation",
    "goals",
    "goal_shapes",
    "resume",
    "sensing",
    "stats",
}  # + goals data
LAYERS = [
    "foundation",
    "embodiments",
    "render",
    "sim",
    "primitives",
    "explore",
    "data",
    "graph",
    "model",
    "train",
    "planning",
    "view",
    "experiments",
    "checkpoints",
    "cli",
]
RANK = {name: i for i, name in enumerate(LAYERS)}
RANK["graph"] = RANK["model"]  # the model's own graph building
RANK["checkpoints"] = RANK["model"]  # shipped weights, found by train.checkpoint


def layer_of(module: str) -> str:
    """'xembody.sim.scene' -> 'sim'; foundation modules -> 'foundation'."""
    part = module.split(".")[1] if "." in module else ""
    return "foundation" if part in FOUNDATION else part


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out.append((name, path))
    return out


def imports(path: Path) -> set[str]:
    """Every xembody module a file imports, at any depth (lazy imports inside functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("xembody")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xembody"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[1:2] and (ROOT / m.split(".")[1]).exists() or m.count(".") == 1}


MODULES = modules()


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[n for n, _ in MODULES])
def test_modules_import_only_from_their_layer_or_below(name, path):
    mine = layer_of(name)
    if name == "xembody":
        return  # the package's __init__ exposes the public API
    assert mine in RANK, f"{name}: layer {mine!r} is not in the layer list; add it to LAYERS"
    for dep in imports(path):
        other = layer_of(dep)
        if other in ("", "xembody") or dep == "xembody":
            continue
        assert other in RANK, f"{name} imports {dep}: unknown layer {other!r}"
        assert RANK[other] <= RANK[mine], f"{name} ({mine}) imports {dep} ({other}), a higher layer"


def test_planning_never_imports_the_simulator():
    for name, path in MODULES:
        if layer_of(name) == "planning":
            bad = {d for d in imports(path) if layer_of(d) in ("sim", "explore", "data")}
            assert not bad, f"{name} imports {sorted(bad)}: planning must see observations only"


def test_only_the_entry_point_imports_the_cli():
    for name, path in MODULES:
        if name != "xembody.cli":
            assert not {d for d in imports(path) if layer_of(d) == "cli"}, f"{name} imports the CLI"


def test_no_import_cycles_among_packages():
    graph: dict[str, set[str]] = {}
    for name, path in MODULES:
        mine = layer_of(name)
        graph.setdefault(mine, set()).update(
            layer_of(d) for d in imports(path) if layer_of(d) not in ("", mine)
        )
    seen, stack = set(), []

    def visit(node: str) -> None:
        if node in stack:
            raise AssertionError(f"import cycle: {' -> '.join([*stack[stack.index(node) :], node])}")
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in sorted(graph):
        visit(node)
