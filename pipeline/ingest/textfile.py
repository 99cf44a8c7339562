"""Plain-text article files (.txt / .md): an optional header block (Title:, URL:, Date:,
Source:), the title (or a headline derived from the text), and the main text without boilerplate."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.boilerplate import (_line_features, _norm, remove_boilerplate)
from pipeline.ingest.furniture import (_SENT_INNER, _STOP)

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
    ln = _line_features(line)
    if ln.boiler or ln.words < 2 or ln.words > 25 or len(line) > 200:
        return False
    # A paragraph, not a headline: several sentences, or a long line ending in a full stop.
    return not (_SENT_INNER.search(line) or (line.rstrip().endswith(".") and ln.words >= 12))


def derive_headline(text: str) -> str:
    """A short headline from the story's most central early sentence: its main clause, whole
    words. Central = its content words recur across the story's paragraphs; a chatty opener
    ("Everyone's first impression must be ...") or a question loses to the sentence that says
    what happened."""
    sentence = _central_sentence(text)
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


# Candidate sentences for a derived headline: the first few of the story, earlier ones preferred.
HEADLINE_CANDIDATES = 6
LEAD_KEEP_SHARE = 0.6
_REPORTED = re.compile(r"(?i)^.{0,120}?\b(?:reported|reports|found|finds|shows?|showed|announced|said|says)\s+that\s+")
_CHATTY = re.compile(r"(?i)\b(?:i|we|you|your|our|everyone|everybody|must be|imagine)\b")


def _central_sentence(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    if not paragraphs:
        return ""
    sentences: list[str] = []
    for p in paragraphs[:6]:
        sentences += [x.strip() for x in _SENTENCE_SPLIT.split(p) if x.strip()]
        if len(sentences) >= HEADLINE_CANDIDATES:
            break
    sentences = sentences[:HEADLINE_CANDIDATES]
    if len(sentences) == 1:
        return sentences[0]
    spread: dict[str, int] = {}
    for p in paragraphs:
        for w in set(_content_words_of(p)):
            spread[w] = spread.get(w, 0) + 1

    def score(i: int, s: str) -> float:
        words = _content_words_of(s)
        if len(words) < 4 or s.rstrip().endswith("?"):
            return -1.0
        central = sum(spread.get(w, 0) for w in set(words)) / (len(set(words)) ** 0.5)
        penalty = 0.5 if _CHATTY.search(s) or s.startswith(("\"", "“")) else 1.0
        return central * penalty * (1.0 - 0.08 * i)

    scores = [score(i, x) for i, x in enumerate(sentences)]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    # The lead is the headline's usual source; another sentence wins only when the lead is
    # clearly off the story (an opener about something else, a question, a quote).
    chosen = sentences[0] if scores[0] >= LEAD_KEEP_SHARE * scores[best] else sentences[best]
    m = _REPORTED.match(chosen)
    if m and len(chosen[m.end():].split()) >= 6:
        chosen = chosen[m.end():]
    return chosen


def _content_words_of(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9][a-z0-9\-]+", text.lower()) if w not in _STOP and len(w) > 2]


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
            if not _line_features(line).boiler:
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
