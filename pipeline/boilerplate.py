"""Main-text cleanup for copy-pasted pages and feed items: drop the boilerplate, keep the story.

The method is general, not a list of known sentences. Every line gets features (length, sentence
punctuation, stop-word ratio, title-case ratio, bullets, repetition, similarity to the title) and
is matched against patterns of *kinds* of boilerplate (comment prompts, share/subscribe blurbs,
cookie notices, image credits, bylines, datelines, cross-links). Lines then get a signed weight
and the story is the contiguous run of lines with the largest total weight (maximum-subarray,
as in Finn et al.'s Body Text Extraction), searched only between "end of story" walls (comment
sections, related-item lists, "Source:" trailers); a section after a wall is kept only when its
vocabulary is the story's. Inside the run, lines that are clearly boilerplate are dropped; short
subheads between paragraphs stay. Short texts (feed items of a few sentences) lose only lines
that match a boilerplate pattern.

Figures (bench/extraction.py on the AEB dev half; token F1, whole page text as input): see
``bench/extraction.py``; the constants below name the figure that chose them.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass

from pipeline.extract import html_to_text

__all__ = ["ParsedText", "derive_headline", "html_to_text", "parse_text_article", "remove_boilerplate"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
log = logging.getLogger(__name__)

# --- thresholds -------------------------------------------------------------------------------
# A line of at least this many words that reads as prose is a paragraph ("good"). jusText uses
# 10-ish words for English; 10 scored best on the AEB dev half (9-14 within 0.005 of it).
GOOD_MIN_WORDS = 10
# Texts shorter than this are feed items or stubs: only pattern-matched lines go.
# Feed items of 2-4 sentences are 200-800 characters; the smallest AEB article is 370.
SHORT_TEXT_CHARS = 900
# A section behind an end-of-story wall joins the story only when this share of its content
# word tokens occur in the story. On the AEB dev half, story parts split off by a sidebar
# scored 0.33-0.56, site sections and other stories mostly 0.00-0.27; the seeds' appended
# items score 0.06.
COHERENT_SHARE = 0.3
# Share of non-prose lines allowed in a section joined across a wall.
MAX_NOISE_SHARE = 0.25
# A run of furniture lines (sidebar) longer than this ends the story even when prose follows.
MAX_GAP_LINES = 40
# Words besides the date on a dateline ("Chris Davies - Nov 19, 2019, 10:31 pm CST"); more than
# this is a list item or a sentence (tour dates "June 9 - West Palm Beach, FL @ ...").
DATELINE_MAX_REST = 6
# Weight of a section behind a wall relative to the one before it (comment threads after a
# short story outweigh it: 4 paragraphs against 30 comments on the AEB dev half).
AFTER_WALL_DISCOUNT = 0.2
# Prose weight (about characters) of a section that can be a story: less is a stray line.
MIN_STORY_WEIGHT = 150
# Weight of a furniture section heading: a story bridges it only with a paragraph or two more.
SECTION_PENALTY = 200
# Weight of a short line that is not prose (nav item, label, teaser headline), per line.
NAV_PENALTY = 25
# A line repeated on the page this often (nav, teaser lists, title echoes) is not story text.
REPEAT_LIMIT = 2

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_BULLET = re.compile(r"^(?:[•·▪►●◦■□▸‣∙*+>|]|-(?=\s)|–(?=\s))\s*")
# Ends like a sentence: terminal punctuation, optionally closed by quotes or brackets.
_SENT_END = re.compile(r"[.!?…:;。！？][\"'”’»)\]」』）]*$")
# Scripts written without spaces: word counts come from characters (about two a word).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SENT_INNER = re.compile(r"\w[.!?][\"'”’)]*\s+[\"'“‘(]?[A-Z0-9]")

# Phrases that mark a whole line as boilerplate wherever it stands. Each alternative is a KIND
# of page furniture, written for the general phrasing sites use, not for one page.
_BOILER = re.compile(
    r"""(?ix)
    \b(?:leave|post|add|write|submit)\s+a\s+(?:reply|comment|review)\b
    | \byour\s+email\s+address\s+will\s+not\b | \brequired\s+fields\s+are\s+marked\b
    | \b(?:view|show|load|read|hide|see)\s+(?:all\s+|more\s+)?comments?\b
    | ^\d*\s*(?:comments?|replies|responses|shares?)\s*$
    | \byou\s+are\s+commenting\b | \blog\s*in\s+to\s+(?:comment|reply)\b | \bakismet\b
    | \bcookies?\b.*\b(?:use|uses|using|accept|policy|consent|settings|experience)\b
    | \b(?:use|uses|using|accept)\b.*\bcookies?\b
    | \b(?:sign(?:ing)?\s*(?:you\s+)?up|subscribe|subscribed|subscription|unsubscribe|opt-?in)\b
      .*\b(?:newsletter|inbox|email|e-mail|updates|alerts|free|now|today|daily|weekly|here)\b
    | \b(?:newsletter|inbox)\b.*\b(?:sign|subscribe|deliver|delivered|join|get|receive)\w*\b
    | \b(?:delivered|sent|straight)\s+(?:straight\s+)?to\s+your\s+(?:inbox|email)\b
    | \b(?:thank\s+you|thanks)\s+for\s+(?:signing|subscribing|registering|your\s+feedback)\b
    | \b(?:issue|problem|error)\s+signing\s+you\s+up\b | \bspam\s+folder\b
    | \bconfirmation\s+(?:mail|email|link)\b | \bfeedback\s+has\s+been\s+submitted\b
    | ^(?:share|tweet|email|print|save|bookmark|follow|like)\b.{0,40}$
    | ^share\s+(?:this|the|your|on|via|with)\b
    | ^(?:advertisement|advertising|sponsored(?:\s+content)?|ad|adverti[sz]ement\s*-.*|promoted)$
    | ^(?:exit|view|switch\s+to|go\s+to)\s+(?:the\s+)?(?:mobile|desktop|full)\s+(?:version|site)$
    | ^(?:skip|jump)\s+to\b | ^back\s+to\s+(?:top|home)\b | ^(?:menu|search|close|home|more)$
    | ^(?:source|sources|via|end|ends|tags?|topics?|filed\s+under|categories|category)\s*:?\s*$
    | ^(?:read|see|watch|listen|click)\s+(?:more|also|next|here|now)\b
    | \ball\s+rights\s+reserved\b | ^(?:©|\(c\)|copyright\b)
    | \b(?:privacy\s+policy|terms\s+(?:of\s+(?:use|service)|and\s+conditions|&\s+conditions))\b
    | \bclick\s+here\b | ^click\s+to\b | \(opens\s+in\s+(?:a\s+)?new\s+window\) | \bdownload\s+(?:our|the)\s+app\b | \bfollow\s+us\b
    | \bsupport\s+(?:our|independent)\s+journalism\b | \bbecome\s+a\s+(?:member|subscriber)\b
    | ^(?:\d+\.\s+)?\S.{0,40}\s(?:says|said|wrote|writes|replied):$
    | \bsorry,\s+your\s+(?:blog|browser)\b | \benable\s+javascript\b
    """
)
# End-of-story walls: after these come comments, sign-up forms or a trailer, not the story.
_WALL = re.compile(
    r"""(?ix)
    ^\d+\s+(?:comments?|responses|replies)$ | ^(?:comments?|responses|replies)\s*\(\d+\)$
    | ^(?:join|start)\s+the\s+(?:discussion|conversation)\b | ^(?:reader\s+)?comments\s*:$
    | \b(?:leave|post|add|write)\s+a\s+(?:reply|comment)\b | ^share\s+your\s+(?:experience|thoughts|comments|views)
    | ^\d+\s+(?:responses|comments|replies|thoughts)\s+(?:to|on)\b
    | ^(?:source|sources|end|ends)\s*:?$
    """
)
# Section headings of site furniture (related items, most read, tags): often a sidebar dropped
# into the middle of a story, so they weigh heavily against a span but do not end it.
_SECTION = re.compile(
    r"""(?ix)
    ^(?:related|recommended|trending|popular|most\s+(?:popular|read|viewed|shared|recent))\b.{0,30}$
    | ^(?:you\s+(?:may|might)\s+(?:also\s+)?like|more\s+(?:from|in|on|stories|news|articles)\b.{0,30}$)
    | ^(?:also\s+read|read\s+next|what\s+to\s+read\s+next|more\s+to\s+explore|further\s+reading)\b
    | ^(?:about\s+the\s+author|tags|topics|filed\s+under|comments|discussion)\s*:?\s*$
    | ^(?:tags|topics|filed\s+under)\s*:
    """
)
# Image captions and credits: a credit word or an agency at the end, "Photo: ...", licences.
_CAPTION = re.compile(
    r"""(?ix)
    \b(?:photo(?:graph)?|image|picture|illustration|video|graphic|foto|bild)s?\s*(?:credit\s*)?(?:[:|]|by\b|courtesy\b)
    | (?:\b|(?<=[a-z]))(?-i:[Cc])redit(?:s|ed)?\s*(?::|to\b|\w+\s*,)
    | \bcc[\s-]by(?:-\w+)*\b | \b(?:representational|representative|file|stock)\s+(?:image|photo|picture)\b
    | (?:[|/(]\s*|\b)(?:getty\s+images|shutterstock|istock(?:photo)?|alamy|afp|ap\s+photo|epa(?:-efe)?|
       reuters/[\w .-]+|wikimedia(?:\s+commons)?|unsplash|pexels|pixabay|courtesy(?:\s+of)?\s+[\w .-]+)\)?\s*$
    """
)
# Wire-photo captions can run long ("In this Dec. 12, 2006, file photo, made available by ...").
_LONG_CAPTION = re.compile(
    r"(?i)\bin\s+this\s+(?:[\w.,'’-]+\s+){0,5}(?:photo|image|picture|photograph|video|handout)\b"
    r"|^file\s*[-–—:]\s|\((?:[\w .]+\s)?(?:ap|afp|reuters|getty)\s+(?:photo|images?)\b"
)
# Long consent and membership notices: only when the line opens with them.
_NOTICE = re.compile(
    r"(?i)^(?:this\s+(?:web)?site\s+uses\s+cookies|we\s+(?:and\s+our\s+partners\s+)?use\s+cookies"
    r"|by\s+(?:continuing|using)\s+(?:to\s+(?:use|browse)\s+)?(?:this|our)\s+(?:web)?site)"
)
_BYLINE = re.compile(r"(?i)^(?:by|written\s+by|posted\s+by|words\s+by|author)\s*:?\s+\S")
_DATE = re.compile(
    r"""(?ix)
    \b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b
    | \b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b
    | \b\d{4}-\d{2}-\d{2}\b | \b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b | \b\d{1,2}:\d{2}\s*(?:am|pm)?\b
    | \b(?:updated|published|posted|last\s+modified)\b | \b\d+\s+(?:min(?:ute)?s?|hours?|days?)\s+ago\b
    """
)
# Cross-links: "MORE LUPUS STORIES: Headline", "READ MORE: Headline", "Related: Headline".
_CROSSLINK = re.compile(
    r"(?x)^(?:[A-Z][A-Z0-9'’&-]*(?:\s+[A-Z0-9'’&-]+){0,5}|(?i:related|read\s+more|more|see\s+also|"
    r"also\s+read|read|watch|listen|recommended|don'?t\s+miss))\s*[:>»|]\s+\S"
)
_STOP = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its
    this that these those he she they we you i his her their our your not no so than then there
    which who whom what when where while would will can could should may might must has have had do
    does did also into about after before over under more most such only just one two all any
    der die das und oder ist nicht ein eine zu mit von den dem des auf für im sich es sie wir auch
    le la les et ou est pas un une des du au aux pour par sur dans avec qui que il elle ne ce se
    el los las y o es no un una del al por para con en que se su lo como más pero
    o os as e é um uma do da dos das em no na para com por que se não mais mas ao
    il lo gli e è di da con per che non una della delle nel
    de het een en van is dat op te zijn niet met voor
    yang dan di ke dari ini itu dengan untuk tidak ada pada akan juga dalam adalah karena
    и в не на что с по как это он она они но из у к за то же""".split()
)


def _is_dateline(text: str) -> bool:
    """A date/time line, maybe with a name or a place: what is left beside the dates is short."""
    rest = _DATE.sub(" ", text)
    return rest != text and len(_WORD.findall(rest)) <= DATELINE_MAX_REST


@dataclass(frozen=True)
class _Line:
    text: str
    words: int
    sentence: bool      # ends like a sentence
    prose: float        # 0..1: how much it reads like running text
    boiler: bool        # matches a boilerplate pattern (or caption, byline, dateline)
    wall: bool          # ends the story (comments, related items, trailers)
    bullet: bool
    repeated: bool      # occurs more than once on the page
    section: bool       # heads a block of site furniture (related, most read, tags)
    copy: bool = False  # a later occurrence of an earlier line


def _norm(line: str) -> str:
    return _SPACE.sub(" ", line).strip()


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _line_features(text: str, bullet: bool, repeated: bool) -> _Line:
    toks = _WORD.findall(text)
    n = len(toks)
    lower = [t.lower() for t in toks]
    stop = sum(1 for t in lower if t in _STOP) / n if n else 0.0
    cjk = len(_CJK.findall(text))
    if cjk * 3 > len(text):
        # No stop-word list for these scripts: length and punctuation decide.
        n, stop = max(n, cjk // 2), 0.3
    caps = sum(1 for t in toks if t[0].isupper()) / n if n else 0.0
    sentence = bool(_SENT_END.search(text)) and n >= 3
    inner = len(_SENT_INNER.findall(text))
    # Prose: stop words and sentence punctuation; headlines and nav are Title Case without them.
    prose = min(1.0, stop * 2.5) * 0.5 + (0.3 if sentence else 0.0) + min(0.2, 0.1 * inner)
    if caps > 0.7 and n >= 4 and not sentence:
        prose *= 0.5
    boiler = bool(_NOTICE.match(text)) or (n < 80 and bool(_LONG_CAPTION.search(text))) or n < 40 and bool(
        _BOILER.search(text)
        or _CAPTION.search(text)
        or (_BYLINE.match(text) and n <= 12)
        or (n <= 14 and not sentence and stop < 0.25 and _is_dateline(text))
        or (_CROSSLINK.match(text) and not sentence and caps > 0.5)
    )
    wall = n <= 12 and bool(_WALL.search(text))
    section = n <= 12 and bool(_SECTION.search(text))
    return _Line(text, n, sentence, prose, boiler or wall or section, wall, bullet, repeated, section)


def _split_lines(text: str) -> list[_Line]:
    raw: list[tuple[str, bool]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        m = _BULLET.match(stripped)
        bullet = bool(m and m.end() > 0)
        body = _norm(stripped[m.end():] if bullet else stripped)
        if body:
            raw.append((body, bullet))
    counts: dict[str, int] = {}
    for body, _ in raw:
        k = _key(body)
        counts[k] = counts.get(k, 0) + 1
    lines, seen = [], set()
    for body, bullet in raw:
        k = _key(body)
        ln = _line_features(body, bullet, counts[k] >= REPEAT_LIMIT)
        if k in seen:
            ln = dataclasses.replace(ln, copy=True)
        seen.add(k)
        lines.append(ln)
    return lines


def _weight(ln: _Line) -> float:
    """Signed weight: positive for story-like lines, negative for furniture."""
    if ln.section:
        return -SECTION_PENALTY
    if ln.boiler:
        return -max(NAV_PENALTY, len(ln.text))
    if ln.repeated:
        # Menus, teasers, title echoes and page metadata repeat; story paragraphs do not
        # (counting repeated prose once scored 0.002 lower on the AEB dev half).
        return -NAV_PENALTY
    if ln.words >= GOOD_MIN_WORDS and ln.prose >= 0.45 and not (ln.bullet and not ln.sentence):
        return len(ln.text) * ln.prose
    if ln.sentence and ln.words >= 4 and ln.prose >= 0.45:
        return len(ln.text) * ln.prose * 0.5
    return -NAV_PENALTY


def _best_run(weights: list[float], lo: int, hi: int) -> tuple[float, int, int]:
    """Maximum-sum contiguous run in weights[lo:hi] -> (score, start, end exclusive)."""
    best, best_i, best_j = 0.0, lo, lo
    cur, cur_i = 0.0, lo
    for j in range(lo, hi):
        if cur <= 0:
            cur, cur_i = 0.0, j
        cur += weights[j]
        if cur > best:
            best, best_i, best_j = cur, cur_i, j + 1
    return best, best_i, best_j


def _content_words(lines: list[_Line]) -> set[str]:
    return {w for ln in lines for w in _WORD.findall(ln.text.lower()) if w not in _STOP and len(w) > 2}


def _coherence(part: list[_Line], story: set[str]) -> float:
    """Share of the part's content-word tokens that the story also uses."""
    toks = [w for ln in part for w in _WORD.findall(ln.text.lower()) if w not in _STOP and len(w) > 2]
    return sum(1 for w in toks if w in story) / len(toks) if toks else 0.0


def _story_span(lines: list[_Line], weights: list[float], title: str | None) -> tuple[int, int]:
    """The story's line span: the best run between walls, grown across walls into sections
    that share the story's vocabulary (a sidebar dropped mid-story), never into unrelated ones."""
    walls = [i for i, ln in enumerate(lines) if ln.wall]
    bounds = [0, *[w + 1 for w in walls], len(lines)]
    segments = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
    runs = [_best_run(weights, lo, hi) for lo, hi in segments]
    # Comments come after the story and can outweigh it: each wall behind the first section
    # with prose discounts what follows it.
    first = next((n for n, r in enumerate(runs) if r[0] >= MIN_STORY_WEIGHT), 0)
    k = max(range(len(runs)), key=lambda n: runs[n][0] * AFTER_WALL_DISCOUNT ** max(0, n - first))
    score, i, j = runs[k]
    if score <= 0:
        return 0, 0
    story = _content_words(lines[i:j])
    if title:
        story |= _content_words([_line_features(title, False, False)])
    for step in (1, -1):
        n = k + step
        while 0 <= n < len(segments):
            s2, i2, j2 = runs[n]
            if s2 > 0:
                share = _coherence(lines[i2:j2], story)
                noise = sum(1 for w in weights[i2:j2] if w <= 0) / (j2 - i2)
                log.debug("segment %d..%d coherence %.2f noise %.2f", i2, j2, share, noise)
                # A comment thread shares the story's words but is broken up by name and
                # date lines; the rest of a story split by a stray prompt is not.
                if share < COHERENT_SHARE or noise > MAX_NOISE_SHARE:
                    break
                if step == 1:
                    j = j2
                else:
                    i = i2
            elif segments[n][1] - segments[n][0] > MAX_GAP_LINES:
                break
            n += step
    return i, j


def _is_subhead(lines: list[_Line], i: int, keep: list[bool]) -> bool:
    """A short non-prose line between paragraphs is a subhead ("What is Lupus?")."""
    ln = lines[i]
    if ln.boiler or ln.bullet or ln.repeated or ln.words > 14 or ln.words == 0:
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    return bool(nxt and _weight(nxt) > 0 and i > 0 and keep[i - 1])


def remove_boilerplate(text: str, title: str | None = None) -> str:
    """Return the story's clean paragraphs joined by a blank line."""
    lines = _split_lines(text)
    if not lines:
        return ""
    if title:
        tkey = _key(title)
        start = _title_position(lines, tkey)
        lines = [ln for ln in lines[start:] if _key(ln.text) != tkey]
    if sum(len(ln.text) for ln in lines) < SHORT_TEXT_CHARS:
        # Feed items and stubs: too little text to judge position; drop only what is certain.
        kept = [ln.text for ln in lines if not ln.boiler]
        return "\n\n".join(kept)
    weights = [_weight(ln) for ln in lines]
    i, j = _story_span(lines, weights, title)
    if i == j:
        return "\n\n".join(ln.text for ln in lines if not ln.boiler)
    keep = [False] * len(lines)
    for n in range(i, j):
        keep[n] = weights[n] > 0 or (
            not lines[n].boiler and not lines[n].repeated and not lines[n].copy and lines[n].sentence and lines[n].words >= 3
        )
    for n in range(i, j):
        if not keep[n] and _is_subhead(lines, n, keep):
            keep[n] = True
    return "\n\n".join(lines[n].text for n in range(len(lines)) if keep[n])


def _title_position(lines: list[_Line], tkey: str) -> int:
    """Index just after the title's line when it opens the story; 0 when not found early."""
    total = sum(len(ln.text) for ln in lines)
    seen = 0
    for n, ln in enumerate(lines):
        if _key(ln.text) == tkey:
            return n + 1 if seen < 0.3 * total else 0
        seen += len(ln.text)
    return 0


# --- article files ------------------------------------------------------------------------------
# A derived headline is at most this long (news headlines run 50-90 characters) ...
MAX_HEADLINE_CHARS = 90
# ... unless cutting there would leave a stub shorter than this while the whole main clause
# fits in HEADLINE_SLACK_CHARS: then the whole clause is the better headline.
MIN_HEADLINE_CHARS = 45
HEADLINE_SLACK_CHARS = 100
# Leading lines that are page furniture (nav, an image credit) skipped while looking for a title.
MAX_TITLE_SKIP = 3

_HEADER = re.compile(r"(?i)^\s*(title|url|link|date|published|source|author)\s*:\s*(.*?)\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_LEAD_CLAUSE = re.compile(
    r"(?i)^(?:when|while|after|before|using|in|on|at|as|although|though|if|despite|for|with|"
    r"since|because|according\s+to|following|amid|during|by|under|once|until|unlike|like|"
    r"[a-z]+ing)\b[^,]{2,80},\s+"
)
_CLAUSE_CUT = re.compile(
    r"(?i),\s+|\s*[;:–—]\s+|\s+-\s+|\s+(?=(?:such\s+that|so\s+that|which|who|whom|whose|because|"
    r"after|while|although|though|whereas|where|when|since|until|before|but|and|as)\s)"
)


@dataclass(frozen=True)
class ParsedText:
    """A .txt / .md article: its fields and its clean text."""

    title: str
    text: str
    url: str | None = None
    date: str | None = None
    source: str | None = None
    title_derived: bool = False


def _is_headline(line: str) -> bool:
    ln = _line_features(line, False, False)
    if ln.boiler or ln.words < 2 or ln.words > 25 or len(line) > 200:
        return False
    # A paragraph, not a headline: several sentences, or a long line ending in a full stop.
    return not (_SENT_INNER.search(line) or (line.rstrip().endswith(".") and ln.words >= 12))


def derive_headline(text: str) -> str:
    """A short headline taken from the story's lead sentence: its main clause, whole words."""
    first = next((p for p in text.split("\n") if p.strip()), "").strip()
    sentence = _SENTENCE_SPLIT.split(first, maxsplit=1)[0].strip()
    m = _LEAD_CLAUSE.match(sentence)
    if m and len(sentence[m.end():].split()) >= 5:
        sentence = sentence[m.end():]
    clause = sentence.strip(" \"'“”‘’").rstrip(" .,;:!?…–—-")
    if len(clause) > MAX_HEADLINE_CHARS:
        cuts = [c.start() for c in _CLAUSE_CUT.finditer(clause) if c.start() <= MAX_HEADLINE_CHARS]
        cuts = [c for c in cuts if len(clause[:c].split()) >= 4]
        if cuts and (cuts[-1] >= MIN_HEADLINE_CHARS or len(clause) > HEADLINE_SLACK_CHARS):
            clause = clause[: cuts[-1]]
        elif len(clause) > HEADLINE_SLACK_CHARS:
            words = clause[: MAX_HEADLINE_CHARS + 1].rsplit(" ", 1)[0].split()
            while len(words) > 4 and words[-1].lower().strip(",;:") in _STOP:
                words.pop()
            clause = " ".join(words)
        clause = clause.rstrip(" .,;:!?…–—-")
    return clause[:1].upper() + clause[1:]


def _split_header(raw: str) -> tuple[dict[str, str], str]:
    lines = raw.split("\n")
    fields: dict[str, str] = {}
    n = 0
    while n < len(lines) and not lines[n].strip():
        n += 1
    start = n
    while n < len(lines) and (m := _HEADER.match(lines[n])):
        fields.setdefault(m.group(1).lower(), m.group(2))
        n += 1
    # A header block is a run of field lines ended by a blank line (or the end of the file).
    if fields and (n == len(lines) or not lines[n].strip()) and n - start <= 8:
        return fields, "\n".join(lines[n:])
    return {}, raw


def parse_text_article(raw: str) -> ParsedText:
    """A copy-pasted article file: optional header block, a title line, then the story."""
    fields, rest = _split_header(raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_MD_HEADING.sub("", ln) for ln in rest.split("\n")]
    title = _norm(fields.get("title", ""))
    body_lines = lines
    if not title:
        nonblank = [n for n, ln in enumerate(lines) if ln.strip()]
        for n in nonblank[: MAX_TITLE_SKIP + 1]:
            line = _norm(lines[n])
            if _is_headline(line):
                title = line
                body_lines = lines[:n] + lines[n + 1:]
                break
            if not _line_features(line, False, False).boiler:
                break   # the story itself begins: no title line
    text = remove_boilerplate("\n".join(body_lines), title or None)
    derived = not title
    if derived:
        title = derive_headline(text)
    url = fields.get("url") or fields.get("link") or None
    return ParsedText(
        title=title, text=text, url=url, date=fields.get("date") or fields.get("published") or None,
        source=fields.get("source") or None, title_derived=derived,
    )
