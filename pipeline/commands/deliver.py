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
  newsdesk deliver -q                 # from cron: prints only what needs a person

Channels are configured in [delivery.email], [delivery.mastodon] and [delivery.bluesky]; secrets
come from the environment variables they name. X, Threads and LinkedIn get a composer link to post
by hand (then `newsdesk outbox sent ID`; `newsdesk outbox list --by-hand` lists them). Each digest
whose e-mail went out is published to the web archive ([archive] path, as `newsdesk publish`
does). Exits 1 when a draft failed or is left in `sending`, or the archive could not be written.
A digest e-mail goes to more than one recipient only with `postal_address` set (or set to "")."""


def cmd_deliver(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from pipeline.terminal import safe
    from pipeline.deliver import deliver
    from pipeline.deliver.base import FAILED, STUCK

    settings = settings_of(args)
    report = deliver(settings, env=os.environ, dry_run=args.dry_run, digest=args.digest,
                     channel=args.channel)
    if args.json:
        print(json.dumps({"dry_run": report.dry_run, "ok": report.ok,
                          "outcomes": [dataclasses.asdict(o) for o in report.outcomes],
                          "archive": list(report.archive)}, ensure_ascii=False))
    elif args.quiet:
        # For cron: only what needs a person now (a refusal, a draft left in `sending`). Posts
        # to publish by hand are listed by `newsdesk outbox list --by-hand`, not on every run.
        for o in report.outcomes:
            if o.result in (FAILED, STUCK):
                print(safe(o.line()))
        if report.archive_failed:
            print(safe("\n".join(f"archive: {line}" for line in report.archive)))
    elif not report.outcomes:
        print(f"nothing to deliver in {safe(settings.outbox)}")
    else:
        print(safe(report.summary(), lines=True))
    return 0 if report.ok else 1


def cmd_check(args: argparse.Namespace) -> int:
    from pipeline.deliver.check import check
    from pipeline.terminal import safe

    results = check(getattr(args, "config", None), os.environ)
    for r in results:
        print(safe(r.line()))
    return 0 if all(r.ok for r in results) else 1


CHECK_EXAMPLE = """\
example:
  newsdesk check --config newsdesk.toml

One line each: the configuration, then every configured channel reached as `deliver` reaches it
(SMTP: EHLO, STARTTLS, AUTH; Mastodon: the instance and the token's account; Bluesky: a session),
its secret read from where the configuration names it. Sends nothing. Exits 1 on any failure."""


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
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only what needs a person: failed drafts and drafts left in sending (for cron)")
    p.add_argument("--json", action="store_true", help="every draft's outcome as one JSON object")

    help = "check the configuration, its secrets and each configured channel before the first send"
    p = sub.add_parser("check", help=help, description=help, epilog=CHECK_EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_check)
