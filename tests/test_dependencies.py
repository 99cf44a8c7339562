"""What the product takes from its dependencies: their public API only. A private function can
change or go in any release: feedparser 6.0.14 has no `feedparser._parse_date`, which
ingest/normalize.py used to call, so the dates only it could read went unread without a word."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _private_calls(path: Path, root: Path = ROOT) -> list[str]:
    """Calls of a dependency's private name (`module._name(...)`, or one imported with `from`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    outside = {}             # local name -> the dependency's dotted name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                outside[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                outside[a.asname or a.name] = f"{node.module}.{a.name}"
    outside = {k: v for k, v in outside.items()
               if v.split(".")[0] not in sys.stdlib_module_names and v.split(".")[0] != "pipeline"}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        parts, f = [], node.func
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if not isinstance(f, ast.Name) or f.id not in outside:
            continue
        dotted = [*outside[f.id].split("."), *reversed(parts)]
        if any(p.startswith("_") and not p.startswith("__") for p in dotted):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {'.'.join(dotted)}")
    return found


def test_no_private_function_of_a_dependency_is_called():
    found = [c for p in sorted((ROOT / "pipeline").rglob("*.py")) for c in _private_calls(p)]
    assert not found, "\n".join(found)


def test_the_check_finds_a_private_call(tmp_path):
    code = tmp_path / "m.py"
    code.write_text("import feedparser\nfrom lxml import etree as et\nfrom numpy import _core\n"
                    "import argparse\n\n"
                    "feedparser._parse_date('x')\net._private()\n_core.thing()\nfeedparser.parse('x')\n"
                    "argparse._SubParsersAction\n", encoding="utf-8")
    assert [c.split(": ", 1)[1] for c in _private_calls(code, tmp_path)] == [
        "feedparser._parse_date", "lxml.etree._private", "numpy._core.thing"]


def _locked() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "requirements-dev.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version and " " not in version, f"not an exact pin: {line}"
        assert canonicalize_name(name) not in pins, f"pinned twice: {name}"
        pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_what_pyproject_asks_within_its_ranges():
    """`make lock` resolved pyproject.toml's ranges: each dependency, each of the dev extra's and
    the build system's is pinned, at a version its range admits (an edit of pyproject.toml
    without `make lock` fails here)."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["dev"],
              *project["build-system"]["requires"]]
    pins = _locked()
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec} is not in requirements-dev.lock: run `make lock`"
        assert spec.specifier.contains(pins[name], prereleases=True), \
            f"requirements-dev.lock has {spec.name}=={pins[name]}, outside {spec}: run `make lock`"
