"""Deliver's side of the sent record (pipeline.sent): what a draft is known by, and the record
written around each send, so that what went out is known even when a manifest is lost.

A draft is known by its channel, its story ('' for the digest e-mail), its approved content
(the sha256s of its files) and the key the network sees: the e-mail's Message-ID, a post's key
(base.Job.key, from which the Mastodon Idempotency-Key and the Bluesky record key are derived).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email.policy import SMTP as SMTP_POLICY

from pipeline import sent as record
from pipeline.deliver.base import Job
from pipeline.history import mark_delivery
from pipeline.store import Store

log = logging.getLogger(__name__)


def network_key(job: Job) -> str:
    """The Message-ID of an e-mail, the key of a post."""
    if job.entry.channel == "email":
        mid = BytesHeaderParser(policy=SMTP_POLICY).parsebytes(job.data).get("Message-ID")
        if mid:
            return str(mid).strip()
    return job.key


def content_of(job: Job) -> str:
    return record.content_key([job.entry.sha256, *(sha for _, sha in job.entry.extra)])


class Ledger:
    """The sent record of one `deliver` run, over an open state store."""

    def __init__(self, store: Store, now: datetime | None):
        self.store, self.now = store, now

    def _at(self) -> str:
        return (self.now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(
            timespec="seconds")

    def _row(self, job: Job, status: str, remote_id: str | None = None,
             remote_url: str | None = None) -> record.SentRecord:
        e = job.entry
        return record.SentRecord(e.channel, e.story or "", content_of(job), network_key(job),
                                 job.digest.name, e.id, e.path, status, self._at(), remote_id,
                                 remote_url)

    def find(self, job: Job) -> record.SentRecord | None:
        return record.find(self.store, channel=job.entry.channel, story_id=job.entry.story,
                           content=content_of(job), key=network_key(job))

    def sending(self, job: Job) -> None:
        """Just before the draft can go out: written before the manifest says `sending`."""
        record.record(self.store, self._row(job, record.SENDING))

    def sent(self, job: Job, remote_id: str, remote_url: str | None) -> None:
        """The network took it: the record, and each of its stories as gone out on the channel
        (what keeps the next digest from drafting them again as new)."""
        record.record(self.store, self._row(job, record.SENT, remote_id, remote_url))
        d = job.digest
        story_ids = [job.entry.story] if job.entry.story else [s.id for s in d.stories]
        for sid in story_ids:
            entry = d.story(sid)
            outlets = [src.outlet for src in entry.sources if src.outlet] if entry else []
            mark_delivery(self.store, story_id=sid, channel=job.entry.channel, digest=d.name,
                          status="sent", at=self._at(), outlets=outlets)

    def forget(self, job: Job) -> None:
        """It certainly did not go out."""
        record.forget(self.store, channel=job.entry.channel, story_id=job.entry.story,
                      content=content_of(job))
