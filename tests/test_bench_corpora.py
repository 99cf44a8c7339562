"""The bench corpora beside the checkout: every file of feedparser's own test feeds and of a real
wire snapshot goes through ingest without a traceback. (Only this file reads ../shared/bench.)"""
from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest.sources import local_files, read_file

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
CORPUS = BENCH / "feeds" / "feedparser-corpus"
WIRE = BENCH / "feeds" / "wire-2026-08-20"


def _read_all(folder: Path) -> Counter:
    outcome: Counter = Counter()
    for path in local_files(folder):
        arts, errors = read_file(path)
        for e in errors:
            assert "Traceback" not in e.message
            assert e.origin == str(path)  # every error names its file
        hard = [e for e in errors if not e.warning]
        outcome["articles" if arts else ("errors" if hard else "empty")] += 1
        outcome["warnings"] += bool(errors) and not hard
        for a in arts:
            assert a.id and a.origin == str(path)
            assert a.published is not None and a.published.utcoffset().total_seconds() == 0
            assert a.url is None or a.url.startswith("https://")
    return outcome


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the bench corpora are not beside this checkout")
def test_feedparser_corpus_never_crashes():
    outcome = _read_all(CORPUS)
    # Most of feedparser's cases are feeds with at least one entry; the ill-formed ones are errors.
    assert outcome["articles"] > 300 and sum(outcome.values()) >= 1700


@pytest.mark.skipif(not WIRE.is_dir(), reason="the bench corpora are not beside this checkout")
def test_wire_snapshot_reads_cleanly():
    outcome = _read_all(WIRE)
    assert outcome["articles"] >= 30
