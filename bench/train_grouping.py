#!/usr/bin/env python3
"""Fit the story join model on every labelled bench set and write it as package data.

usage: train_grouping.py BENCH_DIR [--out FILE] [--no-loso] [--json]

Each set is read as the product reads it (the feed folders through `newsdesk ingest`), its
duplicates dropped and its candidate pairs found by the product's own code
(pipeline.stories.group.candidate_features); a pair is labelled "same story" when both articles
carry the same gold story. A gradient-boosted model (scikit-learn, fixed seed: the same file on
every run) is fitted on the pairs of all sets, each set weighing the same and the real ones (AllSides and
the wire days) twice; the average-link threshold is the one with the best mean B-cubed F1 over
the sets, weighed the same way. The trees are written as JSON (no pickle) to
pipeline/stories/grouping_model.json.

Printed per set: B-cubed P/R/F1 of the model fitted on everything, and leave-one-set-out (fitted
and thresholded without that set, scored on it), so that over-fitting shows.

example: nice bench/train_grouping.py ../shared/bench
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_quality import bcubed  # noqa: E402
from pipeline.commands.stages import article_from_record  # noqa: E402
from pipeline.stories import features as tf  # noqa: E402
from pipeline.stories.duplicates import DuplicateIndex, arrival_order  # noqa: E402
from pipeline.stories.features import STORY_WINDOW, Features, Weighted, read_articles  # noqa: E402
from pipeline.stories.candidates import candidate_features  # noqa: E402
from pipeline.stories.group import _dedup  # noqa: E402
from pipeline.stories.joiner import MODEL_FILE, JoinModel, average_link  # noqa: E402
from pipeline.stories.pairs import FEATURES  # noqa: E402
from pipeline.stories.runtext import clean_run  # noqa: E402

REAL = ("allsides-dev", "wire-2026-08-19", "wire-2026-08-20")
THRESHOLDS = np.round(np.arange(0.3, 0.81, 0.05), 2)
TREES, DEPTH, RATE = 300, 4, 0.05


def _lines(blob: bytes) -> list[dict]:
    return [json.loads(x) for x in blob.decode("utf-8").splitlines() if x.strip()]


def _ingest(folder: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as state:
        done = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(folder), "--jsonl",
                               "--state-dir", state], capture_output=True, cwd=ROOT, check=False)
    if done.returncode not in (0, 1):     # 1: some file of the folder is not a feed
        raise SystemExit(done.stderr.decode(errors="replace"))
    return _lines(done.stdout)


def load_sets(bench: Path) -> dict[str, tuple[list, list[str | None], list[str | None]]]:
    """name -> (articles, gold story per article, scoring key per article)."""
    out = {}
    for path in sorted((bench / "stories").glob("*.jsonl")):
        recs = _lines(path.read_bytes())
        arts = [article_from_record(r, n) for n, r in enumerate(recs)]
        out[path.stem] = (arts, [str(r["story"]) for r in recs], [a.id for a in arts])
    feeds = bench / "feeds"
    for folder, key in [(feeds / "ecb-dev", "guid")] + [
            (p, "link") for p in sorted(feeds.glob("wire-*")) if p.is_dir()]:
        gold_key = "guid" if key == "guid" else "url"
        gold = {r[gold_key]: str(r["story"])
                for r in _lines((feeds / f"{folder.name}-gold.jsonl").read_bytes())}
        recs = _ingest(folder)
        arts = [article_from_record(r, n) for n, r in enumerate(recs)]
        keys = [r.get(key) for r in recs]
        out[folder.name] = (arts, [gold.get(k) for k in keys], keys)
    return out


def prepare(arts: list, gold: list[str | None]) -> dict:
    """The set as StoryIndex.add sees it: representatives, their candidate pairs and labels."""
    order = arrival_order(arts)
    cleaned = clean_run(arts)
    texts = read_articles(cleaned)
    reps, dups = _dedup(arts, texts, order, DuplicateIndex.empty(STORY_WINDOW), {})
    feats = Features.of([cleaned[i] for i in reps], [texts[i] for i in reps])
    words, names = tf.TermStats(), tf.TermStats()
    words.add(feats.words)
    names.add(feats.names)
    w = Weighted.of(feats, words, names)
    a, b, x = candidate_features(w, np.arange(len(reps)))
    row_of = {arts[i].id: r for r, i in enumerate(reps)}
    for i, (orig, _, _) in dups.items():
        row_of.setdefault(arts[i].id, row_of.get(orig, -1))
    label = [gold[i] for i in reps]
    known = np.array([label[p] is not None and label[q] is not None for p, q in zip(a, b)],
                     dtype=bool)
    same = np.array([label[p] is not None and label[p] == label[q] for p, q in zip(a, b)],
                    dtype=bool)
    return {"a": a, "b": b, "x": x, "known": known, "same": same, "n": len(reps),
            "ts": w.ts, "rows": [row_of.get(art.id, -1) for art in arts]}


def score(s: dict, arts: list, gold: list, keys: list, labels: np.ndarray) -> tuple:
    seen, g, p = set(), [], []
    for art, story, key, row in zip(arts, gold, keys, s["rows"]):
        if story is None or key is None or key in seen or row < 0:
            continue
        seen.add(key)
        g.append(story)
        p.append(int(labels[row]))
    return bcubed(g, p)


def _weight(name: str) -> float:
    """Each set weighs the same, the real ones (AllSides, the wire days) twice."""
    return 2.0 if name in REAL else 1.0


def fit(prepared: dict[str, dict], names: list[str]):
    from sklearn.ensemble import GradientBoostingClassifier
    x = np.vstack([prepared[n]["x"][prepared[n]["known"]] for n in names])
    y = np.concatenate([prepared[n]["same"][prepared[n]["known"]] for n in names])
    weight = np.concatenate([np.full(int(prepared[n]["known"].sum()),
                                     _weight(n) / max(1, int(prepared[n]["known"].sum())))
                             for n in names])
    model = GradientBoostingClassifier(n_estimators=TREES, max_depth=DEPTH, learning_rate=RATE,
                                       random_state=0)
    model.fit(x, y, sample_weight=weight * len(weight))
    return model


def export(model, join: float) -> dict:
    trees = []
    for est in model.estimators_[:, 0]:
        t = est.tree_
        trees.append({"feature": [int(f) if f >= 0 else -1 for f in t.feature],
                      "threshold": [float(v) for v in t.threshold],
                      "left": [int(v) for v in t.children_left],
                      "right": [int(v) for v in t.children_right],
                      "value": [float(v) for v in t.value[:, 0, 0]]})
    probe = np.zeros((1, len(FEATURES)))
    tree_sum = sum(float(e.predict(probe)[0]) for e in model.estimators_[:, 0])
    bias = float(model.decision_function(probe)[0]) - RATE * tree_sum
    return {"about": "story join model: bench/train_grouping.py", "features": list(FEATURES),
            "bias": bias, "rate": RATE, "join": join, "trees": trees}


def cluster(s: dict, jm: JoinModel, threshold: float) -> np.ndarray:
    p = jm.probability(s["x"]) if len(s["a"]) else np.zeros(0)
    return average_link(s["a"], s["b"], p, np.arange(s["n"]), np.zeros(s["n"], dtype=bool),
                        s["ts"], threshold, 7 * 86400.0)


def evaluate(prepared, data, names, jm) -> tuple[float, dict]:
    """The threshold with the best weighted mean F1 over `names`, and each set's scores."""
    best = (-1.0, 0.5, {})
    for t in THRESHOLDS:
        per = {n: score(prepared[n], *data[n], cluster(prepared[n], jm, float(t))) for n in names}
        mean = sum(per[n][2] * _weight(n) for n in names) / sum(_weight(n) for n in names)
        if mean > best[0]:
            best = (mean, float(t), per)
    return best[1], best[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "pipeline" / "stories" / MODEL_FILE)
    ap.add_argument("--no-loso", action="store_true", help="skip leave-one-set-out")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    data = load_sets(args.bench)
    prepared = {n: prepare(arts, gold) for n, (arts, gold, _) in data.items()}
    names = list(data)
    model = fit(prepared, names)
    probe = JoinModel.from_json(export(model, 0.5))
    join, per = evaluate(prepared, data, names, probe)
    fitted = export(model, join)
    args.out.write_text(json.dumps(fitted, separators=(",", ":")) + "\n", encoding="utf-8")
    report = {"join": join, "all": {n: [round(v, 4) for v in per[n]] for n in names},
              "pairs": {n: int(prepared[n]["known"].sum()) for n in names}}
    if not args.no_loso:
        report["loso"] = {}
        for held in names:
            rest = [n for n in names if n != held]
            jm = JoinModel.from_json(export(fit(prepared, rest), 0.5))
            t, _ = evaluate(prepared, data, rest, jm)
            report["loso"][held] = [round(v, 4) for v in score(
                prepared[held], *data[held], cluster(prepared[held], jm, t))] + [t]
    report["seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"join threshold {join}   model written to {args.out.name}")
    for n in names:
        line = "%-18s pairs %6d  all P/R/F1 %.3f/%.3f/%.3f" % ((n, report["pairs"][n]) + tuple(per[n]))
        if "loso" in report:
            line += "  leave-one-out %.3f/%.3f/%.3f (threshold %.2f)" % tuple(report["loso"][n])
        print(line)
    print(f"{report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
