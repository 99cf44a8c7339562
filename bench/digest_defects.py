#!/usr/bin/env python3
"""Run one digest per source folder and count what an editor would have to fix by hand.

usage: digest_defects.py FOLDER [FOLDER ...] [--show] [--json]

Each FOLDER (article files or feeds) gets a digest of its own in a temporary outbox (the run's
"now" is the newest article's date, so a past day's feeds still make a digest). Counted per
digest, over the selected stories and their posts:
  summary_artefact   split tokens ("4. 6", "2: 09 a. m.", " - - "), a space before punctuation,
                     a lower-case sentence start
  summary_paywall    "Subscribe", "log in to read", "sign up to read" ...
  summary_byline     "By First Last" opening a sentence
  summary_markup     wire or HTML markup ("[USN:...]", "TEXT:", "<b>")
  headline_site      a headline ending in " - Outlet", " | Outlet" or a domain
  outlet_hashtag     a post's hashtag that is an outlet's name
  outlet_fact        a key fact that is an outlet's name or ends with one
  x_is_linkedin      the X and LinkedIn posts say the same (links and tags aside), or X is
                     LinkedIn's text cut short
  seeds_002_004      (a folder with files 002_* or 004_*) summary sentences from them
--show prints every story card and post read.

example: nice bench/digest_defects.py seeds ../shared/bench/feeds/ecb-dev --show
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import load_settings  # noqa: E402
from pipeline.run import run_digest  # noqa: E402

WIRES = ("reuters", "bloomberg", "ap", "afp", "associatedpress", "apnews", "upi", "dpa", "yahoo",
         "yahoofinance", "googlenews", "msn", "cnbc", "cnn", "bbc", "bbcnews", "guardian", "nyt")
CHECKS = ("summary_artefact", "summary_paywall", "summary_byline", "summary_markup", "headline_site",
          "outlet_hashtag", "outlet_fact", "x_is_linkedin", "seeds_002_004")

_ARTEFACT = re.compile(r"\d\. \d|\d: \d\d|\b[ap]\. m\.| - - |\w \s*[.,;:!?](?:\s|$)"
                       r"|(?:^|(?<![A-Z]\.[A-Z])(?<!\b[A-Z])(?<!Ltd)(?<!Inc)(?<!Corp)(?<!\bCo)(?<!\bMr)"
                       r"(?<!\bDr)(?<!\bSt)[.!?] )[a-z]")   # not "U.S. stock", "Ltd. reported"
_PAYWALL = re.compile(r"(?i)subscribe|log ?in to (?:read|continue)|sign up to (?:read|continue)"
                      r"|already a subscriber|rest of this (?:content|article)")
_BYLINE = re.compile(r"(?:^|[.!?]\s)By [A-Z][a-z]+(?: [A-Z][a-z'’-]+){1,2}\b(?! (?:the|a|an)\b)")
_MARKUP = re.compile(r"\[[A-Z]{2,}:|\bTEXT:\"|</?[a-zA-Z][^>]*>|&[a-z]+;")
_SITE = re.compile(r"\s[-|–—]\s*[^-|–—]{2,40}$")
_LINK = re.compile(r"https?://\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")


def squash(s: str | None) -> str:
    return re.sub(r"[\W_]+", "", (s or "").casefold())


def run(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """The selected stories as manifest entries with key facts, posts by network, and each
    article's origin."""
    from pipeline import store as st
    from pipeline.history import load_stories

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "newsdesk.toml"
        cfg.write_text(f'outbox = "out"\nstate_dir = "state"\nmax_age_hours = 1000000\n'
                       f'[[sources]]\npath = {json.dumps(str(folder.resolve()))}\n', encoding="utf-8")
        settings = load_settings(cfg, env={})
        # First a dry run for the newest date, then the run itself at that date.
        from pipeline.ingest.collect import ingest
        arts = ingest(settings.sources, store=None, progress=False).articles
        dated = [a.published for a in arts if a.published and not a.published_guessed]
        now = max(dated) if dated else datetime.now(timezone.utc)
        report = run_digest(settings, now=now, progress=False)
        folder_out = Path(report.digest)
        manifest = json.loads((folder_out / "manifest.json").read_text(encoding="utf-8"))
        with st.open_store(settings.state_dir) as store:
            stories = {s.id: s for s in load_stories(store, include_closed=True)}
            origins = {a.id: a.origin for a in store.articles(since=datetime.min.replace(tzinfo=timezone.utc))}
        cards = []
        for entry in manifest["stories"]:
            s = stories[entry["id"]]
            posts = {}
            for d in manifest["drafts"]:
                if d.get("story") == s.id and d["path"].endswith(".txt"):
                    posts[d["channel"]] = (folder_out / d["path"]).read_text(encoding="utf-8")
            cards.append({"story": s, "posts": posts})
        return cards, origins


def _body(post: str) -> str:
    """A post's words without links, hashtags or a closing ellipsis: what a reader reads."""
    text = re.sub(r"#\w+", "", _LINK.sub("", post))
    return " ".join(text.split()).rstrip("…").strip()


def count(cards: list[dict], origins: dict[str, str]) -> dict[str, int]:
    found = dict.fromkeys(CHECKS, 0)
    for card in cards:
        s = card["story"]
        outlets = {squash(o) for o in s.outlets} | set(WIRES)
        text = s.summary_text
        found["summary_artefact"] += bool(_ARTEFACT.search(text))
        found["summary_paywall"] += bool(_PAYWALL.search(text))
        found["summary_byline"] += bool(_BYLINE.search(text))
        found["summary_markup"] += bool(_MARKUP.search(text))
        m = _SITE.search(s.headline)
        found["headline_site"] += bool(m and (squash(m.group()) in outlets or "." in m.group()))
        tags = {squash(t) for p in card["posts"].values() for t in re.findall(r"#(\w+)", p)}
        found["outlet_hashtag"] += len(tags & outlets)
        found["outlet_fact"] += sum(any(squash(f) == o or (len(o) > 3 and squash(f).endswith(o))
                                        for o in outlets) for f in s.key_facts)
        x, li = (_body(card["posts"].get(n, "")) for n in ("x", "linkedin"))
        cut = card["posts"].get("x", "").find("\u2026") >= 0
        found["x_is_linkedin"] += bool(x) and (x == li or (cut and li.startswith(x)))
        found["seeds_002_004"] += sum(bool(re.search(r"(?:^|/)00[24]_", origins.get(aid, "")))
                                      for _, aid in s.summary)
    return found


def show(cards: list[dict]) -> None:
    for card in cards:
        s = card["story"]
        print(f"\n### {s.headline}\n  {s.summary_text}\n  facts: {'; '.join(s.key_facts)}")
        if s.disputed:
            print(f"  differ: {'; '.join(s.disputed)}")
        for src in s.sources[:6]:
            print(f"  - {src.outlet} — {src.title}")
        for network, text in card["posts"].items():
            print(f"  [{network}] " + text.replace("\n", " / ")[:400])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--show", action="store_true", help="print every story card and post")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = {}
    for folder in args.folders:
        cards, origins = run(folder)
        if args.show:
            show(cards)
        results[folder.name] = {"stories": len(cards), **count(cards, origins)}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(f"{'':24}" + " ".join(f"{c[:14]:>14}" for c in ("stories", *CHECKS)))
        for name, r in results.items():
            print(f"{name[:24]:24}" + " ".join(f"{r[c]:>14}" for c in ("stories", *CHECKS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
