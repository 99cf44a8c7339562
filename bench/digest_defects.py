#!/usr/bin/env python3
"""Run one digest per source folder and count what an editor would have to fix by hand.

usage: digest_defects.py FOLDER [FOLDER ...] [--show] [--json]
       digest_defects.py --bench BENCH_DIR [--show] [--json]

Each FOLDER (article files or feeds) gets a digest of its own in a temporary outbox (the run's
"now" is an hour after the newest article's date, so a past day's feeds still make a digest).
--bench BENCH_DIR makes the four dev digests of the blind editorial read instead (the seeds,
feeds/ecb-dev, and each labelled wire day's feeds in one folder: bench/editorial_pack.py).
Counted per digest, over the selected stories and their posts:
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
  repeated_sentence  a summary sentence that restates another (token cosine 0.5 or more, or a
                     shared phrase of two content words, not both names, that is not the
                     story's own term: in its headline or in half its sources' titles, read in
                     lower case; two such phrases when both sentences are one article's own,
                     whose next sentence takes a phrase up again to say something new)
  lead_off_headline  the summary's first sentence names nothing the headline names
  headline_shape     a headline over 16 words, ending in a period, opening with a subordinate
                     clause ("When ..."), or a label of under 4 words
  spaced_tokens      "T - Mobile", "4. 6", "word ," in a headline or summary
  other_language     a card whose headline is in another script than the digest's language
  dated_by_run       a card dated later than every one of its articles
  person_hashtag     a hashtag that is a person's name (a common given name first, or a name a
                     role or an age marks as a person's in the card)
  aggregator_link    a post linking an aggregator (Google News ...) where a source gives the
                     publisher's own link
--show prints every story card and post read.

example: nice bench/digest_defects.py seeds ../shared/bench/feeds/ecb-dev --show
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.ingest.normalize import detect_language  # noqa: E402
from pipeline.render.posts import names_subject  # noqa: E402
from pipeline.render.tags import camel_tag, is_person  # noqa: E402
from pipeline.stories.representative import aggregated  # noqa: E402
from pipeline.stories.sentences import bag, cosine  # noqa: E402
from pipeline.stories.novelty import phrases as _phrases  # noqa: E402

WIRES = ("reuters", "bloomberg", "ap", "afp", "associatedpress", "apnews", "upi", "dpa", "yahoo",
         "yahoofinance", "googlenews", "msn", "cnbc", "cnn", "bbc", "bbcnews", "guardian", "nyt")
CHECKS = ("summary_artefact", "summary_paywall", "summary_byline", "summary_markup", "headline_site",
          "outlet_hashtag", "outlet_fact", "x_is_linkedin", "seeds_002_004", "repeated_sentence",
          "lead_off_headline", "headline_shape", "spaced_tokens", "other_language", "dated_by_run",
          "person_hashtag", "aggregator_link")
# A tag ending in one of these is a place or an organisation ("BettyFordCenter", "BeverlyHills").
PLACE_WORDS = frozenset("center centre hills hospital university college church street park county city "
                        "foundation institute school bank island beach".split())
# Common given names (English and international), for the person-hashtag check only: a bench's
# own list, independent of the heuristics the product uses to keep persons out of hashtags.
GIVEN_NAMES = frozenset("""james john robert michael william david richard joseph thomas charles
christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian
george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry
justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
tyler aaron jose adam nathan henry douglas zachary peter kyle walter ethan jeremy harold keith
christian roger noah gerald carl terry sean austin arthur lawrence jesse dylan bryan joe jordan
billy bruce albert willie gabriel logan alan juan wayne roy ralph randy eugene vincent russell
elijah louis bobby philip johnny mary patricia jennifer linda elizabeth barbara susan jessica
sarah karen nancy lisa betty margaret sandra ashley kimberly emily donna michelle dorothy carol
amanda melissa deborah stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen
anna brenda pamela nicole emma samantha katherine christine debra rachel catherine carolyn janet
ruth maria heather diane virginia julie joyce victoria olivia kelly christina lauren joan evelyn
judith megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice
jean alice madison doris abigail julia judy grace denise amber marilyn beverly danielle theresa
sophia marie diana brittany natalie isabella charlotte rose alexis kayla lindsay tara esther
bettie fred hasim wladimir nick elon xi kim vladimir volodymyr emmanuel olaf rishi keir narendra
shinzo fumio yoon moon jong hui ka sinan poonam jerome janet christine ursula giorgia pedro
recep benjamin mohammed mohammad ali ahmed omar hassan hussein sergei sergii vitali boris
angela friedrich jensen satya sundar tim mark elena ivan dmitri igor yuki hiroshi takeshi""".split())

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


def run(folder: Path) -> tuple[list[dict], dict]:
    """The selected stories, each with its posts by network and its newest article date; and the
    run's article origins and language."""
    from editorial_pack import digest_of

    made = digest_of(folder, extra="max_age_hours = 1000000\n")
    articles = made["articles"]
    cards = []
    for entry in made["manifest"]["stories"]:
        s = made["stories"][entry["id"]]
        ids = {m.article_id for m in s.members}
        dates = [a.published for a in articles.values()
                 if a.id in ids and a.published and not a.published_guessed]
        cards.append({"story": s, "posts": made["posts"].get(s.id, {}),
                      "newest": max(dates) if dates else None})
    return cards, {"origins": {a.id: a.origin for a in articles.values()}, "language": made["language"],
                   "texts": {a.id: a.text for a in articles.values()}}


def _same_text(texts: dict[str, str], story, a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two summary sentences are one article's own: credited to it, or both in one
    member's text (copies are credited to the earliest member that holds each)."""
    if a[1] == b[1]:
        return True
    bodies = (" ".join(texts.get(m.article_id, "").split()) for m in story.members)
    return any(a[0] in t and b[0] in t for t in bodies)


def _body(post: str) -> str:
    """A post's words without links, hashtags or a closing ellipsis: what a reader reads."""
    text = re.sub(r"#\w+", "", _LINK.sub("", post))
    return " ".join(text.split()).rstrip("…").strip()


def count(cards: list[dict], run: dict) -> dict[str, int]:
    origins = run["origins"]
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
        sentences = [t for t, _ in s.summary]
        # The story's own terms ("ballistic missile", "shareholder return": in the headline or
        # in half its sources' titles) are no restatement; another shared phrase is.
        titles = list(dict.fromkeys(src.title.lower() for src in s.sources))
        df = collections.Counter(p for t in titles for p in _phrases(t))
        topic = _phrases(s.headline.lower()) | {p for p, n in df.items() if n >= max(2, len(titles) / 2)}
        found["repeated_sentence"] += sum(
            1 for i, a in enumerate(s.summary) for b in s.summary[:i]
            if cosine(bag(a[0]), bag(b[0])) >= 0.5
            or len((_phrases(a[0]) & _phrases(b[0])) - topic) >= (2 if _same_text(run["texts"], s, a, b) else 1))
        found["lead_off_headline"] += bool(sentences) and not names_subject(sentences[0], s.headline)
        found["headline_shape"] += bool(_bad_headline(s.headline))
        found["spaced_tokens"] += bool(_SPACED.search(s.headline) or _SPACED.search(s.summary_text))
        found["other_language"] += detect_language(s.headline) not in (None, run["language"]) \
            or (s.language not in (None, run["language"]))
        found["dated_by_run"] += bool(s.last_updated and card["newest"] and s.last_updated > card["newest"]) \
            or bool(s.last_updated and not card["newest"])
        text = "\n".join([s.headline, s.summary_text, *(src.title for src in s.sources[:24])])
        persons = {(camel_tag(e) or "").casefold() for e in s.entities if is_person(e, text, s.entities)}
        for t in {t for p in card["posts"].values() for t in re.findall(r"#(\w+)", p)}:
            parts = re.findall(r"[A-Z][a-z]+", t)
            found["person_hashtag"] += bool(parts and parts[0].lower() in GIVEN_NAMES and len(parts) >= 2
                                            and parts[-1].lower() not in PLACE_WORDS) \
                or t.casefold() in persons
        own = [src.url for src in s.sources if src.url and not aggregated(src.url, src.outlet)]
        links = {u for p in card["posts"].values() for u in re.findall(r"https?://\S+", p)}
        found["aggregator_link"] += bool(own) and any(aggregated(u) for u in links)
    return found


_SPACED = re.compile(r"\w - \w|\d\. \d|\w ,|\w \.(?:\s|$)|\w ['’] ?s\b")
_SUBORDINATE = re.compile(r"(?i)^(?:when|as|after|while|although|though|if|because|since|before)\b")


def _bad_headline(h: str) -> bool:
    n = len(h.split())
    return n > 16 or n < 4 or h.rstrip().endswith(".") and not h.rstrip().endswith("..") \
        or bool(_SUBORDINATE.match(h))


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
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--bench", type=Path, help="the four dev digests of the blind read, from this bench folder")
    ap.add_argument("--show", action="store_true", help="print every story card and post")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.folders and not args.bench:
        ap.error("give FOLDERs or --bench BENCH_DIR")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        runs = [(f.name, f) for f in args.folders]
        if args.bench:
            from editorial_pack import _digest_inputs

            runs += [(name, folder) for name, folder, _, _ in _digest_inputs(args.bench, Path(work))]
        for name, folder in runs:
            cards, run_info = run(folder)
            if args.show:
                show(cards)
            results[name] = {"stories": len(cards), **count(cards, run_info)}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        names = list(results)
        print(f"{'':20}" + " ".join(f"{n[:16]:>16}" for n in names) + f"{'all':>8}")
        for c in ("stories", *CHECKS):
            print(f"{c:20}" + " ".join(f"{results[n][c]:>16}" for n in names)
                  + f"{sum(results[n][c] for n in names):>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
