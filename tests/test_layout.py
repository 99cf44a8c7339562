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
              "pipeline.schedule", "pipeline.deliver")
CORE = ("pipeline.stories", "pipeline.select", "pipeline.render")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in PIPELINE.rglob("*.py") if "templates" not in p.parts}


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every pipeline module this one imports, at the top or inside a function."""
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test).endswith("TYPE_CHECKING") for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:        # annotations only: no import at run time
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in known:
                n = n.rpartition(".")[0]
            if n and n != "pipeline":
                out.add(n)
    return out


MODULES = _modules()
GRAPH = {m: _imports(p, set(MODULES)) - {m} for m, p in MODULES.items()}


def test_every_package_is_shipped():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = {_name(p.parent) for p in PIPELINE.rglob("__init__.py") if "templates" not in p.parts}
    assert found == set(packages)


def test_every_stage_package_says_what_goes_in_and_out():
    for init in PIPELINE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 30, f"{init.relative_to(ROOT)} needs a docstring"


def test_no_import_cycle():
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if state.get(n) == 1:
                cycle = path[path.index(n):] + [n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


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
