"""Golden files: compare rendered output with tests/golden/, masking volatile fields; a unified
diff on failure; regenerate only with NEWSDESK_REGEN_GOLDEN=1 (then review the diff in git)."""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
# What differs from run to run or machine to machine, if anything ever does.
_VOLATILE = (
    (re.compile(r"^Date: .*$", re.M), "Date: <masked>"),
    (re.compile(r"Message-ID: <[^>]+>"), "Message-ID: <masked>"),
    (re.compile(r'"createdAt": "[^"]+"'), '"createdAt": "<masked>"'),
)


def mask(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    got = mask(text)
    if os.environ.get("NEWSDESK_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got.encode("utf-8"))  # bytes: the .eml keeps its CRLF line ends
        return
    if not path.exists():
        raise AssertionError(f"no golden file {path}; create it with NEWSDESK_REGEN_GOLDEN=1 and review it")
    want = path.read_bytes().decode("utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            f"golden/{name}", "rendered", n=2))
        raise AssertionError(f"{name} differs from its golden file:\n{diff[:6000]}")
