"""Kinds of page furniture, as patterns: comment prompts, share and subscribe blurbs, cookie
notices, image credits and captions, bylines, datelines, cross-links, section headings. The
boilerplate remover (pipeline.ingest.boilerplate) scores lines with them; they name kinds of
lines, never known sentences."""
from __future__ import annotations

import re

# Chosen on the AEB dev half (token F1 of bench/extraction.py), like boilerplate's thresholds.
# Words besides the date on a dateline ("Chris Davies - Nov 19, 2019, 10:31 pm CST"); more is
# a list item or a sentence (tour dates "June 9 - West Palm Beach, FL @ ..."). 3-9: 0.926.
DATELINE_MAX_REST = 6
# An agency credit ends a caption: looked for in this many last characters of a line.
CREDIT_TAIL_CHARS = 60

_WORD = re.compile(r"\w+", re.UNICODE)
_BULLET = re.compile(r"^(?:[•·▪►●◦■□▸‣∙*+>|]|-(?=\s)|–(?=\s))\s*")
# Ends like a sentence: terminal punctuation, optionally closed by quotes or brackets.
_TERMINALS = frozenset(".!?…:;。！？")
_CLOSERS = "\"'”’»)]」』） `"
# Scripts written without spaces: word counts come from characters (about two a word).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# A sentence break inside a line (starts with a character class: the regex engine scans fast).
_SENT_INNER = re.compile(r"[.!?][\"'”’)]*\s+[\"'“‘(]?[A-Z0-9]")

# Boilerplate line openings (tried at the start of a line only: cheap). Each alternative is a
# KIND of page furniture, written for the general phrasing sites use, not for one page.
_BOILER_START = re.compile(
    r"""(?ix)
    \d*\s*(?:comments?|replies|responses|shares?)\s*$
    | (?:share|tweet|email|print|save|bookmark|follow|like)\b.{0,40}$
    | share\s+(?:this|the|your|on|via|with)\b
    | (?:advertisement|advertising|sponsored(?:\s+content)?|ad|adverti[sz]ement\s*-.*|promoted)$
    | (?:exit|view|switch\s+to|go\s+to)\s+(?:the\s+)?(?:mobile|desktop|full)\s+(?:version|site)$
    | (?:skip|jump)\s+to\b | back\s+to\s+(?:top|home)\b | (?:menu|search|close|home|more)$
    | (?:source|sources|via|end|ends|tags?|topics?|filed\s+under|categories|category)\s*:?\s*$
    | (?:read|see|watch|listen|click)\s+(?:more|also|next|here|now)\b | click\s+to\b
    | (?:©|\(c\)|copyright\b)
    | (?:source|sources|via)\s*:\s*\S.{0,30}$
    """
)
# The first words _BOILER_START can begin with (a set lookup spares the regex on most lines).
_START_WORDS = frozenset(
    """comment comments replies responses share shares tweet email print save bookmark follow like
    advertisement advertising sponsored ad promoted exit view switch go skip jump back menu search
    close home more source sources via end ends tag tags topic topics filed categories category
    read see watch listen click copyright c""".split()
)
# A commenter's heading: "1. jane says:".
_COMMENTER = re.compile(r"(?i)(?:\d+\.\s+)?\S.{0,40}\s(?:says|said|wrote|writes|replied):$")
# Boilerplate phrases anywhere in a line, each searched only when one of its trigger words is
# in the line (a regex search through every line would cost more than the rest together).
_BOILER_PHRASES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (frozenset(triggers.split("|")), re.compile(pattern, re.IGNORECASE))
    for triggers, pattern in (
        ("reply|comment|comments|review|email|required|akismet|commenting|log|login",
         r"\b(?:leave|post|add|write|submit)\s+a\s+(?:reply|comment|review)\b"
         r"|\byour\s+email\s+address\s+will\s+not\b|\brequired\s+fields\s+are\s+marked\b"
         r"|\b(?:view|show|load|read|hide|see)\s+(?:all\s+|more\s+)?comments?\b"
         r"|\byou\s+are\s+commenting\b|\blog\s*in\s+to\s+(?:comment|reply)\b|\bakismet\b"),
        ("article|story|page|post",
         r"^(?:read|listen|share|save|print|email|send|bookmark|get|see|view)\b.{0,40}"
         r"\bthis\s+(?:article|story|page|post)\b"),
        ("cookie",
         r"\bcookies?\b.*\b(?:use|uses|using|accept|policy|consent|settings|experience)\b"
         r"|\b(?:use|uses|using|accept)\b.*\bcookies?\b"),
        ("sign|signing|signup|subscribe|subscribed|subscription|unsubscribe|opt|optin|newsletter|"
         "newsletters|inbox|email|delivered|sent",
         r"\b(?:sign(?:ing)?\s*(?:you\s+)?up|subscribe|subscribed|subscription|unsubscribe|opt-?in)\b"
         r".*\b(?:newsletter|inbox|email|e-mail|updates|alerts|free|now|today|daily|weekly|here)\b"
         r"|\b(?:newsletter|inbox)\b.*\b(?:sign|subscribe|deliver|delivered|join|get|receive)\w*\b"
         r"|\b(?:delivered|sent|straight)\s+(?:straight\s+)?to\s+your\s+(?:inbox|email)\b"
         r"|\b(?:issue|problem|error)\s+signing\s+you\s+up\b"),
        ("thank|thanks|spam|confirmation|feedback",
         r"\b(?:thank\s+you|thanks)\s+for\s+(?:signing|subscribing|registering|your\s+feedback)\b"
         r"|\bspam\s+folder\b|\bconfirmation\s+(?:mail|email|link)\b|\bfeedback\s+has\s+been\s+submitted\b"),
        ("rights|privacy|terms",
         r"\ball\s+rights\s+reserved\b"
         r"|\b(?:privacy\s+policy|terms\s+(?:of\s+(?:use|service)|and\s+conditions|&\s+conditions))\b"),
        ("click|download|follow|journalism|become|sorry|javascript|window",
         r"\bclick\s+here\b|\(opens\s+in\s+(?:a\s+)?new\s+window\)|\bdownload\s+(?:our|the)\s+app\b"
         r"|\bfollow\s+us\b|\bsupport\s+(?:our|independent)\s+journalism\b"
         r"|\bbecome\s+a\s+(?:member|subscriber)\b|\bsorry,\s+your\s+(?:blog|browser)\b|\benable\s+javascript\b"),
    )
)
_PHRASE_TRIGGERS = frozenset().union(*(trig for trig, _ in _BOILER_PHRASES))
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
# A word that every alternative of _WALL holds (a set lookup spares the regex on most lines).
_WALL_WORDS = frozenset(
    """comment comments responses replies reply thoughts join start share source sources end
    ends""".split()
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
_SECTION_WORDS = frozenset(
    """related recommended trending popular most you more also read what further about tags
    topics filed comments discussion""".split()
)
# Image captions and credits: "Photo: ...", "credit X", licences, an agency at the very end.
_CAPTION_TRIGGERS = frozenset(
    """photo photos photograph image images picture pictures illustration video graphic foto
    bild credit credits credited cc courtesy""".split()
)
_CAPTION = re.compile(
    r"""(?ix)
    \b(?:photo(?:graph)?|image|picture|illustration|video|graphic|foto|bild)s?\s*(?:credit\s*)?(?:[:|]|by\b|courtesy\b)
    | (?:\b|(?<=[a-z]))(?-i:[Cc])redit(?:s|ed)?\b\s*(?::|to\b|(?-i:[A-Z])\w*\s*,)
    | \bcc[\s-]by(?:-\w+)*\b | \b(?:representational|representative|file|stock)\s+(?:image|photo|picture)\b
    """
)
_AGENCIES = frozenset(
    """getty shutterstock istock istockphoto alamy afp ap epa reuters wikimedia unsplash pexels
    pixabay courtesy""".split()
)
# Searched in a line's last characters only.
_CREDIT_TAIL = re.compile(
    r"""(?ix)
    (?:[|/(]\s*|\b)(?:getty\s+images|shutterstock|istock(?:photo)?|alamy|afp|ap\s+photo|epa(?:-efe)?|
       reuters/(?-i:[A-Z][\w./-]*(?:\s[A-Z][\w./-]*){0,3})|wikimedia(?:\s+commons)?|unsplash|pexels|pixabay|courtesy(?:\s+of)?\s+[\w .-]+)\)?\s*$
    """
)
# Wire-photo captions can run long ("In this Dec. 12, 2006, file photo, made available by ...").
_LONG_CAPTION = re.compile(
    r"(?i)\bin\s+this\s+(?:[\w.,'’-]+\s+){0,5}(?:photo|image|picture|photograph|video|handout)\b"
    r"|^file\s*[-–—:]\s|\((?:[\w .]+\s)?(?:ap|afp|reuters|getty)\s+(?:photo|images?)\b"
)
_LONG_CAPTION_TRIGGERS = frozenset("file photo image images picture photograph video handout".split())
# Long consent and membership notices: only when the line opens with them.
_NOTICE = re.compile(
    r"(?i)^(?:this\s+(?:web)?site\s+uses\s+cookies|we\s+(?:and\s+our\s+partners\s+)?use\s+cookies"
    r"|by\s+(?:continuing|using)\s+(?:to\s+(?:use|browse)\s+)?(?:this|our)\s+(?:web)?site)"
)
_NOTICE_WORDS = frozenset(("this", "we", "by"))
_BYLINE_WORDS = frozenset(("by", "written", "posted", "words", "author"))
_BYLINE = re.compile(r"(?i)^(?:by|written\s+by|posted\s+by|words\s+by|author)\s*:?\s+(?-i:[A-Z])")
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
# An upper-case label of two words or more before a colon ("MORE LUPUS STORIES: ...").
_CAPS_LABEL = re.compile(r"[A-Z][A-Z'’&-]+(?:\s+[A-Z0-9'’&-]+){1,5}\s*:\s")
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


def _is_boiler_phrase(text: str, first: str, words: set[str], short: bool) -> bool:
    if (first in _START_WORDS or first.isdigit() or text[0] == "©") and _BOILER_START.match(text):
        return True
    if text[-1] == ":" and _COMMENTER.match(text):
        return True
    if (short or not _PHRASE_TRIGGERS.isdisjoint(words)) and any(
        (short or not trig.isdisjoint(words)) and pat.search(text) for trig, pat in _BOILER_PHRASES
    ):
        return True
    if (short or not _CAPTION_TRIGGERS.isdisjoint(words) or "redit" in text) and _CAPTION.search(text):
        return True
    return not _AGENCIES.isdisjoint(words) and bool(_CREDIT_TAIL.search(text[-CREDIT_TAIL_CHARS:]))


_DIGIT = re.compile(r"\d")
_DATE_WORDS = frozenset(("updated", "published", "posted", "modified"))


def _may_be_dated(text: str, words: set[str]) -> bool:
    return bool(_DIGIT.search(text)) or not _DATE_WORDS.isdisjoint(words)


def _is_dateline(text: str) -> bool:
    """A date/time line, maybe with a name or a place: what is left beside the dates is short."""
    rest = _DATE.sub(" ", text)
    return rest != text and len(_WORD.findall(rest)) <= DATELINE_MAX_REST
