"""Posts to Bluesky through the AT Protocol's XRPC HTTP API, once.

The record is built from the approved text: its facets (links and tags, in UTF-8 byte offsets)
come from the rendered bluesky.json when that still has the same text, else they are found in the
text again; the story's link becomes an ``app.bsky.embed.external`` card. Each record's key is a
TID derived from the draft (record_key), so any attempt first looks the record up
(``com.atproto.repo.getRecord``) and only creates it (``createRecord`` with that ``rkey``; ``putRecord``
where a PDS refuses a chosen key on create) when it is not there: a retry after a timeout or a
crash finds the post instead of posting again. So a draft left in `sending` is always resumed
(resume_window None).

The createdAt is the time of sending (the rendered one is the digest day, kept for repeatable
files). The card carries the story's lead image as its thumbnail: the API takes it only as a blob,
so the picture is fetched (pipeline.deliver.thumb) and uploaded (``com.atproto.repo.uploadBlob``)
just before the record is created, and not at all when the record is found already there; a
picture that cannot be had leaves the card without one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from pipeline.config import BlueskyDelivery
from pipeline.deliver.base import Job, MaybeSent, NotSent, Refused, Sent, read_secret
from pipeline.deliver.http import NoReply, Reply, call
from pipeline.deliver.thumb import fetch_picture, home_addresses
from pipeline.render.rules import THREAD_SEPARATOR, is_valid, post_length

log = logging.getLogger(__name__)

CHANNEL = "bluesky"
COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"    # base32-sortable (atproto TID spec)
CARD_DESCRIPTION = 300                               # characters of summary on the link card
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'\u2019]", re.IGNORECASE)
_TAG = re.compile(r"(?<![\w#])#([^\W\d_][\w]{0,63})")


def _refuses_rkey(reply: Reply) -> bool:
    data = reply.json()
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    return "rkey" in message.lower() or "record key" in message.lower()


def record_key(job: Job, part: int) -> str:
    """A TID (13 characters) from the draft: its time is midnight UTC of the digest day plus an
    offset from the draft's key, its clock id from the key too; part n of a thread is n µs later,
    so the keys sort in thread order."""
    h = int.from_bytes(hashlib.sha256(job.key.encode()).digest()[:8], "big")
    day = datetime.fromisoformat(job.digest.name[:10]).replace(tzinfo=timezone.utc)
    micros = int(day.timestamp()) * 1_000_000 + (h >> 24) % 1_000_000_000 + part
    value = (micros << 10) | (h & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _byte_span(text: str, start: int, end: int) -> dict[str, int]:
    begin = len(text[:start].encode("utf-8"))
    return {"byteStart": begin, "byteEnd": begin + len(text[start:end].encode("utf-8"))}


def find_facets(text: str) -> list[dict[str, Any]]:
    """Link and tag facets of plain text (for a text edited after rendering)."""
    facets = []
    for m in _URL.finditer(text):
        facets.append({"index": _byte_span(text, m.start(), m.end()),
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": m.group(0)}]})
    for m in _TAG.finditer(text):
        facets.append({"index": _byte_span(text, m.start(), m.end()),
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}]})
    return sorted(facets, key=lambda f: f["index"]["byteStart"])


def build_records(job: Job, rendered: Any, language: str | None) -> list[dict[str, Any]]:
    """One app.bsky.feed.post record per part of the approved text (without createdAt, reply)."""
    parts = job.text.split(THREAD_SEPARATOR)
    if isinstance(rendered, dict) and "thread" in rendered:
        rendered = rendered["thread"]
    rendered = rendered if isinstance(rendered, list) else [rendered]
    story = job.digest.story(job.entry.story)
    records, card_done = [], False
    for n, text in enumerate(parts):
        old = rendered[n] if n < len(rendered) and isinstance(rendered[n], dict) else {}
        facets = old.get("facets") if old.get("text") == text else None
        record: dict[str, Any] = {"$type": COLLECTION, "text": text,
                                  "facets": facets if isinstance(facets, list) else find_facets(text)}
        langs = old.get("langs") or ([language] if language else None)
        if langs:
            record["langs"] = langs
        links = [f["uri"] for fc in record["facets"] for f in fc.get("features", [])
                 if f.get("$type") == "app.bsky.richtext.facet#link"]
        if links and not card_done:
            card_done = True
            record["embed"] = {"$type": "app.bsky.embed.external", "external": {
                "uri": links[0], "title": story.headline if story else "",
                "description": (story.summary if story else "")[:CARD_DESCRIPTION]}}
        records.append(record)
    return records


class BlueskySender:
    channel = CHANNEL
    resume_window: timedelta | None = None

    def __init__(self, config: BlueskyDelivery, env: Mapping[str, str], *, language: str | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.config = config
        self.env = env
        self.language = language
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._jwt = ""
        self.did = ""
        self._picture: str | None = None     # the lead image of the story being sent

    def _xrpc(self, method: str, name: str, **kwargs: Any) -> Reply:
        return call(method, f"{self.config.service}/xrpc/{name}", timeout=self.config.timeout,
                    token=self._jwt or None, **kwargs)

    def prepare(self) -> None:
        password = read_secret(CHANNEL, self.config.app_password_env, self.config.app_password_file,
                               self.env)
        try:
            reply = self._xrpc("POST", "com.atproto.server.createSession",
                               json_body={"identifier": self.config.handle, "password": password})
        except NoReply as exc:
            raise NotSent(f"bluesky: cannot log in as {self.config.handle}: {exc}") from None
        data = reply.json()
        if reply.status != 200 or not isinstance(data, dict) or not data.get("accessJwt"):
            raise NotSent(f"bluesky: login as {self.config.handle} refused: {reply.error()}")
        self._jwt, self.did = data["accessJwt"], data.get("did") or self.config.handle

    def validate(self, job: Job) -> None:
        for n, part in enumerate(job.text.split(THREAD_SEPARATOR), 1):
            if not part.strip() or not is_valid(part, CHANNEL):
                raise NotSent(f"bluesky: {job.label}: part {n} is not a valid post "
                              f"({post_length(part, CHANNEL)} graphemes)")

    def send(self, job: Job, begin: Callable[[], None]) -> Sent:
        companion = next((p for p, _ in job.entry.extra if p.endswith(".json")), None)
        rendered = None
        if companion:
            try:
                rendered = json.loads((job.digest.folder / companion).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("bluesky: %s: %s unreadable; facets found in the text", job.label, companion)
        records = build_records(job, rendered, self.language)
        story = job.digest.story(job.entry.story)
        self._picture = story.image.url if story is not None and story.image is not None else None
        begin()
        root: dict[str, str] | None = None
        parent: dict[str, str] | None = None
        for n, record in enumerate(records):
            if root and parent:
                record = {**record, "reply": {"root": root, "parent": parent}}
            rkey = record_key(job, n)
            label = f"{job.label} part {n + 1}/{len(records)}"
            try:
                ref = self._put_once(rkey, record, label)
            except NotSent as exc:
                if root is None:
                    raise
                raise MaybeSent(f"{exc}; the first parts went out ({root['uri']})") from None
            root, parent = root or ref, ref
        assert root is not None
        first_rkey = root["uri"].rsplit("/", 1)[-1]
        return Sent(remote_id=root["uri"],
                    remote_url=f"https://bsky.app/profile/{self.config.handle}/post/{first_rkey}")

    def _get(self, rkey: str, label: str) -> dict[str, str] | None:
        try:
            reply = self._xrpc("GET", "com.atproto.repo.getRecord",
                               query={"repo": self.did, "collection": COLLECTION, "rkey": rkey})
        except NoReply as exc:
            raise MaybeSent(f"bluesky: {label}: cannot look up record {rkey}: {exc}") from None
        data = reply.json()
        if reply.status == 200 and isinstance(data, dict) and data.get("uri") and data.get("cid"):
            return {"uri": data["uri"], "cid": data["cid"]}
        if reply.status == 400 and isinstance(data, dict) and data.get("error") == "RecordNotFound":
            return None
        raise MaybeSent(f"bluesky: {label}: cannot look up record {rkey}: {reply.error()}")

    def _put_once(self, rkey: str, record: dict[str, Any], label: str) -> dict[str, str]:
        found = self._get(rkey, label)
        if found:
            log.info("bluesky: %s: record %s is there already", label, rkey)
            return found
        stamp = self.clock().astimezone(timezone.utc)
        record = {**self._with_thumb(record, label), "createdAt": stamp.strftime("%Y-%m-%dT%H:%M:%S.")
                  + f"{stamp.microsecond // 1000:03d}Z"}
        body = {"repo": self.did, "collection": COLLECTION, "rkey": rkey, "record": record}
        try:
            reply = self._xrpc("POST", "com.atproto.repo.createRecord", json_body=body)
        except NoReply as exc:
            log.warning("bluesky: %s: %s; looking the record up", label, exc)
            reply = None
        data = reply.json() if reply is not None else None
        if reply is not None and 200 <= reply.status < 300 and isinstance(data, dict) and data.get("cid"):
            return {"uri": data["uri"], "cid": data["cid"]}
        # A timeout, a 5xx (what a PDS answers when the key exists) or a refusal: the record is
        # there or it is not; only a clear 4xx with no record means it did not go out.
        found = self._get(rkey, label)
        if found:
            return found
        if reply is not None and reply.status == 400 and _refuses_rkey(reply):
            # Some PDS versions refuse a chosen rkey on createRecord for posts; putRecord writes
            # the record under that key as well, and a key holds one record whatever is repeated.
            return self._put_record(body, label)
        if reply is not None and 400 <= reply.status < 500:
            kind = NotSent if reply.status in (401, 403, 429) else Refused
            raise kind(f"bluesky: {label}: refused: {reply.error()}")
        raise MaybeSent(f"bluesky: {label}: no clear reply to createRecord "
                        f"({reply.error() if reply is not None else 'no reply'}) and no record {rkey}")

    def _with_thumb(self, record: dict[str, Any], label: str) -> dict[str, Any]:
        """The record with its link card's picture uploaded as a blob, when it has a card and the
        story a picture; else as it is."""
        embed = record.get("embed")
        if not self._picture or not isinstance(embed, dict) or "external" not in embed:
            return record
        got = fetch_picture(self._picture, timeout=min(self.config.timeout, 20.0),
                            home=home_addresses(self.config.service))
        if got is None:
            return record
        data, kind = got
        try:
            reply = self._xrpc("POST", "com.atproto.repo.uploadBlob", body=data,
                               headers={"Content-Type": kind})
        except NoReply as exc:
            log.warning("bluesky: %s: picture not uploaded (%s); the card goes without it", label, exc)
            return record
        blob = reply.json().get("blob") if isinstance(reply.json(), dict) else None
        if reply.status != 200 or not isinstance(blob, dict) or blob.get("$type") != "blob":
            log.warning("bluesky: %s: picture not uploaded (%s); the card goes without it", label,
                        reply.error())
            return record
        external = {**embed["external"], "thumb": blob}
        return {**record, "embed": {**embed, "external": external}}

    def _put_record(self, body: dict[str, Any], label: str) -> dict[str, str]:
        try:
            reply = self._xrpc("POST", "com.atproto.repo.putRecord", json_body=body)
        except NoReply as exc:
            reply = None
            log.warning("bluesky: %s: %s; looking the record up", label, exc)
        data = reply.json() if reply is not None else None
        if reply is not None and 200 <= reply.status < 300 and isinstance(data, dict) and data.get("cid"):
            return {"uri": data["uri"], "cid": data["cid"]}
        found = self._get(body["rkey"], label)
        if found:
            return found
        if reply is not None and 400 <= reply.status < 500:
            kind = NotSent if reply.status in (401, 403, 429) else Refused
            raise kind(f"bluesky: {label}: putRecord refused: {reply.error()}")
        raise MaybeSent(f"bluesky: {label}: no clear reply to putRecord and no record {body['rkey']}")
