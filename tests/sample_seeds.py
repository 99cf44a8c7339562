"""The sample articles of seeds/ copied into a test's folder with a stated file time. They give
no date, so a run dates them by their files' times; a checkout's times are whenever it was made
(a week ago, or ahead of the clock), and a test must not depend on them."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def copy_seeds(folder: Path, *, at: float | None = None) -> Path:
    """seeds/ copied into `folder`, each file dated `at` (a POSIX time; default an hour ago,
    by the real clock, for a command run as a user runs it)."""
    shutil.copytree(SEEDS, folder)
    when = time.time() - 3600 if at is None else at
    for f in folder.iterdir():
        os.utime(f, (when, when))
    return folder
