"""Posts to Mastodon through its REST API (POST /api/v1/statuses), once.

Every status carries an ``Idempotency-Key`` derived from the draft (and the part of a thread), so
sending again after a timeout returns the status the server already made instead of a second one.
Mastodon keeps a key for one hour (PostStatusService: ``redis.setex(key, 3600, ...)``), so a draft
left in `sending` is resumed automatically only within RESUME_WINDOW of being marked; after that
a person decides. The text is checked against the instance's own limit, read from
``/api/v2/instance`` (``configuration.statuses.max_characters``).
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any, Callable, Mapping

from pipeline.config import MastodonDelivery
from pipeline.deliver.base import Job, MaybeSent, NotSent, Refused, Sent, read_secret
from pipeline.deliver.http import NoReply, Reply, call
from pipeline.render.rules import LIMITS, THREAD_SEPARATOR, is_valid, post_length

log = logging.getLogger(__name__)

CHANNEL = "mastodon"
RESUME_WINDOW = timedelta(minutes=50)    # the key lives 60 minutes; a margin for clock skew
ATTEMPTS = 3                             # per status, same key: a timeout or a 5xx is retried
BACKOFF_SECONDS = 0.5


class MastodonSender:
    channel = CHANNEL
    resume_window: timedelta | None = RESUME_WINDOW

    def __init__(self, config: MastodonDelivery, env: Mapping[str, str], *, language: str | None = None,
                 backoff: float = BACKOFF_SECONDS):
        self.config = config
        self.env = env
        self.language = language
        self.backoff = backoff
        self.limit = LIMITS[CHANNEL]
        self._token = ""

    def prepare(self) -> None:
        self._token = read_secret(CHANNEL, self.config.token_env, self.config.token_file, self.env)
        url = f"{self.config.base_url}/api/v2/instance"
        try:
            reply = call("GET", url, timeout=self.config.timeout)
        except NoReply as exc:
            raise NotSent(f"mastodon: cannot read the instance's limits: {exc}") from None
        data = reply.json() if reply.status == 200 else None
        try:
            limit = data["configuration"]["statuses"]["max_characters"]  # type: ignore[index]
        except (KeyError, TypeError):
            limit = None
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
            self.limit = limit
        else:
            log.warning("mastodon: %s gave no configuration.statuses.max_characters (%s); "
                        "checking posts against the default %d", url, reply.error(), self.limit)

    def validate(self, job: Job) -> None:
        for n, part in enumerate(job.text.split(THREAD_SEPARATOR), 1):
            if not part.strip():
                raise NotSent(f"mastodon: {job.label}: part {n} is empty")
            if not is_valid(part, CHANNEL, self.limit):
                raise NotSent(f"mastodon: {job.label}: part {n} is {post_length(part, CHANNEL)} "
                              f"characters, over the instance's limit of {self.limit}")

    def send(self, job: Job, begin: Callable[[], None]) -> Sent:
        parts = job.text.split(THREAD_SEPARATOR)
        begin()
        first: dict[str, Any] | None = None
        reply_to: str | None = None
        for n, part in enumerate(parts, 1):
            key = job.key if len(parts) == 1 else f"{job.key}-{n}"
            try:
                status = self._post(part, reply_to, key, f"{job.label} part {n}/{len(parts)}")
            except NotSent as exc:
                if first is None:
                    raise
                # The thread is half out: sending it again must not repeat its first parts.
                raise MaybeSent(f"{exc}; parts 1-{n - 1} went out ({first.get('url')})") from None
            first = first or status
            reply_to = str(status["id"])
        assert first is not None
        return Sent(remote_id=str(first["id"]), remote_url=first.get("url") or first.get("uri"))

    def _post(self, text: str, reply_to: str | None, key: str, label: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": text, "visibility": self.config.visibility}
        if reply_to:
            body["in_reply_to_id"] = reply_to
        if self.language:
            body["language"] = self.language
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                reply = call("POST", f"{self.config.base_url}/api/v1/statuses", json_body=body,
                             token=self._token, headers={"Idempotency-Key": key},
                             timeout=self.config.timeout)
            except NoReply as exc:
                problem = str(exc)
                log.warning("mastodon: %s: %s; trying again with the same Idempotency-Key", label, exc)
                continue
            ok = 200 <= reply.status < 300
            if ok and isinstance(reply.json(), dict) and reply.json().get("id"):
                return reply.json()
            if reply.status >= 500 or ok:  # a 2xx without the status's id is no answer either
                problem = reply.error() if not ok else "a reply without a status id"
                log.warning("mastodon: %s: %s; trying again with the same Idempotency-Key", label, problem)
                continue
            # The token or the rate: the draft waits, approved; anything else refused the status.
            kind = NotSent if reply.status in (401, 403, 429) else Refused
            raise kind(f"mastodon: {label}: refused: {_explain(reply)}")
        raise MaybeSent(f"mastodon: {label}: no clear reply after {ATTEMPTS} attempts ({problem})")


def _explain(reply: Reply) -> str:
    text = reply.error()
    if reply.status == 401:
        return f"{text} (the access token was rejected)"
    if reply.status == 429:
        return f"{text} (rate limited until {reply.headers.get('X-RateLimit-Reset', '?')})"
    return text
