#!/usr/bin/env python3
"""Story grouping on every bench set at once: B-cubed precision / recall / F1 per set.

usage: stories_quality.py BENCH_DIR [--json] [--only NAME[,NAME]] [--keep DIR]

Each set goes through the command line a user would run, so that cleaning at ingest and the
CLI's own reading of JSON lines are measured too:
- every BENCH_DIR/stories/*.jsonl is given whole to `newsdesk cluster FILE --jsonl`
  (scored by id; allsides-dev is all six months at once, with dates);
- feeds/ecb-dev: `newsdesk ingest FOLDER --jsonl | newsdesk cluster - --jsonl`, scored by guid;
- feeds/wire-2026-08-20: the same, each ingested item's `link` mapped to its story, scored by url
  against feeds/wire-2026-08-20-gold.jsonl (the first story seen for a link counts).
The scores are those of BENCH_DIR/score_clusters.py (imported from bench/cluster_quality.py,
which computes the same figures).

example: nice bench/stories_quality.py ../shared/bench
         nice bench/stories_quality.py ../shared/bench --only wire-2026-08-20,allsides-dev --json
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_quality import bcubed  # noqa: E402

NEWSDESK = [sys.executable, "-m", "pipeline"]
ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], stdin: bytes | None = None) -> bytes:
    done = subprocess.run(cmd, input=stdin, capture_output=True, cwd=ROOT, check=False)
    # `ingest` exits 1 when some source failed (the bench folders hold a non-feed file or two).
    if done.returncode not in ((0, 1) if "ingest" in cmd else (0,)):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout


def _lines(blob: bytes) -> list[dict]:
    return [json.loads(line) for line in blob.decode("utf-8").splitlines() if line.strip()]


def _gold(path: Path, key: str) -> dict[str, str]:
    return {str(r[key]): str(r.get("story")) for r in _lines(path.read_bytes())
            if r.get(key) is not None}


def _score(gold: dict[str, str], pred: dict[str, str]) -> dict:
    ids = sorted(gold)
    g = [gold[k] for k in ids]
    p = [pred.get(k, f"__missing__{k}") for k in ids]
    bp, br, bf = bcubed(g, p)
    return {"items": len(ids), "gold_stories": len(set(g)), "stories": len(set(p)),
            "missing": sum(k not in pred for k in ids), "P": round(bp, 4), "R": round(br, 4),
            "F1": round(bf, 4)}


def story_set(path: Path, keep: Path | None) -> dict:
    out = _run(NEWSDESK + ["cluster", str(path), "--jsonl"])
    if keep:
        (keep / f"{path.stem}.pred.jsonl").write_bytes(out)
    pred = {str(r["id"]): r["story"] for r in _lines(out)}
    return _score(_gold(path, "id"), pred)


def feed_set(folder: Path, gold: Path, key: str, keep: Path | None) -> dict:
    # A fresh state folder: ingest caches the articles of unchanged local files, which would
    # measure the code that first read them.
    with tempfile.TemporaryDirectory() as state:
        ingested = _run(NEWSDESK + ["ingest", str(folder), "--jsonl", "--state-dir", state])
    clustered = _run(NEWSDESK + ["cluster", "-", "--jsonl"], stdin=ingested)
    if keep:
        (keep / f"{folder.name}.ingest.jsonl").write_bytes(ingested)
        (keep / f"{folder.name}.pred.jsonl").write_bytes(clustered)
    items, rows = _lines(ingested), _lines(clustered)
    pred: dict[str, str] = {}
    for item, row in zip(items, rows):   # `cluster --jsonl` keeps the input order
        k = item.get("guid") if key == "guid" else item.get("link")
        if k is not None:
            pred.setdefault(str(k), row["story"])
    return _score(_gold(gold, key), pred)


def sets(bench: Path) -> list[tuple[str, callable]]:
    out = [(p.stem, lambda keep, p=p: story_set(p, keep))
           for p in sorted((bench / "stories").glob("*.jsonl"))]
    feeds = bench / "feeds"
    out.append(("ecb-dev", lambda keep: feed_set(feeds / "ecb-dev", feeds / "ecb-dev-gold.jsonl",
                                                 "guid", keep)))
    wire = sorted(p for p in feeds.glob("wire-*") if p.is_dir())
    for w in wire:
        out.append((w.name, lambda keep, w=w: feed_set(w, feeds / f"{w.name}-gold.jsonl", "url",
                                                       keep)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON object with every set")
    ap.add_argument("--only", default="", help="comma-separated set names")
    ap.add_argument("--keep", type=Path, help="write the ingested and predicted lines here")
    args = ap.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    results = {}
    for name, measure in sets(args.bench):
        if only and name not in only:
            continue
        start = time.perf_counter()
        r = measure(args.keep)
        r["seconds"] = round(time.perf_counter() - start, 1)
        results[name] = r
        if not args.json:
            print(f"{name:22} B-cubed P/R/F1 {r['P']:.3f}/{r['R']:.3f}/{r['F1']:.3f}  "
                  f"items {r['items']}  gold {r['gold_stories']}  predicted {r['stories']}  "
                  f"missing {r['missing']}  {r['seconds']:.1f} s", flush=True)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
