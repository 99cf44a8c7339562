"""The scheduled job: `newsdesk schedule` runs the digest every day at HH:MM in an IANA time zone,
or every N hours, until SIGTERM/SIGINT; `newsdesk schedule --once` is one tick for cron or systemd.

Jobs live in a `schedule.Scheduler` (not the global one), but their times are computed here:
schedule's own clock is the naive local `datetime.now()`, and its `tz=` needs pytz and has had DST
bugs. A slot is an aware UTC instant found with zoneinfo, so "07:00 Europe/Berlin" stays 07:00 on
the wall across both DST changes, and the clock is injectable so tests are fast and exact.

Rules a reader needs: runs never overlap (the run lock; a held lock is a skip, not a failure); a
failed run (any exception) is logged with its cause and retried with backoff, never past the next
slot; after sleep or downtime only the latest missed slot runs, once, if it is within the grace
window; the last slot handled is remembered in `schedule.json` in the state folder.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import schedule

from pipeline.slots import Backoff, Plan
from pipeline.errors import LockedError, NewsdeskError
from pipeline.model import RunReport

log = logging.getLogger(__name__)

MEMORY_NAME = "schedule.json"
SCHEDULER_LOCK = "schedule.lock"   # one long-running job per state folder
EX_TEMPFAIL = 75                   # sysexits.h: "try again later", what --once exits with when locked
# The longest single sleep. Event.wait runs on the monotonic clock, which stands still while the
# machine is suspended; waking once a minute notices a resume (the wall clock jumped) promptly.
MAX_NAP_SECONDS = 60.0

OK, FAILED, LOCKED, MISSED = "ok", "failed", "locked", "missed"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --- memory of the last slot ---------------------------------------------------------------------
@dataclass(frozen=True)
class Memory:
    slot: datetime       # the last slot handled (run, skipped or missed)
    outcome: str
    at: datetime         # when it was handled


def read_memory(path: Path | None) -> Memory | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Memory(slot=datetime.fromisoformat(data["slot"]), outcome=str(data["outcome"]),
                      at=datetime.fromisoformat(data["at"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        # A damaged memory costs at most one missed-slot decision; never stop the job for it.
        log.warning("%s: cannot read the schedule memory (%s); starting without it", path, e)
        return None


def write_memory(path: Path, memory: Memory) -> None:
    from pipeline.lock import atomic_write

    data = {"slot": memory.slot.isoformat(), "outcome": memory.outcome, "at": memory.at.isoformat()}
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


# --- the scheduler -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    """What happened to one slot or retry."""

    slot: datetime
    kind: str            # "slot", "retry" or "once"
    outcome: str         # OK, FAILED, LOCKED or MISSED
    detail: str
    at: datetime


class _ClockJob(schedule.Job):
    """A schedule.Job whose due time is an aware UTC instant read against an injected clock."""

    def __init__(self, scheduler: schedule.Scheduler, clock: Clock, when: datetime,
                 action: Callable[["_ClockJob"], object], tag: str):
        super().__init__(1, scheduler)
        self.unit = "seconds"
        self.next_run = when
        self.tags.add(tag)
        self._clock, self._action = clock, action
        scheduler.jobs.append(self)

    @property
    def should_run(self) -> bool:
        return self._clock() >= self.next_run

    def run(self):
        return self._action(self)

    def __repr__(self) -> str:
        return f"<{next(iter(self.tags))} job at {self.next_run.isoformat()}>"

    __str__ = __repr__


@dataclass
class DigestScheduler:
    """Runs `run` at the plan's slots; `step()` does what is due, `run_forever()` loops.

    `run` is `run_digest` bound to its settings in the CLI, a stand-in in unit tests; `clock`
    returns an aware datetime; `memory_path` is the JSON file remembering the last slot."""

    plan: Plan
    run: Callable[[], RunReport]
    clock: Clock = utc_now
    memory_path: Path | None = None
    backoff: Backoff = field(default_factory=Backoff)
    stop: threading.Event = field(default_factory=threading.Event)
    history: list[Tick] = field(default_factory=list)
    max_nap: float = MAX_NAP_SECONDS

    def __post_init__(self) -> None:
        self.jobs = schedule.Scheduler()
        self._failures = 0
        self._slot: datetime | None = None      # the slot the latest run served
        now = self.clock()
        memory = read_memory(self.memory_path)
        last = min(memory.slot, now) if memory else None
        if self.plan.every is not None:
            # No memory: the first slot is now. With memory, slots continue its rhythm.
            self._anchor = last or now
            first = self.plan.next_slot(last, self._anchor) if last else now
        else:
            # No memory means nothing was missed: wait for the next slot. With memory, the slot
            # after the remembered one may already be past: it is due now, and grace decides.
            self._anchor = None
            first = self.plan.next_slot(last if last else now)
        self.slot_job = _ClockJob(self.jobs, self.clock, first, self._on_slot, "slot")

    # -- what the loop calls ------------------------------------------------------------------
    @property
    def next_run(self) -> datetime:
        return self.slot_job.next_run

    def step(self) -> float:
        """Run whatever is due; the seconds until the next job is due (0 if one already is)."""
        self.jobs.run_pending()
        nxt = self.jobs.get_next_run()
        return max(0.0, (nxt - self.clock()).total_seconds()) if nxt else self.max_nap

    def run_forever(self, wait: Callable[[float], bool] | None = None) -> None:
        """Loop until `stop` is set. `wait(seconds)` sleeps and returns True when asked to stop."""
        wait = wait or self.stop.wait
        log.info("scheduled %s; next run at %s", self.plan.describe(), self.plan.local(self.next_run))
        while not self.stop.is_set():
            delay = self.step()
            if self.stop.is_set() or wait(min(delay, self.max_nap)):
                break
        log.info("scheduler stopped")

    def run_now(self) -> str:
        """One tick now, whatever the plan says (for --once); returns the outcome."""
        now = self.clock()
        return self._attempt(now, "once")

    # -- jobs ---------------------------------------------------------------------------------
    def _on_slot(self, job: _ClockJob) -> None:
        if self.stop.is_set():
            return
        now = self.clock()
        due = self.plan.latest_slot(now, self._anchor)
        passed = self._count_slots(job.next_run, due)
        if passed:
            log.warning("%d earlier slot(s) passed while the job was not running or the machine "
                        "slept; only the latest (%s) is considered", passed, self.plan.local(due))
        self.jobs.clear("retry")          # a new slot supersedes the last one's retries
        self._failures = 0
        late = now - due
        if late > self.plan.grace:
            detail = (f"missed the {self.plan.local(due)} slot by {_hours(late)} "
                      f"(beyond the {_hours(self.plan.grace)} grace): skipped")
            log.warning(detail)
            self._record(due, "slot", MISSED, detail)
        else:
            self._attempt(due, "slot")
        job.next_run = self.plan.next_slot(max(due, self.clock()), self._anchor)
        skipped = self._count_slots(self.plan.next_slot(due, self._anchor), job.next_run)
        if skipped:
            log.info("%d slot(s) passed during the run; they are not run again", skipped)
        log.info("next run at %s", self.plan.local(job.next_run))

    def _on_retry(self, job: _ClockJob) -> object:
        slot = job.slot  # type: ignore[attr-defined]
        if self.stop.is_set() or slot != self._slot or self.slot_job.should_run:
            return schedule.CancelJob     # stopping, or a newer slot is due and supersedes it
        self._attempt(slot, "retry")
        return schedule.CancelJob

    def _count_slots(self, start: datetime, end: datetime) -> int:
        """Slots in [start, end)."""
        if end <= start:
            return 0
        if self.plan.every is not None:
            return -((start - end) // self.plan.every)      # ceiling of (end - start) / every
        n, t = 0, start
        while t < end and n < 10_000:
            n, t = n + 1, self.plan.next_slot(t, self._anchor)
        return n

    def _attempt(self, slot: datetime, kind: str) -> str:
        self._slot = slot
        label = f"{kind} run for the {self.plan.local(slot)} slot"
        log.info("%s: starting", label)
        try:
            report = self.run()
        except LockedError as e:
            holder = str(e).split("holds the lock: ", 1)[-1]
            detail = f"skipped: another run holds the lock ({holder})"
            log.warning("%s %s", label, detail)
            return self._record(slot, kind, LOCKED, detail)
        except Exception as e:  # any failure: log its cause, keep the scheduler alive
            detail = f"failed: {type(e).__name__}: {e}"
            log.error("%s %s", label, detail, exc_info=not isinstance(e, NewsdeskError))
            self._record(slot, kind, FAILED, detail)
            if kind != "once":            # --once leaves retrying to cron or systemd
                self._schedule_retry(slot)
            return FAILED
        self._failures = 0
        for err in report.errors:       # a dead feed is named even under --quiet
            if not err.warning:
                log.error("%s", err)
        log.info("%s: done\n%s", label, report.summary())
        return self._record(slot, kind, OK, report.summary().splitlines()[0])

    def _schedule_retry(self, slot: datetime) -> None:
        if self.stop.is_set():
            return
        self._failures += 1
        when = self.clock() + self.backoff.delay(self._failures)
        next_slot = self.plan.next_slot(slot, self._anchor)
        if when >= next_slot:
            log.warning("no retry: the next slot at %s comes first", self.plan.local(next_slot))
            return
        job = _ClockJob(self.jobs, self.clock, when, self._on_retry, "retry")
        job.slot = slot  # type: ignore[attr-defined]
        log.warning("retry %d at %s", self._failures, self.plan.local(when))

    def _record(self, slot: datetime, kind: str, outcome: str, detail: str) -> str:
        now = self.clock()
        self.history.append(Tick(slot=slot, kind=kind, outcome=outcome, detail=detail, at=now))
        if self.memory_path is not None:
            try:
                write_memory(self.memory_path, Memory(slot=slot, outcome=outcome, at=now))
            except NewsdeskError as e:
                log.error("cannot remember the last slot: %s", e)
        return outcome


def _hours(d: timedelta) -> str:
    return f"{d.total_seconds() / 3600:.1f} h"


# --- signals and the CLI -------------------------------------------------------------------------
@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop`; the loop ends after the current step. A second signal
    acts as it would without us (SIGINT: KeyboardInterrupt; SIGTERM: the process ends)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.getsignal(s) for s in signals}
    rfd, wfd = os.pipe()
    received: list[int] = []

    def handle(signum: int, frame: object) -> None:
        # Only a pipe write here: the handler runs in the main thread between any two bytecodes,
        # perhaps while that thread holds the Event's (non-reentrant) lock inside Event.wait, so
        # the Event is set by the watcher thread instead.
        received.append(signum)
        if len(received) > 1:
            for s in signals:
                signal.signal(s, previous[s])
            signal.raise_signal(signum)
            return
        os.write(wfd, bytes([signum]))

    def watch() -> None:
        data = os.read(rfd, 1)
        if data:
            log.warning("%s: stopping after the current step (send it again to stop at once)",
                        signal.Signals(data[0]).name)
            stop.set()
        os.close(rfd)

    watcher = threading.Thread(target=watch, name="newsdesk-signals", daemon=True)
    watcher.start()
    for s in signals:
        signal.signal(s, handle)
    try:
        yield
    finally:
        for s in signals:
            signal.signal(s, previous[s])
        os.close(wfd)          # the watcher reads end-of-file and ends
        watcher.join(timeout=5)


def serve(scheduler: DigestScheduler, wait: Callable[[float], bool] | None = None) -> int:
    """The long-running job: loop until SIGTERM/SIGINT; 0 when stopped that way."""
    with stop_on_signals(scheduler.stop):
        scheduler.run_forever(wait)
    return 0


@contextlib.contextmanager
def scheduler_lock(state_dir: Path) -> Iterator[None]:
    """One long-running job per state folder (two would race over schedule.json)."""
    from pipeline.lock import file_lock, read_info

    path = Path(state_dir) / SCHEDULER_LOCK
    try:
        with file_lock(path, wait=False) as fd:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": "newsdesk schedule",
                                      "started": utc_now().isoformat(timespec="seconds")}).encode() + b"\n", 0)
            yield
    except LockedError:
        raise NewsdeskError(f"{path}: another `newsdesk schedule` runs for this state folder: "
                            f"{read_info(path).describe()}") from None
