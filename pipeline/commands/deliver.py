"""`newsdesk deliver`: send what reviewers approved, once, and record it (pipeline.deliver)."""
from __future__ import annotations

import argparse
import os
from typing import Any

from pipeline.commands.common import settings_of

EXAMPLE = """\
example:
  newsdesk deliver --dry-run          # what would go out, sending nothing
  newsdesk deliver                    # send every approved draft not yet sent
  newsdesk deliver --channel mastodon --digest 2026-11-22-morning-digest

Channels are configured in [delivery.email], [delivery.mastodon] and [delivery.bluesky]; secrets
come from the environment variables they name. X, Threads and LinkedIn get a composer link to post
by hand (then `newsdesk outbox sent ID`). Exits 1 when a draft failed or is left in `sending`."""


def cmd_deliver(args: argparse.Namespace) -> int:
    from pipeline.terminal import safe
    from pipeline.deliver import deliver

    settings = settings_of(args)
    report = deliver(settings, env=os.environ, dry_run=args.dry_run, digest=args.digest,
                     channel=args.channel)
    if not report.outcomes:
        print(f"nothing to deliver in {safe(settings.outbox)}")
        return 0
    print(safe(report.summary(), lines=True))
    return 0 if report.ok else 1


def register(sub: Any) -> None:
    from pipeline.config import CHANNELS    # not pipeline.deliver: the senders load when used

    help = "send the approved drafts (email, Mastodon, Bluesky) once, and mark them sent"
    p = sub.add_parser("deliver", help=help, description=help, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_deliver)
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    p.add_argument("--digest", metavar="FOLDER", help="only this digest (its folder name or a prefix)")
    p.add_argument("--channel", metavar="NAME", choices=CHANNELS, help=f"only this channel ({', '.join(CHANNELS)})")
    p.add_argument("--outbox", metavar="DIR", help="the outbox folder (default: the configured one)")
