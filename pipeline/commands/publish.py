"""`newsdesk publish`: the web archive of the approved or sent digests (pipeline.archive)."""
from __future__ import annotations

import argparse
from typing import Any

from pipeline.commands.common import settings_of

EXAMPLE = """\
example:
  newsdesk publish --dry-run          # what would be written, writing nothing
  newsdesk publish                    # every digest whose e-mail is approved or sent
  newsdesk publish --digest 2026-11-22-morning-digest

Writes [archive] path (archive/ beside the configuration by default): <YYYY-MM-DD>-<slug>/index.html,
the web edition with every source; index.html, every edition; and, with [archive] site_url set,
feed.xml, an Atom feed of the editions with absolute links. Only changed files are written (each
atomically): publishing again changes nothing. `newsdesk deliver` publishes each digest it sends.
The folder is static: any web server can serve it as it is, at site_url."""


def cmd_publish(args: argparse.Namespace) -> int:
    from pipeline import outbox as ob
    from pipeline.archive import publish
    from pipeline.terminal import safe

    settings = settings_of(args)          # --outbox, --config, --state-dir as every command
    done = publish(settings, digest=args.digest, statuses=(ob.APPROVED, ob.SENT), dry_run=args.dry_run)
    if not done.written and not done.unchanged and not done.skipped:
        lines = [f"nothing to publish: no digest in {settings.outbox} has its e-mail approved or sent"]
    elif args.quiet:                       # for cron: only what needs a person
        lines = [line for line in done.lines() if line.startswith("skipped")]
    else:
        lines = done.lines()
    for line in lines:
        print(safe(line))
    return 0


def register(sub: Any) -> None:
    help = "write the web archive: each approved or sent digest's web edition, an index, an Atom feed"
    p = sub.add_parser("publish", help=help, description=help, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_publish)
    p.add_argument("--digest", metavar="FOLDER", help="only this digest (its folder name or a prefix)")
    p.add_argument("--dry-run", action="store_true", help="say what would be written; write nothing")
    p.add_argument("--outbox", metavar="DIR", help="the outbox folder (default: the configured one)")
