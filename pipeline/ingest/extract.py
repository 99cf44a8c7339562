"""Main text and metadata of an HTML article page, and plain text of feed HTML.

Choice of extractor, measured with ``bench/extraction.py DATA_DIR --compare`` on the AEB dev
half (91 news pages; token F1 of score_text.py against the benchmark's article bodies; pages/s
on one core of a 2-core dev machine shared with other work, so only roughly comparable):

    trafilatura, default settings                      F1 0.967  (P 0.942 R 0.992)  ~39 pages/s
    trafilatura, favor_precision, no comments          F1 0.980  (P 0.970 R 0.989)  ~42 pages/s
    trafilatura, favor_recall                          F1 0.968  (P 0.945 R 0.992)  ~66 pages/s
    readability-lxml (summary -> html_to_text)         F1 0.968  (P 0.948 R 0.988)  ~20 pages/s
    trafilatura (precision) + remove_boilerplate       F1 0.957  (P 0.986 R 0.929)
    readability-lxml + remove_boilerplate              F1 0.956  (P 0.983 R 0.930)
    extract_html (the choice, as below)                F1 0.981  (P 0.973 R 0.989)  ~27 pages/s

trafilatura with favor_precision and without comments wins, and it also reads title, author,
date and lead image from the page's metadata. extract_html adds: paragraphs separated by blank
lines, the headline dropped from the top of the body (it is the title), the <html lang>
language when trafilatura gives none, and readability-lxml as a fallback when trafilatura finds
no body. Running remove_boilerplate on an extractor's output raises precision but costs more
recall than it gains (it trims short paragraphs the extractor rightly kept), so it is not done.
"""
from __future__ import annotations

import codecs
import logging
import re
import threading
from dataclasses import dataclass

import lxml.etree

from pipeline.ingest.normalize import drop_controls

log = logging.getLogger(__name__)

# Below this many characters trafilatura's body is a stub (a paywall teaser, a lone caption)
# and readability-lxml gets a chance; on the AEB dev half the shortest real body is 370.
MIN_BODY_CHARS = 200

_BLOCK = frozenset(
    """p div section article main header footer aside nav h1 h2 h3 h4 h5 h6 ul ol li dl dt dd
    table thead tbody tfoot tr td th blockquote pre figure figcaption address hr form fieldset
    details summary center""".split()
)
# Elements whose content is no story text. textarea, title, xmp, noembed, noframes and plaintext
# hold raw text: '<textarea><script>...' would come out as the literal text '<script>...'.
_DROP = frozenset("""script style noscript iframe svg form template object embed canvas button select
    textarea title xmp noembed noframes plaintext""".split())
# The spaces collapsed to one " ": these and the space itself.
_OTHER_SPACES = "\t\r\f\v\u00a0" + "".join(map(chr, range(0x2000, 0x200C))) + "\u202f\u205f\u3000"
_SPACE = re.compile(f"[ {_OTHER_SPACES}]+")
# The runs of _SPACE that replacing by " " changes: all but a lone space. Feed text has a space
# between every two words, so substituting those too cost 30 us an item (14 us this way).
_SPACE_RUN = re.compile(f"[{_OTHER_SPACES}][ {_OTHER_SPACES}]*| [ {_OTHER_SPACES}]+")
# What a sentence ends with, before any whitespace (tested on the last non-space character: a
# regex anchored at the end scans the whole paragraph before it).
_SENT_END = frozenset(".!?…\"”’)")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class ExtractedPage:
    """What an article page gives: None where the page does not say."""

    title: str | None
    text: str
    language: str | None = None
    author: str | None = None
    published: str | None = None   # ISO date or date-time as the page declares it
    image: str | None = None
    url: str | None = None         # the page's canonical URL, when it declares one


def decode_html(raw: bytes) -> str:
    """Bytes of a page to str: BOM, then the declared charset (meta), then UTF-8, then cp1252."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(enc, errors="replace")
    m = _META_CHARSET.search(raw[:8192])
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec:
            # Pages that declare latin-1 are in practice windows-1252 (as browsers assume).
            codec = "cp1252" if codec in ("latin_1", "iso8859-1", "ascii") else codec
            return raw.decode(codec, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


# One parser per thread, made once: lxml parsers are reusable but not shareable across threads.
# lxml.etree's HTML parser builds the same tree as lxml.html's without its per-element class
# lookup (html_to_text only reads tags, text and tails).
_PARSERS = threading.local()
# Tag -> the name html_to_text compares ("{ns}P" -> "p"), for the few tags feeds use; bounded,
# since a hostile feed can make up any number of tag names.
_NAMES: dict[object, str] = {}
MAX_CACHED_NAMES = 512


def _parse(fragment: str) -> lxml.etree._Element | None:
    parser = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = _PARSERS.html = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True,
                                                       no_network=True)
    try:
        root = lxml.etree.fromstring(fragment, parser)
    except (lxml.etree.ParserError, ValueError, TypeError) as e:
        log.debug("unparsable HTML (%s): falling back to tag stripping", e)
        return None
    if root is None:
        log.debug("unparsable HTML (empty document): falling back to tag stripping")
    return root


def _add_text(chunks: list[str], text: str | None) -> None:
    """Inline text: a newline in the source is a paragraph break only after a sentence end
    (wire feeds separate paragraphs so), otherwise a space (pretty-printed markup)."""
    if not text:
        return
    parts = text.split("\n")
    for n, part in enumerate(parts):
        if n:
            prev = "".join(chunks[-3:]).rstrip()
            chunks.append("\n\n" if prev[-1:] in _SENT_END else " ")
        chunks.append(part)


def _name(tag: object) -> str:
    name = _NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
        if len(_NAMES) < MAX_CACHED_NAMES:
            _NAMES[tag] = name
    return name


def html_to_text(fragment: str) -> str:
    """Feed HTML to plain paragraphs separated by blank lines; never raises."""
    if not fragment or not fragment.strip():
        return ""
    root = _parse(fragment)
    chunks: list[str] = []
    if root is None:
        _add_text(chunks, re.sub(r"<[^>]*>", "\n\n", fragment))
        return _tidy("".join(chunks))
    append = chunks.append
    names = _NAMES
    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        name = names.get(tag)
        if name is None:
            name = _name(tag)
        if event == "start":
            if name in _DROP:
                walker.skip_subtree()   # its end event still comes, and adds the tail
                continue
            if name in _BLOCK:
                append("\n\n")
            elif name == "br":
                append("\n")
            text = el.text
        else:
            if name in _BLOCK:
                append("\n\n")
            text = el.tail
        if text:
            if "\n" in text:
                _add_text(chunks, text)
            else:
                append(text)        # what _add_text does with one line, without the call
    return _tidy("".join(chunks))


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _collapse_spaces(text: str) -> str:
    """_SPACE.sub(" ", text). Text without two spaces in a row and without any other space
    (two items in three) is returned as it is after substring tests (4 us, the regex 17 us)."""
    if "  " not in text and not any(c in text for c in (_OTHER_SPACES[:4] if text.isascii()
                                                        else _OTHER_SPACES)):
        return text
    return _SPACE_RUN.sub(" ", text)


def _tidy(text: str) -> str:
    # Character references in feed HTML (&#1;, &#x202E;) decode to controls and bidi overrides
    # that would reorder or hide what a reader sees: they go, as they do from plain text.
    # Spaces are collapsed in one pass over the whole text: _SPACE never matches a newline, so
    # this is the same as collapsing them line by line.
    text = _collapse_spaces(drop_controls(text))
    paras = []
    for para in _PARAGRAPH_BREAK.split(text):
        if "\n" not in para:
            para = para.strip()
            if para:
                paras.append(para)
            continue
        lines = [ln for ln in (ln.strip() for ln in para.split("\n")) if ln]
        if lines:
            paras.append("\n".join(lines))
    return "\n\n".join(paras)


_HTML_LANG = re.compile(
    r"""<html[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.IGNORECASE
)
_WORDS = re.compile(r"\w+")


def _paragraphs(text: str) -> str:
    return "\n\n".join(ln for ln in (_SPACE.sub(" ", ln).strip() for ln in text.splitlines()) if ln)


def _drop_headline(text: str, title: str | None) -> str:
    """The page's headline opens the extracted body; it is the title, not story text."""
    if not title or not text:
        return text
    first, _, rest = text.partition("\n\n")
    same = _WORDS.findall(first.lower()) == _WORDS.findall(title.lower())
    return rest if same and rest else text


def _declared_language(html: str) -> str | None:
    m = _HTML_LANG.search(html[:4096])
    return m.group(1).lower() if m else None


def _readability_text(html: str) -> tuple[str | None, str]:
    from readability import Document

    doc = Document(html)
    return doc.short_title() or None, html_to_text(doc.summary(html_partial=True))


def extract_html(html: str | bytes, url: str | None = None) -> ExtractedPage:
    """Main text and metadata of an article page (trafilatura; readability-lxml as fallback)."""
    import trafilatura

    if isinstance(html, bytes):
        html = decode_html(html)
    if not html.strip():
        return ExtractedPage(title=None, text="")
    doc = None
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, favor_precision=True, include_comments=False, include_tables=True,
            with_metadata=True,
        )
    except Exception as e:  # noqa: BLE001 - a library failure on one page falls back below
        log.warning("trafilatura failed on %s: %s", url or "page", e)
    # trafilatura gives one paragraph a line; the pipeline's text has blank lines between them.
    text = _paragraphs(getattr(doc, "text", None) or "") if doc is not None else ""
    title = getattr(doc, "title", None) if doc is not None else None
    if len(text) < MIN_BODY_CHARS:
        try:
            r_title, r_text = _readability_text(html)
        except Exception as e:  # noqa: BLE001
            log.warning("readability failed on %s: %s", url or "page", e)
            r_title, r_text = None, ""
        if len(r_text) > len(text):
            text = r_text
        title = title or r_title
    text = _drop_headline(text, title)
    get = (lambda k: getattr(doc, k, None) or None) if doc is not None else (lambda k: None)
    lang = get("language") or _declared_language(html)
    return ExtractedPage(
        title=title or None, text=text, language=lang, author=get("author"),
        published=get("date"), image=get("image"), url=get("url") or url,
    )
