"""Composer links for the networks whose APIs are paid or need app review (X, Threads,
LinkedIn): the network's own share URL with the approved text, for a person to post and then
record with `newsdesk outbox sent ID`. An API sender for one of them goes beside email.py and
mastodon.py and into walk.SENDERS; this table then loses that network."""
from __future__ import annotations

from urllib.parse import quote

from pipeline.render.rules import THREAD_SEPARATOR

# Documented share endpoints: X's Web Intent, Threads' intent/post, LinkedIn's feed composer.
SHARE_URLS = {
    "x": "https://x.com/intent/post?text={text}",
    "threads": "https://www.threads.net/intent/post?text={text}",
    "linkedin": "https://www.linkedin.com/feed/?shareActive=true&text={text}",
}


def composer_url(channel: str, text: str) -> str | None:
    """The share URL for `channel` prefilled with `text` (a thread's first part), else None."""
    pattern = SHARE_URLS.get(channel)
    if pattern is None:
        return None
    first = text.rstrip("\n").split(THREAD_SEPARATOR, 1)[0]
    return pattern.format(text=quote(first, safe=""))
