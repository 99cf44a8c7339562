"""What the senders share: the job they are given, what they return, the two ways they fail, and
reading a secret.

A sender fails in one of two ways, and the difference is the whole point of delivery:
``NotSent`` means the network certainly did not take the draft (refused the login, the text, the
recipients; could not be reached), so it may be sent again (its subclass ``Refused``: the network
refused this draft itself, which a person looks at before it is tried again); ``MaybeSent`` means it may have (a
timeout after the request went out, a dropped connection, an unclear reply), so it is not sent
again unless the sender can find out (an idempotency key, a record key it can look up).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Mapping, Protocol

from pipeline.errors import NewsdeskError
from pipeline.outbox import DigestInfo, DraftEntry

SENT, WOULD_SEND, FAILED, STUCK, BY_HAND, SKIPPED = (
    "sent", "would send", "failed", "stuck", "by hand", "skipped")


class DeliveryError(NewsdeskError):
    """A channel could not deliver a draft; the message names the channel (and the draft)."""


class NotSent(DeliveryError):
    """The network did not take the draft: sending it again cannot make a duplicate."""


class Refused(NotSent):
    """The network read the draft and refused it (an SMTP reply other than 250 to the message's
    data, a 4xx to the post other than a login or rate problem): the draft is `failed` until a
    person retries it, rather than sent again with every run."""


class MaybeSent(DeliveryError):
    """The network may have taken the draft: sending it again could make a duplicate."""


@dataclass(frozen=True)
class Job:
    """One approved draft to send: its digest, manifest entry and file content."""

    digest: DigestInfo
    entry: DraftEntry
    data: bytes
    resume: bool = False             # the draft was left in `sending` by an earlier attempt

    @property
    def text(self) -> str:
        """A post's text as reviewed (the file less its final newline)."""
        return self.data.decode("utf-8").rstrip("\n")

    @property
    def key(self) -> str:
        """Derived from the draft (digest, id, content): the same for every attempt to send this
        text, different once it was edited."""
        seed = f"newsdesk/{self.digest.name}/{self.entry.id}/{self.entry.sha256}"
        return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]

    @property
    def label(self) -> str:
        return f"draft {self.entry.id} ({self.digest.name}/{self.entry.path})"


@dataclass(frozen=True)
class Sent:
    remote_id: str                   # the SMTP queue reply, the status id, the record's at:// URI
    remote_url: str | None = None    # where a person can see it


class Sender(Protocol):
    channel: str
    # How long after a draft was marked `sending` this sender can still find out whether the
    # attempt went out, so that sending again cannot duplicate it: None = always, 0 = never.
    resume_window: timedelta | None

    def prepare(self) -> None:
        """Log in, read the network's limits (once per run; raises NotSent)."""

    def validate(self, job: Job) -> None:
        """Raise NotSent when the draft cannot be sent as it is."""

    def send(self, job: Job, begin: Callable[[], None]) -> Sent:
        """Send, calling `begin()` (marks the draft `sending`) before anything can go out."""


@dataclass(frozen=True)
class Outcome:
    digest: str
    draft: str
    channel: str
    path: str
    result: str                      # one of SENT, WOULD_SEND, FAILED, STUCK, BY_HAND, SKIPPED
    detail: str = ""
    remote_id: str | None = None
    remote_url: str | None = None

    def line(self) -> str:
        where = f" {self.remote_url or self.remote_id}" if self.result == SENT else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.result:10} {self.draft}  {self.channel:8} {self.digest}/{self.path}{where}{detail}"


@dataclass(frozen=True)
class DeliveryReport:
    outcomes: tuple[Outcome, ...]
    dry_run: bool = False
    archive: tuple[str, ...] = ()        # what publishing the sent digests did (pipeline.archive)
    archive_failed: bool = False

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing waits for a person's decision."""
        return not self.archive_failed and not any(o.result in (FAILED, STUCK) for o in self.outcomes)

    def count(self, result: str) -> int:
        return sum(o.result == result for o in self.outcomes)

    def summary(self) -> str:
        lines = [o.line() for o in self.outcomes]
        counts = ", ".join(f"{self.count(r)} {r}" for r in (WOULD_SEND if self.dry_run else SENT,
                                                            FAILED, STUCK, BY_HAND, SKIPPED))
        lines.append(("dry run: " if self.dry_run else "") + counts)
        lines += [f"archive: {line}" for line in self.archive]
        return "\n".join(lines)


def read_secret(channel: str, env_name: str | None, file: Path | None, env: Mapping[str, str]) -> str:
    """The secret from the file named in the config, else from the environment variable; never
    logged, never written anywhere."""
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NotSent(f"{channel}: cannot read the secret file {file}: {exc.strerror}") from None
        if not value:
            raise NotSent(f"{channel}: the secret file {file} is empty")
        return value
    if not env_name:
        raise NotSent(f"{channel}: no secret configured (an *_env or *_file key)")
    value = env.get(env_name, "")
    if not value:
        raise NotSent(f"{channel}: the environment variable {env_name} is not set")
    return value
