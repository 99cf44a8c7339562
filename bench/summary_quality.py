#!/usr/bin/env python3
"""Merge each gold cluster of a summaries set into one story and score its headline and summary.

usage: summary_quality.py BENCH [--set NAME ...] [--keep DIR] [--json]

BENCH is the bench data folder (the one holding summaries/ and score_summary.py). Each
summaries/NAME.jsonl (every one unless --set is given) is flattened to one article a line with
its cluster as `story`, merged with `newsdesk cluster - --stories --jsonl --given story` (the
gold grouping, so merging is measured apart from clustering) and scored with
BENCH/score_summary.py (needs the `rouge-score` package: pip install '.[bench]').
--keep DIR keeps the predictions; --json prints the figures as one JSON object.

example: nice bench/summary_quality.py ../shared/bench --set allsides-dev
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def flatten(gold: Path) -> str:
    """The set's articles as JSON lines, each with its cluster as `story`."""
    lines = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        cluster = json.loads(line)
        for a in cluster.get("articles", ()):
            lines.append(json.dumps({**a, "story": cluster["cluster"]}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def predict(gold: Path) -> tuple[str, float]:
    """(prediction lines for score_summary.py, seconds spent merging)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "cluster", "-", "--stories", "--jsonl",
                           "--given", "story"], input=flatten(gold), capture_output=True,
                          text=True, cwd=ROOT, check=True)
    seconds = time.perf_counter() - start
    preds = []
    for line in done.stdout.splitlines():
        rec = json.loads(line)
        preds.append(json.dumps({"cluster": rec["story"], "headline": rec["headline"],
                                 "summary": rec["summary"]}, ensure_ascii=False))
    return "\n".join(preds) + "\n", seconds


def score(bench: Path, gold: Path, pred: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scores.json"
        subprocess.run([sys.executable, str(bench / "score_summary.py"), str(gold), str(pred),
                        "--json", str(out)], check=True, capture_output=True, text=True)
        return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", type=Path, help="the bench data folder")
    ap.add_argument("--set", action="append", dest="sets", metavar="NAME", help="summaries/NAME.jsonl only")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="write NAME.pred.jsonl here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    folder = args.bench / "summaries"
    golds = [folder / f"{n}.jsonl" for n in args.sets] if args.sets else sorted(folder.glob("*.jsonl"))
    results = {}
    for gold in golds:
        lines, seconds = predict(gold)
        with tempfile.TemporaryDirectory() as tmp:
            pred = (args.keep or Path(tmp)) / f"{gold.stem}.pred.jsonl"
            pred.parent.mkdir(parents=True, exist_ok=True)
            pred.write_text(lines, encoding="utf-8")
            figures = score(args.bench, gold, pred)
        results[gold.stem] = {"scores": figures, "merge_seconds": round(seconds, 1)}
        if not args.json:
            line = "  ".join(f"{field} " + " ".join(f"{t}={figures[field][t]['f']:.2f}" for t in
                                                    ("rouge1", "rouge2", "rougeL"))
                             for field in ("headline", "summary") if field in figures)
            print(f"{gold.stem}: {line}  (merged in {seconds:.1f} s)")
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
