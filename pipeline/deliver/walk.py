"""Walk the outbox's approved drafts, send each through its channel once, and record the result.

For each draft: `approved` -> (validated) -> `sending` (written to the manifest before anything
can go out) -> `sent` with the time and the network's id, only on the network's positive reply
(SMTP 250 to the data, a 2xx with the post's id). A refusal of the draft itself (Refused) makes
it `failed` with the network's reply in its history (`outbox retry` approves it again; it is
never sent again by itself), any other clear NotSent (a login, a rate limit) puts it back to
`approved`; an unclear end leaves it in `sending`, which the next
run resumes only where the channel can find out what happened (Sender.resume_window), and
otherwise reports for a person to decide (`outbox sent ID` or `outbox retry ID`). Drafts in any
other status are never touched. One failing channel does not stop the others.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Mapping

from pipeline import outbox as ob
from pipeline import sent as sent_record
from pipeline.config import CHANNELS, DEFAULT_LANGUAGE, Settings
from pipeline.deliver.base import (
    BY_HAND, FAILED, SENT, SKIPPED, STUCK, WOULD_SEND, DeliveryError, DeliveryReport, Job,
    MaybeSent, NotSent, Outcome, Refused, Sender,
)
from pipeline.deliver.composer import SHARE_URLS, composer_url
from pipeline.deliver.email import MESSAGE, TEXT_PART, EmailSender, compose
from pipeline.deliver.ledger import Ledger
from pipeline.errors import LockedError, NewsdeskError, StoreError
from pipeline.lock import file_lock
from pipeline.store import Store, open_store

log = logging.getLogger(__name__)

DELIVER_LOCK = ".deliver.lock"
BY = "newsdesk deliver"
LEGACY_MESSAGE = "digest.eml"   # older outboxes: the e-mail as three drafts, the message built at render


def _email(settings: Settings, env: Mapping[str, str]) -> Sender | None:
    return EmailSender(settings.delivery_email, settings, env) if settings.delivery_email else None


def _mastodon(settings: Settings, env: Mapping[str, str]) -> Sender | None:
    from pipeline.deliver.mastodon import MastodonSender

    c = settings.delivery_mastodon
    return MastodonSender(c, env, language=settings.language or DEFAULT_LANGUAGE) if c else None


def _bluesky(settings: Settings, env: Mapping[str, str]) -> Sender | None:
    from pipeline.deliver.bluesky import BlueskySender

    c = settings.delivery_bluesky
    return BlueskySender(c, env, language=settings.language or DEFAULT_LANGUAGE) if c else None


# channel -> (factory from the settings, the config table that enables it)
SENDERS: dict[str, tuple[Callable[[Settings, Mapping[str, str]], Sender | None], str]] = {
    "email": (_email, "[delivery.email]"),
    "mastodon": (_mastodon, "[delivery.mastodon]"),
    "bluesky": (_bluesky, "[delivery.bluesky]"),
}


@contextlib.contextmanager
def _deliver_lock(outbox_dir: Path) -> Iterator[None]:
    try:
        with file_lock(Path(outbox_dir) / DELIVER_LOCK, wait=False):
            yield
    except LockedError:
        # LockedError: the CLI's exit code 75, like a digest run that finds the run lock taken.
        raise LockedError(f"{outbox_dir}: another `newsdesk deliver` is running") from None


class _Run:
    def __init__(self, settings: Settings, env: Mapping[str, str], dry_run: bool,
                 now: datetime | None, by: str):
        self.settings, self.env, self.dry_run, self.now, self.by = settings, env, dry_run, now, by
        self.box = settings.outbox
        self.outcomes: list[Outcome] = []
        self._senders: dict[str, Sender | None | NotSent] = {}
        self.ledger: Ledger | None = None    # the sent record in the state store (not in dry runs)

    def outcome(self, info: ob.DigestInfo, d: ob.DraftEntry, result: str, detail: str = "",
                sent: ob.DraftEntry | None = None) -> None:
        self.outcomes.append(Outcome(info.name, d.id, d.channel, d.path, result, detail,
                                     sent.remote_id if sent else None, sent.remote_url if sent else None))
        (log.warning if result in (FAILED, STUCK) else log.info)(
            "%s: %s draft %s (%s/%s)%s", d.channel, result, d.id, info.name, d.path,
            f": {detail}" if detail else "")

    def sender(self, channel: str) -> Sender | None | NotSent:
        """The channel's sender, prepared once (None: not configured; NotSent: it cannot work)."""
        if channel not in self._senders:
            factory, _ = SENDERS[channel]
            sender = factory(self.settings, self.env)
            if sender is not None and not self.dry_run:
                try:
                    sender.prepare()
                except NotSent as exc:
                    sender = exc     # type: ignore[assignment]
            self._senders[channel] = sender
        return self._senders[channel]

    def _set(self, d: ob.DraftEntry, status: str, reason: str, **kw: object) -> ob.DraftEntry:
        return ob.set_status(self.box, [d.id], status, by=self.by, reason=reason, now=self.now,
                             **kw)[0]  # type: ignore[arg-type]

    def draft(self, info: ob.DigestInfo, d: ob.DraftEntry) -> None:
        if d.status == ob.FAILED:    # refused by the network earlier: waits for a person
            why = next((e.reason for e in reversed(d.history) if e.status == ob.FAILED), None)
            self.outcome(info, d, FAILED, f"{why or 'refused'}; `newsdesk outbox retry {d.id}` "
                         "tries again")
            return
        if d.channel in SHARE_URLS:
            url = composer_url(d.channel, (info.folder / d.path).read_text(encoding="utf-8"))
            self.outcome(info, d, BY_HAND, f"post it with {url}, then `newsdesk outbox sent {d.id}`")
            return
        if d.channel not in SENDERS:
            self.outcome(info, d, SKIPPED, f"no sender for channel {d.channel!r}")
            return
        sender = self.sender(d.channel)
        if sender is None:
            self.outcome(info, d, SKIPPED, f"not configured (no {SENDERS[d.channel][1]} table)")
            return
        if isinstance(sender, NotSent):
            self.outcome(info, d, FAILED, str(sender))
            return
        if self.dry_run:
            resume = d.status == ob.SENDING
            if resume and not self._resumable(sender, _marked(d)):
                self.outcome(info, d, STUCK, _ask_a_person(d, _marked(d)))
            else:
                self.outcome(info, d, WOULD_SEND, "resume: look it up first" if resume else "")
            return
        if d.channel == "email" and (d.path != MESSAGE or TEXT_PART not in dict(d.extra)):
            self.outcome(info, d, SKIPPED, f"rendered by an older Newsdesk ({d.path} is not the one "
                         "e-mail draft with its text part): `newsdesk digest` renders it again")
            return
        files = {rel: (info.folder / rel).read_bytes() for rel, _ in ((d.path, d.sha256), *d.extra)}
        changed = [rel for rel, sha in ((d.path, d.sha256), *d.extra)
                   if hashlib.sha256(files[rel]).hexdigest() != sha]
        if changed:
            self.outcome(info, d, FAILED, f"{d.channel}: draft {d.id} ({info.name}/{', '.join(changed)}) "
                         "changed on disk since it was reviewed; `newsdesk outbox list` records the "
                         "edit, then review it again")
            return
        data = files[d.path]
        if d.channel == "email":     # built now: the approved parts, today's settings, Date: now
            data = compose(info, files[MESSAGE], files[TEXT_PART], self.settings,
                           self.now or datetime.now(timezone.utc))
        job = Job(info, d, data)
        known = self.ledger.find(job) if self.ledger else None
        if known is not None and known.status == sent_record.SENT:
            self._already(info, d, known)
            return
        marked = _marked(d)
        if known is not None and (marked is None or marked < known.at):
            # The store holds an attempt this manifest does not know of (it was lost and drafted
            # again): the attempt may have gone out, as if the draft had been left `sending`.
            d = self._set(d, ob.SENDING, f"the state store records an attempt to send it at "
                          f"{known.at} ({known.digest}, draft {known.draft_id})")
            marked = known.at
        resume = d.status == ob.SENDING
        if resume and not self._resumable(sender, marked):
            self.outcome(info, d, STUCK, _ask_a_person(d, marked))
            return
        self._send(info, d, sender, Job(info, d, job.data, resume=resume))

    def _already(self, info: ob.DigestInfo, d: ob.DraftEntry, known: sent_record.SentRecord) -> None:
        """The record holds this draft (its content, Message-ID or post key) as sent: it is
        marked sent from the record and not sent again."""
        remote = {"id": known.remote_id, "url": known.remote_url, "channel": d.channel}
        self._set(d, ob.SENT, f"went out already at {known.at} ({known.digest}, draft "
                  f"{known.draft_id}), as the state store records; not sent again", remote=remote)
        self.outcome(info, d, SKIPPED, f"went out already at {known.at} "
                     f"({known.remote_url or known.remote_id}); marked sent, not sent again")

    def _send(self, info: ob.DigestInfo, d: ob.DraftEntry, sender: Sender, job: Job) -> None:
        began = job.resume

        def begin() -> None:
            nonlocal began
            if not began:
                if self.ledger:      # the record first: it outlives a lost manifest
                    self.ledger.sending(job)
                self._set(d, ob.SENDING, f"handing it to {d.channel}")
                began = True

        try:
            if not job.resume:
                sender.validate(job)
            result = sender.send(job, begin)
        except NotSent as exc:
            self._not_sent(info, d, job, exc, began)
            return
        except MaybeSent as exc:
            self.outcome(info, d, STUCK, f"{exc}; {_next_step(d, sender)}")
            return
        except (NewsdeskError, Exception) as exc:  # noqa: BLE001 - one draft never stops the run
            log.error("%s: %s: %s", d.channel, job.label, exc, exc_info=not isinstance(exc, NewsdeskError))
            if began:
                self.outcome(info, d, STUCK, f"{d.channel}: {type(exc).__name__}: {exc} while sending; "
                             f"{_next_step(d, sender)}")
            else:
                self.outcome(info, d, FAILED, f"{d.channel}: {type(exc).__name__}: {exc}")
            return
        remote = {"id": result.remote_id, "url": result.remote_url, "channel": d.channel}
        try:
            if self.ledger:
                self.ledger.sent(job, result.remote_id, result.remote_url)
            sent = self._record(d, remote)
        except Exception as exc:  # noqa: BLE001
            log.error("%s: %s went out (%s) but was not recorded: %s", d.channel, job.label,
                      result.remote_url or result.remote_id, exc)
            self.outcome(info, d, STUCK, f"went out as {result.remote_url or result.remote_id} but "
                         f"could not be recorded ({exc}); `newsdesk outbox sent {d.id}`")
            return
        self.outcome(info, d, SENT, "", sent)

    def _not_sent(self, info: ob.DigestInfo, d: ob.DraftEntry, job: Job, exc: NotSent,
                  began: bool) -> None:
        """It certainly did not go out. Refused (the draft itself): `failed` until a person
        retries it; any other reason (a login, a rate limit): approved again."""
        if began:
            status, why = ((ob.FAILED, f"refused: {exc}") if isinstance(exc, Refused)
                           else (ob.APPROVED, f"not sent: {exc}"))
            try:
                if self.ledger:
                    self.ledger.forget(job)
                self._set(d, status, why)
            except NewsdeskError as again:   # it stays `sending`: a person decides
                self.outcome(info, d, STUCK, f"{exc}; and it could not be marked {status}: {again}")
                return
            if isinstance(exc, Refused):
                self.outcome(info, d, FAILED, f"{exc}; `newsdesk outbox retry {d.id}` tries again")
                return
        self.outcome(info, d, FAILED, str(exc))

    def _record(self, d: ob.DraftEntry, remote: dict[str, str | None]) -> ob.DraftEntry:
        return self._set(d, ob.SENT, f"delivered: {remote['url'] or remote['id']}", remote=remote)

    def _resumable(self, sender: Sender, marked: str | None) -> bool:
        window = sender.resume_window
        if window is None:
            return True
        if not window or not marked:
            return False
        now = self.now or datetime.now(timezone.utc)
        return now - datetime.fromisoformat(marked) < window


def _marked(d: ob.DraftEntry) -> str | None:
    """When the manifest last marked the draft `sending`."""
    return next((e.at for e in reversed(d.history) if e.status == ob.SENDING), None)


def _ask_a_person(d: ob.DraftEntry, marked: str | None) -> str:
    return (f"left in `sending` since {marked or '?'}: it may have gone out; check, then "
            f"`newsdesk outbox sent {d.id}` or `newsdesk outbox retry {d.id}`")


def _next_step(d: ob.DraftEntry, sender: Sender) -> str:
    if sender.resume_window is None or sender.resume_window:
        return "left in `sending`; the next `newsdesk deliver` finds out whether it went out"
    return f"left in `sending`: check, then `newsdesk outbox sent {d.id}` or `newsdesk outbox retry {d.id}`"


def _wanted(info: ob.DigestInfo, d: ob.DraftEntry, channel: str | None) -> bool:
    if d.status not in (ob.APPROVED, ob.SENDING, ob.FAILED) or d.missing:
        return False
    if channel and d.channel != channel:
        return False
    return d.channel != "email" or d.path in (MESSAGE, LEGACY_MESSAGE)


def deliver(settings: Settings, *, env: Mapping[str, str] | None = None, dry_run: bool = False,
            digest: str | None = None, channel: str | None = None, now: datetime | None = None,
            by: str = BY) -> DeliveryReport:
    """Send every approved draft not yet sent (in one digest, or all; one channel, or all)."""
    if channel is not None and channel not in CHANNELS:
        raise DeliveryError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    run = _Run(settings, os.environ if env is None else env, dry_run, now, by)
    if not settings.outbox.is_dir():
        return DeliveryReport((), dry_run)
    lock = contextlib.nullcontext() if dry_run else _deliver_lock(settings.outbox)
    with lock:
        infos = ob.list_digests(settings.outbox, by=by, now=now)
        if digest is not None:
            infos = [ob.find_digest(settings.outbox, digest)]
        order = {c: n for n, c in enumerate(CHANNELS)}
        todo = sorted(((info, d) for info in infos for d in info.drafts if _wanted(info, d, channel)),
                      key=lambda x: (order.get(x[1].channel, len(order)), x[0].name, x[1].path))
        with contextlib.ExitStack() as stack:
            if todo and not dry_run:
                run.ledger = Ledger(stack.enter_context(_open_store(settings)), now)
            _walk(run, todo)
    archive, failed = (), False
    if channel in (None, "email"):
        archive, failed = _publish(settings, run, digest, dry_run, now)
    return DeliveryReport(tuple(run.outcomes), dry_run, archive, failed)


def _publish(settings: Settings, run: _Run, digest: str | None, dry_run: bool,
             now: datetime | None) -> tuple[tuple[str, ...], bool]:
    """The web editions of the digests whose e-mail went out (pipeline.archive): written when
    changed, so a second `deliver` rewrites nothing. A failure here is reported, after the
    sending it cannot undo."""
    from pipeline.archive import publish

    would = {o.digest for o in run.outcomes if o.channel == "email" and o.result == WOULD_SEND}
    try:
        done = publish(settings, digest=digest, statuses=(ob.SENT,), also=would, dry_run=dry_run,
                       now=now, by=BY)
    except (NewsdeskError, OSError) as exc:
        log.error("archive: %s", exc)
        return (f"FAILED: {exc}; `newsdesk publish` writes it again",), True
    return tuple(done.lines()), False


def _open_store(settings: Settings) -> Store:
    """The state store, where what was sent is recorded: without it nothing is sent, since
    nothing could be checked against what went out before."""
    try:
        return open_store(settings.state_dir)
    except StoreError as exc:
        raise DeliveryError(f"cannot read what was sent before, so nothing was sent: {exc}") from None


def _walk(run: _Run, todo: list[tuple[ob.DigestInfo, ob.DraftEntry]]) -> None:
    for info, d in todo:
        try:
            run.draft(info, d)
        except Exception as exc:  # noqa: BLE001 - before anything was sent (draft() catches after)
            log.error("%s: draft %s: %s", d.channel, d.id, exc, exc_info=not isinstance(exc, NewsdeskError))
            run.outcome(info, d, FAILED, f"{d.channel}: {type(exc).__name__}: {exc}")
