"""Main-text extraction benchmark: token F1 from page text and from HTML, and pages/s.

usage: python bench/extraction.py DATA_DIR [--scorer score_text.py] [--compare] [--keep DIR]
                                          [--feeds FEED_DIR]

DATA_DIR is an Article Extraction Benchmark folder: html/ID.html.gz, text/ID.txt (the page's
whole visible text, as a browser copy-paste gives it) and ground-truth.json. The scorer is
the benchmark's score_text.py (by default two folders above DATA_DIR); its token F1 is the
figure printed. --compare also scores the alternatives the extractor was chosen among.
--feeds times html_to_text and remove_boilerplate per item on the feeds (*.xml) under FEED_DIR
(CPU time, best of 5 runs).
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import io
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.ingest.boilerplate import remove_boilerplate  # noqa: E402
from pipeline.ingest.textfile import parse_text_article  # noqa: E402
from pipeline.ingest.extract import _readability_text, decode_html, extract_html  # noqa: E402


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("score_text", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(scorer, truth: Path, pred: Path) -> tuple[float, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        scorer.main(str(truth), str(pred))
    lines = out.getvalue().strip().splitlines()
    return float(lines[-1]), lines[-2]


def run(name: str, ids: list[str], read: Callable[[str], str], make: Callable[[str], str],
        scorer, truth: Path, outdir: Path) -> None:
    pred = outdir / f"{name}.jsonl"
    inputs = {pid: read(pid) for pid in ids}
    spent = 0.0
    with pred.open("w", encoding="utf-8") as f:
        for pid in ids:
            t0 = time.perf_counter()
            text = make(inputs[pid])
            spent += time.perf_counter() - t0
            f.write(json.dumps({"id": pid, "text": text}) + "\n")
    f1, detail = score(scorer, truth, pred)
    print(f"{name:<42} F1 {f1:.4f}  ({detail})  {len(ids) / spent:8.1f} pages/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--scorer", type=Path, default=None)
    ap.add_argument("--compare", action="store_true", help="also score the alternatives")
    ap.add_argument("--keep", type=Path, default=None, help="write the PRED files here")
    ap.add_argument("--feeds", type=Path, default=None, help="time the cleanup of these feed items")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    data = args.data_dir
    truth = data / "ground-truth.json"
    scorer = load_scorer(args.scorer or data.parent.parent / "score_text.py")
    ids = sorted(json.loads(truth.read_text(encoding="utf-8")))

    def read_text(pid: str) -> str:
        return (data / "text" / f"{pid}.txt").read_text(encoding="utf-8")

    def read_html(pid: str) -> bytes:
        return gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes())

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        print(f"{len(ids)} pages in {data}")
        run("text: parse_text_article", ids, read_text, lambda t: parse_text_article(t).text,
            scorer, truth, out)
        run("html: extract_html", ids, read_html, lambda h: extract_html(h).text, scorer, truth, out)
        if args.compare:
            compare(ids, read_text, read_html, scorer, truth, out)
    if args.feeds:
        time_feeds(args.feeds)
    return 0


def _best_cpu(fn: Callable[[], object], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def time_feeds(folder: Path) -> None:
    import feedparser

    from pipeline.ingest.boilerplate import html_to_text

    items: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*.xml")):
        for e in feedparser.parse(path.read_bytes()).entries:
            html = e.content[0].get("value", "") if e.get("content") else e.get("summary", "")
            if html:
                items.append((html, e.get("title", "")))
    if not items:
        print(f"no feed items under {folder}")
        return
    texts = [html_to_text(h) for h, _ in items]
    n = len(items)
    t_html = _best_cpu(lambda: [html_to_text(h) for h, _ in items])
    t_clean = _best_cpu(lambda: [remove_boilerplate(t, title) for t, (_, title) in zip(texts, items)])
    mid = [t for t in texts if 2500 <= len(t) <= 3500]
    print(f"{n} feed items, {sum(map(len, texts)) / n:.0f} characters of text on average")
    print(f"html_to_text        {t_html / n * 1e3:.3f} ms/item")
    print(f"remove_boilerplate  {t_clean / n * 1e3:.3f} ms/item")
    if mid:
        t_mid = _best_cpu(lambda: [remove_boilerplate(t) for t in mid])
        print(f"remove_boilerplate  {t_mid / len(mid) * 1e3:.3f} ms/item "
              f"on the {len(mid)} items of 2.5-3.5 KB")


def compare(ids, read_text, read_html, scorer, truth, out) -> None:
    import trafilatura

    run("text: as is", ids, read_text, lambda t: t, scorer, truth, out)
    run("text: remove_boilerplate, no title", ids, read_text, remove_boilerplate, scorer, truth, out)
    variants: dict[str, Callable[[str], str]] = {
        "html: trafilatura default": lambda h: trafilatura.extract(h) or "",
        "html: trafilatura precision, no comments": lambda h: trafilatura.extract(
            h, favor_precision=True, include_comments=False) or "",
        "html: trafilatura recall": lambda h: trafilatura.extract(h, favor_recall=True) or "",
        "html: readability-lxml": lambda h: _readability_text(h)[1],
        "html: trafilatura precision + remove_bp": lambda h: remove_boilerplate(
            trafilatura.extract(h, favor_precision=True, include_comments=False) or ""),
        "html: readability-lxml + remove_bp": lambda h: remove_boilerplate(_readability_text(h)[1]),
    }
    for name, fn in variants.items():
        run(name, ids, lambda pid: decode_html(read_html(pid)), fn, scorer, truth, out)


if __name__ == "__main__":
    raise SystemExit(main())
