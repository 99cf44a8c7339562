#!/usr/bin/env python3
"""Build the digests of the blind editorial read (../shared/bench/EDITORIAL.md) and the packs the
editors score; then join their scores with the key.

usage: editorial_pack.py build BENCH_DIR OUT [--seed N]
       editorial_pack.py score OUT

`build` makes four digests as EDITORIAL.md describes (the seeds; feeds/ecb-dev; each labelled wire
day with the *.xml of its folder and of its feeds/ in one folder), each with its own config, state
and outbox, default settings, and the run's clock one hour after the newest item (the same as
shifting every date so that the newest item is one hour old). For the top 10 cards (the seeds: 1)
it writes into OUT:
  blind.md     each card's member titles, then the headlines and summaries of Newsdesk and of the two
               baselines behind random labels (identical outputs merged), cards shuffled
  key.json     which label is which system (do not show it to the editors)
  open.md      what has no baseline, scored openly: key facts, "sources differ on", the sources list,
               each network's post, the card's rank
  cards.json   everything above with each member's labelled story (purity)
`score` reads OUT/scores-blind.json and OUT/scores-open.json (the editors' scores, as blind.md and
open.md ask) and prints the tables EDITORIAL.md asks for: per axis the mean and the count of 2s,
per run and in all; wins, ties and losses against each baseline; the sendable posts per network.

example: nice bench/editorial_pack.py build ../shared/bench /tmp/read-before
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import random
import re
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import load_settings  # noqa: E402
from pipeline.render.view import source_list  # noqa: E402
from pipeline.run import run_digest  # noqa: E402
from pipeline.stories.sentences import split_sentences  # noqa: E402

NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _words(s: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(s or "")]


def baseline_headline(members: list[dict]) -> str:
    """The member title with the highest summed best-match word Jaccard against the other outlets'
    titles."""
    by_outlet: dict[str, list[set[str]]] = collections.defaultdict(list)
    for m in members:
        by_outlet[m["outlet"] or m["id"]].append(set(_words(m["title"])))
    best, best_score = members[0]["title"], -1.0
    for m in members:
        mine = set(_words(m["title"]))
        score = 0.0
        for outlet, titles in by_outlet.items():
            if outlet == (m["outlet"] or m["id"]):
                continue
            score += max((len(mine & t) / len(mine | t) if mine | t else 0.0) for t in titles)
        if score > best_score:
            best, best_score = m["title"], score
    return best


def baseline_lead(members: list[dict]) -> str:
    """The first two sentences of the most central member: highest mean word-count cosine of its
    body to the other members' bodies (members without a body skipped)."""
    bodies = [(m, collections.Counter(_words(m["text"]))) for m in members if m["text"].strip()]
    if not bodies:
        return ""

    def cos(a, b):
        dot = sum(v * b.get(k, 0) for k, v in a.items())
        na, nb = math.sqrt(sum(v * v for v in a.values())), math.sqrt(sum(v * v for v in b.values()))
        return dot / (na * nb) if na and nb else 0.0

    def centrality(i):
        others = [cos(bodies[i][1], b) for j, (_, b) in enumerate(bodies) if j != i]
        return sum(others) / len(others) if others else 0.0

    best = max(range(len(bodies)), key=centrality)
    sentences = [s for p in bodies[best][0]["text"].split("\n\n") for s in split_sentences(p.strip())]
    return " ".join(sentences[:2])


def _digest_inputs(bench: Path, work: Path) -> list[tuple[str, Path, dict[str, str], str]]:
    """(run name, source folder, gold labels, key kind) for the four runs."""
    runs = []
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    runs.append(("seeds", seeds, {}, ""))
    feeds = bench / "feeds"
    gold = {}
    for line in (feeds / "ecb-dev-gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            gold[r["guid"]] = str(r["story"])
    runs.append(("ecb-dev", feeds / "ecb-dev", gold, "guid"))
    for day in sorted(p for p in feeds.glob("wire-*") if p.is_dir()):
        gold_path = feeds / f"{day.name}-gold.jsonl"
        if not gold_path.exists():
            continue
        folder = work / day.name
        folder.mkdir(parents=True)
        for xml in sorted([*day.glob("*.xml"), *day.glob("feeds/*.xml")]):
            shutil.copyfile(xml, folder / xml.name)
        gold = {}
        for line in gold_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                gold[r["url"]] = str(r["story"])
        runs.append((day.name, folder, gold, "url"))
    return runs


def digest_of(folder: Path, extra: str = "") -> dict:
    """One digest of `folder` as `newsdesk digest` makes it (default settings, `extra` config
    lines added), with the run's clock an hour after the newest dated item: its manifest, the
    stored stories and articles, each story's posts by network, the articles' language."""
    from pipeline import store as st
    from pipeline.history import load_stories
    from pipeline.ingest.collect import ingest
    from pipeline.stories.representative import language_of

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "newsdesk.toml"
        cfg.write_text(f'outbox = "out"\nstate_dir = "state"\n{extra}[[sources]]\n'
                       f'path = {json.dumps(str(folder.resolve()))}\n', encoding="utf-8")
        settings = load_settings(cfg, env={})
        arts = ingest(settings.sources, store=None, progress=False).articles
        dated = [a.published for a in arts if a.published and not a.published_guessed]
        now = (max(dated) if dated else datetime(2026, 1, 1, tzinfo=timezone.utc)) + timedelta(hours=1)
        report = run_digest(settings, now=now, progress=False)
        out = Path(report.digest)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        with st.open_store(settings.state_dir) as store:
            stories = {s.id: s for s in load_stories(store, include_closed=True)}
            articles = {a.id: a for a in store.articles(since=datetime.min.replace(tzinfo=timezone.utc))}
        posts: dict[str, dict[str, str]] = {}
        for d in manifest["drafts"]:
            if d.get("story") and d["path"].endswith(".txt"):
                posts.setdefault(d["story"], {})[d["channel"]] = (out / d["path"]).read_text(encoding="utf-8")
        return {"manifest": manifest, "stories": stories, "articles": articles, "posts": posts,
                "language": language_of(arts) or "en"}


def digest_cards(name: str, folder: Path, gold: dict[str, str], key: str, top: int) -> list[dict]:
    made = digest_of(folder)
    stories, articles = made["stories"], made["articles"]
    cards = []
    for rank, entry in enumerate(made["manifest"]["stories"][:top], 1):
        s = stories[entry["id"]]
        members = []
        for m in s.members:
            a = articles.get(m.article_id)
            if a is None:
                continue
            label = gold.get(a.guid if key == "guid" else (a.link or a.url)) if key else None
            members.append({"id": a.id, "title": a.title, "outlet": a.source, "text": a.text,
                            "url": a.url, "language": a.language, "story": label,
                            "duplicate": m.reason == "duplicate"})
        distinct = [m for m in members if not m["duplicate"]] or members
        cards.append({
            "run": name, "rank": rank, "story": s.id,
            "newsdesk": {"headline": s.headline, "summary": s.summary_text},
            "baseline_headline": baseline_headline(distinct),
            "baseline_lead": baseline_lead(distinct),
            "key_facts": list(s.key_facts), "disputed": list(s.disputed),
            "sources": [{"outlet": r.outlet, "title": r.title, "url": r.url} for r in source_list(s.sources)],
            "posts": made["posts"].get(s.id, {}),
            "members": [{k: v for k, v in m.items() if k != "text"} for m in members],
            "labelled_stories": len({m["story"] for m in members if m["story"]}),
        })
    return cards


def build(bench: Path, out: Path, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cards = []
    with tempfile.TemporaryDirectory() as work:
        for name, folder, gold, key in _digest_inputs(bench, Path(work)):
            top = 1 if name == "seeds" else 10
            made = digest_cards(name, folder, gold, key, top)
            print(f"{name}: {len(made)} cards", file=sys.stderr)
            cards.extend(made)
    (out / "cards.json").write_text(json.dumps(cards, indent=1, ensure_ascii=False), encoding="utf-8")
    rng = random.Random(seed)
    order = list(range(len(cards)))
    rng.shuffle(order)
    blind, key = [], {}
    blind.append("# Blind read: headlines and summaries\n\nFor each card, score every candidate's "
                  "headline and summary 0-2 by the rubric. Answer in scores-blind.json as "
                  '{"C01": {"headline": {"A": 2}, "summary": {"A": 1, "B": 2}, "note": "..."}, ...} '
                  "(labels are per axis).\n")
    for n, i in enumerate(order, 1):
        c = cards[i]
        cid = f"C{n:02d}"
        systems = {"newsdesk": c["newsdesk"],
                   "headline_baseline": {"headline": c["baseline_headline"], "summary": None},
                   "lead_baseline": {"headline": None, "summary": c["baseline_lead"]}}
        # Headlines and summaries are labelled separately, identical outputs merged.
        labels: dict[str, dict] = {"headline": {}, "summary": {}}
        for axis in ("headline", "summary"):
            texts = collections.OrderedDict()
            for sysname, v in systems.items():
                if v[axis] is not None:
                    texts.setdefault(v[axis].strip(), []).append(sysname)
            items = list(texts.items())
            rng.shuffle(items)
            for j, (text, who) in enumerate(items):
                labels[axis]["ABC"[j]] = {"text": text, "systems": who}
        key[cid] = {"card": i, "run": c["run"], "rank": c["rank"],
                    **{axis: {lab: v["systems"] for lab, v in labels[axis].items()} for axis in labels}}
        blind.append(f"\n## {cid}\n\nMember titles (context):\n")
        for m in c["members"][:15]:
            blind.append(f"- {m['title']}" + (f"  ({m['outlet']})" if m["outlet"] else ""))
        if len(c["members"]) > 15:
            blind.append(f"- … and {len(c['members']) - 15} more")
        blind.append("\nHeadlines:\n")
        for lab, v in labels["headline"].items():
            blind.append(f"- {lab}: {v['text']}")
        blind.append("\nSummaries:\n")
        for lab, v in labels["summary"].items():
            blind.append(f"- {lab}: {v['text'] or '(empty)'}")
    (out / "blind.md").write_text("\n".join(blind) + "\n", encoding="utf-8")
    (out / "key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
    opened = ["# Open read: facts, disputes, sources, posts, ranking\n\nScore each card in "
              'scores-open.json as {"run/rank": {"key_facts": 0-2, "disputed": 0-2, "sources": 0-2, '
              '"ranking": 0-2, "posts": {"x": true, "bluesky": false, ...}, "note": "..."}}.\n']
    for c in cards:
        opened.append(f"\n## {c['run']}/{c['rank']}: {c['newsdesk']['headline']}\n")
        opened.append(c["newsdesk"]["summary"] + "\n")
        opened.append("Key facts: " + ("; ".join(c["key_facts"]) or "(none)"))
        opened.append("Sources differ on: " + ("; ".join(c["disputed"]) or "(none)"))
        opened.append(f"\nSources ({len(c['sources'])}):\n")
        for s in c["sources"]:
            opened.append(f"- {s['outlet'] or '(no outlet named)'} — {s['title']} <{s['url'] or 'no link'}>")
        for net in NETWORKS:
            if net in c["posts"]:
                opened.append(f"\n[{net}]\n```\n{c['posts'][net].strip()}\n```")
    (out / "open.md").write_text("\n".join(opened) + "\n", encoding="utf-8")
    pure = sum(c["labelled_stories"] <= 1 for c in cards)
    print(f"{len(cards)} cards, {pure} pure; packs in {out}", file=sys.stderr)


def score(out: Path) -> dict:
    keys = out / "key" if (out / "key").is_dir() else out
    cards = json.loads((keys / "cards.json").read_text(encoding="utf-8"))
    key = json.loads((keys / "key.json").read_text(encoding="utf-8"))
    blind = json.loads((out / "scores-blind.json").read_text(encoding="utf-8"))
    opened = json.loads((out / "scores-open.json").read_text(encoding="utf-8"))
    per_run: dict[str, dict[str, list[int]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    duel = {("headline", "headline_baseline"): [0, 0, 0], ("summary", "lead_baseline"): [0, 0, 0]}
    for cid, k in key.items():
        run = k["run"]
        got = {}
        for axis in ("headline", "summary"):
            for lab, systems in k[axis].items():
                v = blind[cid][axis][lab]
                for s in systems:
                    got[(axis, s)] = v
            per_run[run][axis].append(got[(axis, "newsdesk")])
            per_run[run][f"{axis} baseline"].append(
                got[(axis, "headline_baseline" if axis == "headline" else "lead_baseline")])
        for (axis, base), tally in duel.items():
            a, b = got[(axis, "newsdesk")], got[(axis, base)]
            tally[0 if a > b else 1 if a == b else 2] += 1
    posts = collections.Counter()
    for c in cards:
        o = opened[f"{c['run']}/{c['rank']}"]
        for axis in ("key_facts", "disputed", "sources", "ranking"):
            per_run[c["run"]][axis].append(o[axis])
        for net in NETWORKS:
            posts[net] += bool(o.get("posts", {}).get(net))
    table = {}
    for run, axes in [*per_run.items(), ("all", None)]:
        if axes is None:
            axes = collections.defaultdict(list)
            for r in per_run.values():
                for ax, v in r.items():
                    axes[ax].extend(v)
        table[run] = {ax: {"mean": round(sum(v) / len(v), 2), "sendable": sum(x == 2 for x in v),
                           "cards": len(v)} for ax, v in axes.items()}
    result = {"axes": table, "wins_ties_losses": {f"{a} vs {b}": t for (a, b), t in duel.items()},
              "posts_sendable": dict(posts), "cards": len(cards),
              "pure": sum(c["labelled_stories"] <= 1 for c in cards)}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("bench", type=Path)
    b.add_argument("out", type=Path)
    b.add_argument("--seed", type=int, default=7)
    s = sub.add_parser("score")
    s.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "build":
        build(args.bench, args.out, args.seed)
    else:
        print(json.dumps(score(args.out), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
