"""`newsdesk schedule [--once]`: the long-running job or one tick for cron (pipeline.schedule)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.commands.common import settings_of
from pipeline.model import RunReport
from pipeline.schedule import (EX_TEMPFAIL, LOCKED, MEMORY_NAME, OK, DigestScheduler, scheduler_lock,
                               serve)
from pipeline.slots import plan_from_settings

log = logging.getLogger("pipeline.schedule")   # the job's messages, whichever module says them


def cmd_schedule(args: argparse.Namespace) -> int:
    from pipeline.run import run_digest

    settings = settings_of(args)
    quiet = getattr(args, "quiet", False)
    current = {"settings": settings, "stamp": _stamp(settings.config_path)}

    def run() -> RunReport:
        # An edited newsdesk.toml counts from the next run; an unchanged one is not read again
        # (reading a config of many sources is not free).
        stamp = _stamp(settings.config_path)
        if stamp != current["stamp"]:
            current.update(settings=settings_of(args), stamp=stamp)
            log.info("%s changed: read it again", settings.config_path)
        report = run_digest(current["settings"], honour_backoff=True, progress=False if quiet else None)
        if current["settings"].schedule_deliver:
            deliver_after(current["settings"])
        return report

    memory = settings.state_dir / MEMORY_NAME
    scheduler = DigestScheduler(plan_from_settings(settings), run, memory_path=memory)
    # A job that runs unattended says what each run did unless told to be quiet, whatever the
    # level of the other modules' messages.
    level = log.level
    if not quiet:
        log.setLevel(logging.INFO if log.getEffectiveLevel() > logging.INFO else log.getEffectiveLevel())
    try:
        if args.once:
            outcome = scheduler.run_now()
            return {OK: 0, LOCKED: EX_TEMPFAIL}.get(outcome, 1)
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        with scheduler_lock(settings.state_dir):
            return serve(scheduler)
    finally:
        log.setLevel(level)


def deliver_after(settings) -> None:
    """[schedule] deliver = true: send what reviewers approved, after the run. What a channel
    could not send is logged; it never fails the run (the run's retries would not help it)."""
    import os

    from pipeline.deliver import deliver

    from pipeline.errors import NewsdeskError

    try:
        report = deliver(settings, env=os.environ)
    except NewsdeskError as exc:     # a manual `newsdesk deliver` running, an unreadable outbox
        log.warning("no delivery after the run: %s", exc)
        return
    if report.outcomes:
        (log.info if report.ok else log.warning)("delivery after the run:\n%s", report.summary())


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        st = path.stat() if path else None
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if st else None


EPILOG = """\
example:
  newsdesk schedule --config newsdesk.toml          # runs until SIGTERM or Ctrl-C
  newsdesk schedule --once --quiet                  # one run now, for cron or a systemd timer

[schedule] in newsdesk.toml sets `at = "07:00"` with `timezone`, or `every_hours = 6`, and
`grace_hours` (default 6): a slot missed by sleep or downtime runs once if no later than that;
`deliver = true` sends the approved drafts after each run (`newsdesk deliver`).
--once exits 0 on success, 1 on failure, 75 when another run holds the lock."""


def register(sub) -> None:
    p = sub.add_parser("schedule", help="the long-running scheduled job (or one tick for cron)",
                       description="Run the digest at the times in [schedule] until stopped; a "
                       "failed run is retried with backoff, a run never overlaps another.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_schedule)
    p.add_argument("--once", action="store_true", help="one run now, then exit (for cron / systemd timers)")
    # SUPPRESS: a default here must not overwrite a value the main parser already set.
    p.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS,
                   help="configuration file (default: ./newsdesk.toml)")
    p.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                   help="only errors: no run summaries")
