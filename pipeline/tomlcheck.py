"""Where a key stands in a TOML file (file:line for error messages) and the value checks the
configuration readers share."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


def _line_of(text: str, key: str, nth_table: tuple[str, int] | None = None) -> int | None:
    """The line where `key = ...` is written (inside the nth [[table]] when given)."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    if nth_table:
        name, n = nth_table
        heads = [i for i, l in enumerate(lines) if re.match(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]", l)]
        if n < len(heads):
            start = heads[n]
            end = next((i for i, l in enumerate(lines) if i > start and re.match(r"\s*\[", l)), len(lines))
            if key == "":
                return start + 1
    for i in range(start, end):
        if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", lines[i]):
            return i + 1
    return None


def _where(path: Path | None, text: str, key: str, table: tuple[str, int] | None = None) -> str:
    line = _line_of(text, key, table) if text else None
    loc = str(path) if path else "configuration"
    return f"{loc}:{line}" if line else loc


def _is(value: Any, kind: Any) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def _check(value: Any, kind: Any, key: str, where: str) -> None:
    if not _is(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        names = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"{where}: key '{key}' must be {names}, not {type(value).__name__} ({value!r})")


def _where_in_table(path: Path | None, text: str, table: str, key: str = "") -> str:
    """file:line of `key` inside [table] (of the [table] header itself when no key is given)."""
    lines = text.splitlines()
    head = next((i for i, l in enumerate(lines) if re.match(rf"\s*\[\s*{re.escape(table)}\s*\]", l)), None)
    loc = str(path) if path else "configuration"
    if head is None:
        return _where(path, text, key) if key else loc
    end = next((i for i in range(head + 1, len(lines)) if re.match(r"\s*\[", lines[i])), len(lines))
    hit = next((i for i in range(head + 1, end) if key and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", lines[i])),
               head)
    return f"{loc}:{hit + 1}"
