"""The layout shows the flow: a package per stage, every package shipped, no import cycle, and
the core stages (stories, select, render) import no I/O module."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"
IO_MODULES = ("pipeline.store", "pipeline.history", "pipeline.ingest.fetch", "pipeline.ingest.collect", "pipeline.lock",
              "pipeline.outbox", "pipeline.cli", "pipeline.commands", "pipeline.run",
              "pipeline.schedule", "pipeline.deliver", "pipeline.archive")
CORE = ("pipeline.stories", "pipeline.select", "pipeline.render")


def _name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: Path = PIPELINE) -> dict[str, Path]:
    return {_name(p, package.parent): p for p in sorted(package.rglob("*.py")) if "templates" not in p.parts}


_IMPORTERS = ("import_module", "__import__")


def _imports(module: str, path: Path, known: set[str]) -> dict[str, int]:
    """Every module of `known` that this one imports, with the line of its first import: at the
    top, inside a function, or under `if TYPE_CHECKING:` (an import for annotations only is still
    a dependency of the design: a cycle through one is a cycle, put off until a change makes the
    import real); absolute or relative; `from package import module` names the module. An
    `importlib.import_module` / `__import__` of a name made at run time counts every module named
    by a string of this one (cli.py imports its command groups from a tuple of names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    dynamic = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:                 # from . import x, from ..y import z
                parts = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            # `from x import name`: the module x.name if there is one, else x itself
            found += [(f"{base}.{a.name}", node.lineno) for a in node.names]
        elif isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in _IMPORTERS and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((arg.value, node.lineno))
                else:
                    dynamic = True
    if dynamic:
        found += [(n.value, n.lineno) for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in known]
    out: dict[str, int] = {}
    for name, line in found:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            out[name] = min(line, out.get(name, line))
    return out


def _graph(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    return {m: _imports(m, p, set(modules)) for m, p in modules.items()}


def _knots(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """The groups of modules that import one another, directly or not (each strongly connected
    component of more than one module, by Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if n not in index:
                connect(n)
                low[m] = min(low[m], low[n])
            elif n in stack:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            group = set()
            while True:
                n = stack.pop()
                group.add(n)
                if n == m:
                    break
            if len(group) > 1:
                groups.append(group)

    for m in sorted(graph):
        if m not in index:
            connect(m)
    return groups


def _cycle(graph: dict[str, dict[str, int]], knot: set[str]) -> list[str]:
    """One cycle through a knot, as [a, b, ..., a]: the shortest way from its first module back
    to it."""
    start = min(knot)
    paths = {start: [start]}
    todo = [start]
    while not any(start in graph[m] for m in todo):
        nxt = []
        for m in todo:
            for n in sorted(graph[m]):
                if n in knot and n not in paths:
                    paths[n] = paths[m] + [n]
                    nxt.append(n)
        todo = nxt
    return paths[min(m for m in todo if start in graph[m])] + [start]


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    return sorted(_cycle(graph, knot) for knot in _knots(graph))


def _report(modules: dict[str, Path], graph: dict[str, dict[str, int]], root: Path) -> str:
    """Each knot: its modules, and one cycle through it with the line of each import."""
    out = []
    for knot in sorted(sorted(k) for k in _knots(graph)):
        cycle = _cycle(graph, set(knot))
        steps = [f"{modules[a].relative_to(root)}:{graph[a][b]} imports {b}" for a, b in zip(cycle, cycle[1:])]
        out.append(f"{', '.join(knot)} import one another; one cycle: {' -> '.join(cycle)}\n    "
                   + "\n    ".join(steps))
    return "\n  ".join(out)


MODULES = _modules()
GRAPH = _graph(MODULES)


def test_every_package_is_shipped():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = {_name(p.parent) for p in PIPELINE.rglob("__init__.py") if "templates" not in p.parts}
    assert found == set(packages)


def test_every_stage_package_says_what_goes_in_and_out():
    for init in PIPELINE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 30, f"{init.relative_to(ROOT)} needs a docstring"


def test_no_import_cycle():
    assert not _knots(GRAPH), "import cycles:\n  " + _report(MODULES, GRAPH, ROOT)


CYCLES_OF_EVERY_KIND = {
    # a.py imports b at the top; b.py imports a inside a function, as `from package import a`
    "a.py": "from pkg.b import helper\n",
    "b.py": "def helper():\n    from pkg import a\n    return a\n",
    # c.py imports d for annotations only; d.py imports c relatively
    "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import D\n",
    "d.py": "from .c import TYPE_CHECKING\nclass D: ...\n",
    # sub/e.py imports f by a name made at run time; f.py imports e back with `import ... as`
    "sub/__init__.py": "",
    "sub/e.py": "import importlib\nNAMES = ('pkg.f',)\nfor n in NAMES:\n    importlib.import_module(n)\n",
    "f.py": "import pkg.sub.e as e\n",
    # g.py and h.py import each other by `__import__` of a literal and `from . import`
    "g.py": "__import__('pkg.h')\n",
    "h.py": "from . import g\n",
    # no cycle: i.py imports j, j.py imports nothing of ours
    "i.py": "from pkg.j import x\nimport pkg\n",
    "j.py": "import json\nx = 1\n",
}


def test_the_cycle_check_finds_a_cycle_of_every_kind_of_import(tmp_path):
    package = tmp_path / "pkg"
    for name, code in {"__init__.py": "", **CYCLES_OF_EVERY_KIND}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(code)
    modules = _modules(package)
    graph = _graph(modules)
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.c", "pkg.d", "pkg.c"],
                              ["pkg.f", "pkg.sub.e", "pkg.f"], ["pkg.g", "pkg.h", "pkg.g"]]
    assert _report(modules, graph, tmp_path).startswith(
        "pkg.a, pkg.b import one another; one cycle: pkg.a -> pkg.b -> pkg.a\n"
        "    pkg/a.py:1 imports pkg.b\n    pkg/b.py:2 imports pkg.a\n  pkg.c, pkg.d import")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(CORE)))
def test_core_stages_import_no_io(module):
    io = {n for n in GRAPH[module] if n.startswith(IO_MODULES)}
    assert not io, f"{module} imports {sorted(io)}"


def test_templates_come_from_the_package_and_a_user_folder_overrides_them(tmp_path):
    from datetime import date

    from pipeline.render.digest import render_text, template_dirs
    from pipeline.render.options import DigestOptions

    (packaged,) = template_dirs()
    assert packaged == PIPELINE / "templates" and (packaged / "digest.html").is_file()
    (tmp_path / "digest.txt").write_text("My own digest: {{ stories | length }} stories\n")
    assert template_dirs(tmp_path) == (tmp_path, packaged)
    text = render_text([], DigestOptions(date=date(2026, 1, 5), template_dir=tmp_path))
    assert text == "My own digest: 0 stories\n"


def test_the_packaged_data_is_the_top_level_folders():
    for name in ("templates", "seeds"):
        link = PIPELINE / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()


MAX_MODULE_LINES = 400      # split before this (STYLE.md: about 100-300 lines a module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines; split it by what its parts decide"
