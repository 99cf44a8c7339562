"""Where the templates are, and a fingerprint of everything that shapes rendered output.

The user's template folder overrides the packaged one file by file. `fingerprint` changes when
a template or the render code changes, so a run can tell that re-rendering the same stories
with the same settings would give the same drafts (pipeline.run) without importing jinja2.
"""
from __future__ import annotations

import hashlib
import importlib.resources
from pathlib import Path


def template_dirs(user_dir: Path | None = None) -> tuple[Path, ...]:
    """The user's folder first (it overrides file by file), then the templates shipped with the
    package (`pipeline/templates`: a link to the repository's templates/ in a checkout, package data
    in a wheel). Only these: a `templates/` of any other distribution is never looked at."""
    dirs = [Path(user_dir)] if user_dir is not None else []
    dirs.append(_packaged_templates())
    return tuple(dirs)


def _packaged_templates() -> Path:
    folder = importlib.resources.files("pipeline") / "templates"
    path = Path(str(folder))
    if not (path / "digest.html").is_file():
        raise RuntimeError(f"the package's templates are missing (looked in {path})")
    return path


def fingerprint(user_dir: Path | None = None) -> str:
    """sha256 over every template file and every module of the render package (names and bytes)."""
    h = hashlib.sha256()
    code = Path(__file__).parent
    for root in (*template_dirs(user_dir), code):
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for p in files:
            h.update(str(p.relative_to(root)).encode("utf-8", "surrogateescape") + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    return h.hexdigest()
