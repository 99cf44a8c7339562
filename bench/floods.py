#!/usr/bin/env python3
"""Copy floods: time and peak memory of `newsdesk ingest DIR --jsonl | newsdesk cluster -`.

usage: floods.py [--sizes 500,2000,20000] [--kinds copies,near,numbered]

Three kinds of flood, written to a temporary folder (nothing of the bench data is used):
- copies:   tiny text files sharing one short body (a notice pasted into many files);
- near:     one-item RSS feeds of near-identical text (one word of the body differs per feed);
- numbered: tiny text files that differ only in a number ("Tiny story 17 about ferries ...
            Number 17."): no two are duplicates, every one is like every other.
Each command runs in its own process; "peak" is the cluster process's maximum resident set. The targets: 2,000 copies cost at most 6x what 500 cost, 20,000 stay under 1 GB.

example: nice bench/floods.py --sizes 500,2000
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWSDESK = [sys.executable, "-m", "pipeline"]
BODY = ("Water supply to the northern district is interrupted until further notice while crews "
        "repair a burst main. Residents should keep tap water for drinking.")
FILLERS = ("today", "tonight", "now", "again", "still", "also", "soon")


def write_copies(folder: Path, n: int) -> None:
    for i in range(n):
        (folder / f"notice-{i:06d}.txt").write_text(
            f"Water cut\n\nDate: 2026-08-20T0{i % 10}:00:00Z\n\n{BODY}\n", encoding="utf-8")


def write_near(folder: Path, n: int) -> None:
    for i in range(n):
        body = BODY.replace("until further", f"{FILLERS[i % len(FILLERS)]} until further")
        (folder / f"feed-{i:06d}.xml").write_text(
            f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Town feed {i}</title>
<link>https://town{i}.example/</link><item><title>Water supply interrupted in the northern district</title>
<link>https://town{i}.example/notice/{i}</link><guid>town{i}-notice</guid>
<pubDate>Thu, 20 Aug 2026 0{i % 10}:{i % 60:02d}:00 +0000</pubDate>
<description>{body}</description></item></channel></rss>
""", encoding="utf-8")


def write_numbered(folder: Path, n: int) -> None:
    for i in range(n):
        (folder / f"story-{i:06d}.txt").write_text(
            f"Tiny story {i} about ferries\n\nDate: 2026-08-20T0{i % 10}:00:00Z\n\n"
            f"Ferries on the northern route run late this morning after a storm. Number {i}.\n",
            encoding="utf-8")


WRITERS = {"copies": write_copies, "near": write_near, "numbered": write_numbered}


def _run(cmd: list[str], stdin: bytes | None = None) -> tuple[bytes, float, float]:
    """Output, wall seconds and peak RSS (MB) of one command (os.wait4: that child's own)."""
    import os
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as inp:
        inp.write(stdin or b"")
        inp.seek(0)
        proc = subprocess.Popen(cmd, stdin=inp, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        took = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
        out.seek(0)
        return out.read(), took, usage.ru_maxrss / 1024


def measure(kind: str, n: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        WRITERS[kind](folder, n)
        with tempfile.TemporaryDirectory() as state:   # no cache from an earlier run
            ingested, t_in, _ = _run(NEWSDESK + ["ingest", str(folder), "--jsonl", "--state-dir",
                                                 state])
        out, t_cl, peak = _run(NEWSDESK + ["cluster", "-", "--jsonl"], stdin=ingested)
        stories = len({line.split(b'"story": ')[-1] for line in out.splitlines() if line})
        return (f"{kind:7} {n:>6}: ingest {t_in:6.1f} s, cluster {t_cl:6.1f} s, "
                f"peak RSS {peak:6.0f} MB, {stories} stories")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="500,2000,20000")
    ap.add_argument("--kinds", default="copies,near,numbered")
    args = ap.parse_args(argv)
    for kind in args.kinds.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            print(measure(kind, n), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
