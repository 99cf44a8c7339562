"""The scheduled job. Unit tests drive DigestScheduler with an injected clock and run function;
end-to-end tests start `python -m pipeline schedule` as a subprocess against feeds served on
127.0.0.1 and check runs, conditional GET, the run lock and a clean SIGTERM."""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import threading
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.errors import LockedError
from pipeline.lock import run_lock
from pipeline.model import RunReport
from pipeline.schedule import (FAILED, LOCKED, MISSED, OK, DigestScheduler, Memory, read_memory, serve,
                               write_memory)
from pipeline.slots import Backoff, Plan

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


class FakeClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Runs:
    """A stand-in for run_digest: records when it ran; raises the scripted exceptions in order."""

    def __init__(self, clock: FakeClock, script=()):
        self.clock, self.script, self.times = clock, list(script), []

    def __call__(self) -> RunReport:
        self.times.append(self.clock())
        item = self.script.pop(0) if self.script else None
        if isinstance(item, BaseException):
            raise item
        return RunReport(started=self.clock(), articles=12, new_articles=3, stories=4, selected=2)


def drive(sched: DigestScheduler, clock: FakeClock, until: datetime, jumps=None) -> None:
    """The real loop with a wait that moves the fake clock; `jumps` maps a wait number to extra
    seconds the clock leaps then (a suspended machine)."""
    jumps, calls = dict(jumps or {}), [0]

    def wait(seconds: float) -> bool:
        calls[0] += 1
        clock.advance(seconds + jumps.get(calls[0], 0))
        return clock.now >= until

    sched.run_forever(wait)


def local(times) -> list[str]:
    return [t.astimezone(BERLIN).strftime("%m-%d %H:%M") for t in times]


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


# --- slots ---------------------------------------------------------------------------------------
def test_daily_slot_stays_seven_local_across_both_berlin_dst_changes():
    plan = Plan(tz=BERLIN, at=time(7, 0))
    march, t = [], datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    for _ in range(4):
        t = plan.next_slot(t)
        march.append(t)
    assert local(march) == ["03-28 07:00", "03-29 07:00", "03-30 07:00", "03-31 07:00"]
    assert [s.hour for s in march] == [6, 5, 5, 5]          # CET (+1) until 29 March, then CEST (+2)
    october, t = [], datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    for _ in range(3):
        t = plan.next_slot(t)
        october.append(t)
    assert local(october) == ["10-24 07:00", "10-25 07:00", "10-26 07:00"]
    assert [s.hour for s in october] == [5, 6, 6]
    assert plan.latest_slot(datetime(2026, 3, 29, 5, 30, tzinfo=UTC)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_slot_in_the_dst_gap_and_the_repeated_hour_runs_once_a_night():
    plan = Plan(tz=BERLIN, at=time(2, 30))
    gap = plan.next_slot(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)          # 03:30 CEST: 02:30 never shows
    first = plan.next_slot(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)       # 02:30 CEST, the first of two
    assert plan.next_slot(first) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)  # not 02:30 CET that night


def test_scheduler_runs_at_seven_berlin_through_the_march_change(tmp_path):
    clock = FakeClock(berlin(2026, 3, 27, 8, 0))
    runs = Runs(clock)
    memory = tmp_path / "schedule.json"
    sched = DigestScheduler(Plan(tz=BERLIN, at=time(7, 0)), runs, clock=clock, memory_path=memory,
                            max_nap=86400)
    drive(sched, clock, berlin(2026, 3, 31, 12, 0))
    assert local(runs.times) == ["03-28 07:00", "03-29 07:00", "03-30 07:00", "03-31 07:00"]
    assert [t.outcome for t in sched.history] == [OK] * 4
    assert read_memory(memory).slot == berlin(2026, 3, 31, 7, 0)


def test_every_n_hours_runs_at_once_then_keeps_its_rhythm(tmp_path):
    start = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    clock = FakeClock(start)
    runs = Runs(clock)
    plan = Plan(tz=BERLIN, every=timedelta(hours=1.5))
    assert plan.next_slot(start + timedelta(hours=2), anchor=start) == start + timedelta(hours=3)
    sched = DigestScheduler(plan, runs, clock=clock, memory_path=tmp_path / "s.json")
    drive(sched, clock, start + timedelta(hours=4))
    assert [t - start for t in runs.times] == [timedelta(hours=h) for h in (0, 1.5, 3)]
    # A restart continues the remembered rhythm instead of running at once.
    clock.now = start + timedelta(hours=3, minutes=20)
    again = DigestScheduler(plan, runs, clock=clock, memory_path=tmp_path / "s.json")
    assert again.next_run == start + timedelta(hours=4.5)


# --- failures, retries, the lock -----------------------------------------------------------------
def test_failed_run_is_logged_retried_with_backoff_and_the_next_slot_still_runs(caplog):
    start = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    clock = FakeClock(start)
    runs = Runs(clock, [RuntimeError("the store exploded"), OSError(28, "No space left on device")])
    sched = DigestScheduler(Plan(tz=UTC, every=timedelta(hours=1)), runs, clock=clock,
                            backoff=Backoff(first=timedelta(seconds=5), cap=timedelta(seconds=60)))
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        drive(sched, clock, start + timedelta(hours=2, minutes=1))
    assert [(t - start).total_seconds() for t in runs.times] == [0, 5, 15, 3600, 7200]
    assert [(t.kind, t.outcome) for t in sched.history] == [
        ("slot", FAILED), ("retry", FAILED), ("retry", OK), ("slot", OK), ("slot", OK)]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "RuntimeError: the store exploded" in errors[0] and "No space left on device" in errors[1]
    assert any("retry 2 at" in r.getMessage() for r in caplog.records)


def test_retries_are_capped_and_never_run_past_the_next_slot(caplog):
    start = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    clock = FakeClock(start)
    runs = Runs(clock, [RuntimeError("down")] * 20)
    sched = DigestScheduler(Plan(tz=UTC, every=timedelta(seconds=60)), runs, clock=clock,
                            backoff=Backoff(first=timedelta(seconds=20), cap=timedelta(seconds=30)))
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        drive(sched, clock, start + timedelta(seconds=125))
    # 20 s, then 40 s capped to 30 s; the third retry (at +80 s) would pass the slot at +60 s.
    assert [(t - start).total_seconds() for t in runs.times] == [0, 20, 50, 60, 80, 110, 120]
    assert sum("no retry: the next slot" in r.getMessage() for r in caplog.records) == 2


def test_a_held_run_lock_is_a_skip_not_a_failure(tmp_path, caplog):
    start = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    clock = FakeClock(start)
    times = []

    def run() -> RunReport:  # takes the real run lock, as run_digest does
        times.append(clock())
        with run_lock(tmp_path, command="newsdesk schedule"):
            return RunReport(started=clock())

    sched = DigestScheduler(Plan(tz=UTC, every=timedelta(hours=1)), run, clock=clock,
                            backoff=Backoff(first=timedelta(seconds=5)))
    with run_lock(tmp_path, command="newsdesk digest"), caplog.at_level(logging.INFO):
        sched.step()
    drive(sched, clock, start + timedelta(hours=1, minutes=1))
    assert [t.outcome for t in sched.history] == [LOCKED, OK]
    assert [(t - start).total_seconds() for t in times] == [0, 3600]      # no retry was scheduled
    skip = sched.history[0].detail
    assert skip.startswith(f"skipped: another run holds the lock (pid {os.getpid()} ")
    assert "newsdesk digest" in skip
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- sleep and downtime --------------------------------------------------------------------------
def test_missed_slot_within_grace_runs_once_after_downtime(tmp_path, caplog):
    memory = tmp_path / "schedule.json"
    write_memory(memory, Memory(slot=berlin(2026, 11, 19, 7, 0), outcome=OK, at=berlin(2026, 11, 19, 7, 1)))
    clock = FakeClock(berlin(2026, 11, 22, 9, 0))       # started at 09:00, three slots missed
    runs = Runs(clock)
    sched = DigestScheduler(Plan(tz=BERLIN, at=time(7, 0)), runs, clock=clock, memory_path=memory,
                            max_nap=86400)
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        drive(sched, clock, berlin(2026, 11, 23, 8, 0))
    assert local(runs.times) == ["11-22 09:00", "11-23 07:00"]
    assert [t.slot for t in sched.history] == [berlin(2026, 11, 22, 7, 0), berlin(2026, 11, 23, 7, 0)]
    assert any("2 earlier slot(s) passed" in r.getMessage() for r in caplog.records)
    assert read_memory(memory).slot == berlin(2026, 11, 23, 7, 0)


def test_missed_slot_beyond_grace_is_skipped_and_logged(tmp_path, caplog):
    memory = tmp_path / "schedule.json"
    write_memory(memory, Memory(slot=berlin(2026, 11, 21, 7, 0), outcome=OK, at=berlin(2026, 11, 21, 7, 1)))
    clock = FakeClock(berlin(2026, 11, 22, 14, 0))      # 7 h after the slot, grace is 6 h
    runs = Runs(clock)
    sched = DigestScheduler(Plan(tz=BERLIN, at=time(7, 0)), runs, clock=clock, memory_path=memory,
                            max_nap=86400)
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        sched.step()
        assert runs.times == [] and read_memory(memory).outcome == MISSED
        drive(sched, clock, berlin(2026, 11, 23, 8, 0))
    assert local(runs.times) == ["11-23 07:00"]
    warning = next(r.getMessage() for r in caplog.records if "missed the" in r.getMessage())
    assert "2026-11-22 07:00:00 CET" in warning and "7.0 h" in warning and "6.0 h grace" in warning


def test_a_suspended_machine_runs_the_latest_slot_once_on_wake():
    start = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    clock = FakeClock(start)
    runs = Runs(clock)
    sched = DigestScheduler(Plan(tz=UTC, every=timedelta(hours=1), grace=timedelta(hours=2)), runs,
                            clock=clock, max_nap=86400)
    # The second wait (from +1 h to the +2 h slot) oversleeps by 3.5 h: slots +2 h ... +5 h pass.
    drive(sched, clock, start + timedelta(hours=6, minutes=30), jumps={2: 3.5 * 3600})
    assert [(t - start) / timedelta(hours=1) for t in runs.times] == [0, 1, 5.5, 6]
    assert sched.history[2].slot == start + timedelta(hours=5)


def test_damaged_memory_is_ignored_with_a_warning(tmp_path, caplog):
    memory = tmp_path / "schedule.json"
    memory.write_text('{"slot": "yesterday"')
    clock = FakeClock(berlin(2026, 11, 22, 9, 0))
    with caplog.at_level(logging.WARNING, logger="pipeline.schedule"):
        sched = DigestScheduler(Plan(tz=BERLIN, at=time(7, 0)), Runs(clock), clock=clock, memory_path=memory)
    assert sched.next_run == berlin(2026, 11, 23, 7, 0)
    assert "cannot read the schedule memory" in caplog.text
    sched.run_now()
    assert json.loads(memory.read_text())["outcome"] == OK
    assert not list(tmp_path.glob(".*"))             # the atomic write left no temp file


# --- stopping ------------------------------------------------------------------------------------
def test_sigterm_during_a_run_stops_the_loop_after_that_run():
    clock = FakeClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    finished = []

    def run() -> RunReport:
        os.kill(os.getpid(), signal.SIGTERM)
        finished.append(clock())          # the run goes on to its end after the signal
        return RunReport(started=clock())

    sched = DigestScheduler(Plan(tz=UTC, every=timedelta(seconds=1)), run, clock=clock)
    woken = []

    def wait(seconds: float) -> bool:     # the real Event.wait, but never the whole 60 s
        woken.append(sched.stop.wait(5))
        return woken[-1]

    assert serve(sched, wait=wait) == 0
    assert sched.stop.is_set() and len(finished) == 1 and [t.outcome for t in sched.history] == [OK]
    assert woken in ([], [True])          # no second run; a wait, if any, ended by the stop
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_sigterm_wakes_the_sleeping_loop():
    clock = FakeClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    sched = DigestScheduler(Plan(tz=UTC, at=time(7, 0)), Runs(clock), clock=clock)
    fired = []
    # If the signal did not wake it, the guard ends the test anyway (and the test fails).
    guard = threading.Timer(20, lambda: (fired.append(True), sched.stop.set()))
    sender = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    guard.start(), sender.start()
    try:
        assert serve(sched) == 0          # sleeps in Event.wait (naps of a minute) until the signal
    finally:
        guard.cancel()
    assert fired == [] and sched.history == [] and sched.stop.is_set()


def test_run_now_reports_ok_failed_or_locked():
    clock = FakeClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    plan = Plan(tz=UTC, at=time(7, 0))
    ok = DigestScheduler(plan, Runs(clock), clock=clock)
    bad = DigestScheduler(plan, Runs(clock, [ValueError("bad feed data")]), clock=clock)
    locked = DigestScheduler(plan, Runs(clock, [LockedError("x: another run holds the lock: pid 7")]),
                             clock=clock)
    assert (ok.run_now(), bad.run_now(), locked.run_now()) == (OK, FAILED, LOCKED)


# --- end to end: the real command against feeds on 127.0.0.1 ---------------------------------------
ROOT = Path(__file__).resolve().parents[1]
# A few seconds between runs keeps the subprocess test short; TOML takes the float as it is.
EVERY_HOURS = 2.5 / 3600

STORIES = (
    ("Dock workers strike halts container cranes in Rotterdam port",
     "Dock workers at the port of Rotterdam walked out on Monday morning, halting the container "
     "cranes at three terminals. The union said the strike over shift pay would last 48 hours. "
     "Shipping lines diverted four vessels to Antwerp while the port authority urged talks."),
    ("Glacier melt raises Alpine lake to record level, villages on alert",
     "The lake below the Rhone glacier rose to its highest level on record after a week of warm "
     "weather, and three villages downstream were put on alert. Engineers opened a relief "
     "channel on Sunday night and hydrologists expect the level to fall within days."),
)


def rss(outlet: str, n: int, now: datetime) -> bytes:
    items = []
    for k, (title, text) in enumerate(STORIES):
        when = (now - timedelta(hours=1 + k + n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        items.append(f"<item><title>{title} ({outlet})</title>"
                     f"<link>https://{outlet}.example/news/{k}</link><guid>{outlet}-{k}</guid>"
                     f"<pubDate>{when}</pubDate><description>{outlet} reports: {text}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
            f"<link>https://{outlet}.example/</link>{''.join(items)}</channel></rss>").encode()


def write_config(tmp_path: Path, server, schedule: str) -> tuple[Path, list[str]]:
    from loopback import conditional

    now = datetime.now(UTC)
    paths, blocks = [], []
    for n, outlet in enumerate(("harbourtimes", "alpinepost", "dailywire")):
        path = f"/{outlet}.xml"
        url = server.route(path, conditional(rss(outlet, n, now), etag=f'"{outlet}-v1"'))
        paths.append(path)
        blocks.append(f'[[sources]]\nname = "{outlet}"\nurl = "{url}"\n')
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text('title = "Schedule test"\noutbox = "outbox"\nstate_dir = "state"\n'
                   f"fetch_timeout = 5\n\n[schedule]\n{schedule}\n\n" + "\n".join(blocks))
    return cfg, paths


def test_scheduled_job_end_to_end(http_server, tmp_path):
    import subprocess
    import sys

    from loopback import wait_until

    cfg, paths = write_config(tmp_path, http_server, f"every_hours = {EVERY_HOURS!r}")
    log_path = tmp_path / "schedule.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "schedule", "--config", str(cfg)],
                                cwd=tmp_path, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        def runs_done() -> int:
            return log_path.read_text().count(": done")

        assert wait_until(lambda: runs_done() >= 2, timeout=25), log_path.read_text()
        # Conditional GET: the second fetch of each feed carries the ETag and gets a 304.
        for path in paths:
            reqs = http_server.requests_to(path)
            assert reqs[0].header("if-none-match") is None
            assert reqs[1].header("if-none-match") == f'"{path[1:-4]}-v1"'
        summaries = re.findall(r"slot: done\n(\d+) articles \((\d+) new\), (\d+) open stories",
                               log_path.read_text())
        assert summaries[0] == ("6", "6", "2") and summaries[1][1:] == ("0", "2")  # nothing new
        reports = list((tmp_path / "outbox").glob("*/report.json"))
        assert len(reports) == 1 and json.loads(reports[0].read_text())["stories"] == 2
        memory = json.loads((tmp_path / "state" / "schedule.json").read_text())
        assert memory["outcome"] == OK

        # A run while someone else holds the run lock is skipped, not failed.
        with run_lock(tmp_path / "state", command="newsdesk digest"):
            assert wait_until(lambda: "skipped: another run holds the lock" in log_path.read_text(),
                              timeout=10), log_path.read_text()
        text = log_path.read_text()
        assert f"skipped: another run holds the lock (pid {os.getpid()} " in text
        assert "failed" not in text and "Traceback" not in text

        # An edited configuration counts from the next run, without a restart.
        from loopback import Response
        url = http_server.route("/latecomer.xml", Response.feed(rss("latecomer", 0, datetime.now(UTC))))
        cfg.write_text(cfg.read_text() + f'\n[[sources]]\nname = "latecomer"\nurl = "{url}"\n')
        assert wait_until(lambda: http_server.requests_to("/latecomer.xml"), timeout=10)
        assert "newsdesk.toml changed: read it again" in log_path.read_text()

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log_path.read_text()
    assert "SIGTERM: stopping after the current step" in text and "scheduler stopped" in text


def test_once_exit_codes(http_server, tmp_path, capsys):
    from pipeline.cli import main

    cfg, _ = write_config(tmp_path, http_server, 'at = "07:00"\ntimezone = "Europe/Berlin"')
    assert main(["schedule", "--once", "--quiet", "--config", str(cfg)]) == 0
    assert list((tmp_path / "outbox").glob("*/report.json"))
    with run_lock(tmp_path / "state", command="newsdesk digest"):
        assert main(["schedule", "--once", "--config", str(cfg)]) == 75
    broken = tmp_path / "broken.toml"                # the state folder is a file: the run fails
    (tmp_path / "notadir").write_text("")
    broken.write_text(cfg.read_text().replace('state_dir = "state"', 'state_dir = "notadir"'))
    assert main(["schedule", "--once", "--config", str(broken)]) == 1
