"""The digest e-mail as the render tests look at it: its HTML and text parts (one draft) and the
message `newsdesk deliver` builds from them, here at a fixed time of sending; and the web edition
rendered with them."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from pipeline.render.digest import render_digest
from pipeline.render.mail import build_message

SENT_AT = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)


def rendered_email(stories, options, now: datetime = SENT_AT) -> tuple[SimpleNamespace, ...]:
    """(html, text, eml), each with `.content`, as the three drafts of older versions were."""
    return rendered_parts(stories, options, now)[:3]


def rendered_parts(stories, options, now: datetime = SENT_AT) -> tuple[SimpleNamespace, ...]:
    """(html, text, eml, web): the e-mail's parts, its message, and its web edition (web.html)."""
    (draft,) = render_digest(stories, options)
    extra = dict(draft.extra)
    text = extra["digest.txt"]
    eml = build_message(draft.content, text, options, now=now).as_string()
    return tuple(SimpleNamespace(content=c) for c in (draft.content, text, eml, extra["web.html"]))
