"""`newsdesk outbox ...`: list, show, approve, reject, edit, preview and mark sent the drafts.

Thin over pipeline.outbox. Everything printed passes through `safe`: drafts and sources come from
feeds, and a control character from a feed must not drive the reviewer's terminal.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import unicodedata
import webbrowser
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from pipeline import outbox
from pipeline.errors import NewsdeskError, OutboxError
from pipeline.lock import atomic_write
from pipeline.terminal import safe

DEFAULT_OUTBOX = "outbox"
DEFAULT_EDITOR = "vi"
def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)


def table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An aligned plain-text table (wide characters counted as two columns)."""
    cells = [[safe(c) for c in r] for r in [head, *rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(head))]
    return "\n".join("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)).rstrip()
                     for r in cells)


def _local(at: str | None) -> str:
    if not at:
        return "?"
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at


def _outbox_dir(args: argparse.Namespace) -> Path:
    """--outbox, else the configured outbox (newsdesk.toml / NEWSDESK_OUTBOX), else ./outbox."""
    if getattr(args, "outbox", None):
        return Path(args.outbox)
    try:
        from pipeline.config import load_settings
    except ModuleNotFoundError:
        return Path(DEFAULT_OUTBOX)
    return load_settings(getattr(args, "config", None)).outbox


def _by(args: argparse.Namespace) -> str:
    return getattr(args, "by", None) or os.environ.get("USER") or outbox.UNKNOWN_REVIEWER


def length_check(channel: str, text: str) -> tuple[int, int | None, bool]:
    """(length, limit, valid) of a post by its network's rules (pipeline.outbox.edit.measure, the
    code that validates generated posts); (characters, None, True) for a channel without a limit.
    A thread is measured part by part (its longest part shown)."""
    from pipeline.outbox.edit import measure   # the network rules: only for commands that show posts

    m = measure(channel, text)
    return m.length, m.limit, m.valid or m.limit is None


# ---------------------------------------------------------------- commands

def cmd_list(args: argparse.Namespace) -> int:
    infos = outbox.list_digests(_outbox_dir(args), by=_by(args))
    if args.digest:
        infos = [i for i in infos if i.name.startswith(args.digest)]
    if args.by_hand:
        return _list_by_hand(infos)
    if args.json:
        print(json.dumps([{"digest": info.name, "folder": str(info.folder), "drafts": [
            {"id": d.id, "status": d.status, "channel": d.channel, "story": d.story, "path": d.path,
             "edited": d.edited, "missing": d.missing}
            for d in info.drafts if not args.status or d.status == args.status]}
            for info in infos], ensure_ascii=False))
        return 0
    rows = []
    for info in infos:
        drafts = [d for d in info.drafts if not args.status or d.status == args.status]
        for n, d in enumerate(drafts):
            note = ", ".join(x for x, on in (("edited", d.edited), ("missing", d.missing)) if on)
            rows.append((info.name if n == 0 else "", d.id, d.status, d.channel, d.path, note))
    if not rows:
        print(f"no drafts in {safe(_outbox_dir(args))}")
        return 0
    print(table(("DIGEST", "ID", "STATUS", "CHANNEL", "PATH", "NOTE"), rows))
    return 0


def _list_by_hand(infos) -> int:
    """Approved posts for the networks posted by hand, each with its composer link."""
    from pipeline.deliver.composer import SHARE_URLS, composer_url

    found = 0
    for info in infos:
        for d in info.drafts:
            if d.channel in SHARE_URLS and d.status == outbox.APPROVED and not d.missing:
                url = composer_url(d.channel, (info.folder / d.path).read_text(encoding="utf-8", errors="replace"))
                print(safe(f"{d.id}  {d.channel:8} {info.name}/{d.path}"))
                print(f"  {safe(url)}")
                found += 1
    print(f"{found} approved post(s) to publish by hand; then `newsdesk outbox sent ID`" if found
          else "no approved post to publish by hand")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    folder, d = outbox.find_draft(_outbox_dir(args), args.id)
    info = outbox.load_digest(folder)
    last = d.history[-1] if d.history else None
    print(f"draft {d.id}  {safe(folder.name)}/{safe(d.path)}")
    print(f"channel {safe(d.channel)}, {d.status}" + (f" ({safe(last.by)}, {_local(last.at)})" if last else "")
          + ("  [edited by hand]" if d.edited else ""))
    if d.missing:
        print(f"the file {safe(d.path)} is missing")
        return 1
    text = (folder / d.path).read_text(encoding="utf-8", errors="replace")
    length, limit, ok = length_check(d.channel, text)
    if limit is None:
        print(f"length: {length} characters")
    else:
        print(f"length: {length}/{limit}" + ("" if ok else "  NOT VALID for " + safe(d.channel)
                                             + (f": too long by {length - limit}" if length > limit else "")))
    print("-" * 40)
    print(safe(text, lines=True).rstrip("\n"))
    print("-" * 40)
    if d.status == outbox.SENT and (d.remote_url or d.remote_id):
        print(f"sent: {safe(d.remote_url or d.remote_id)}")
    elif d.status == outbox.APPROVED and _composer(d.channel, text):
        print(f"post by hand: {safe(_composer(d.channel, text))}")
        print(f"  then: newsdesk outbox sent {d.id}")
    story = info.story(d.story)
    if story is not None:
        print(f"story: {safe(story.headline)}")
        for s in story.sources:
            when = f" ({s.published.date().isoformat()})" if s.published else ""
            print(f"  - {safe(s.outlet or '?')}: {safe(s.title)}{when} {safe(s.url or '')}".rstrip())
    return 0


def _report(entries: Sequence[outbox.DraftEntry], verb: str) -> int:
    for d in entries:
        print(f"{verb} {d.id}  {safe(d.path)}")
    if not entries:
        print(f"nothing {verb}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    if args.all == bool(args.ids):
        raise OutboxError("give draft ids, or --all (not both)")
    if args.all:
        return _report(outbox.approve_all(_outbox_dir(args), args.digest, by=_by(args)), "approved")
    return _report(outbox.set_status(_outbox_dir(args), args.ids, outbox.APPROVED, by=_by(args)),
                   "approved")


def cmd_reject(args: argparse.Namespace) -> int:
    return _report(outbox.set_status(_outbox_dir(args), args.ids, outbox.REJECTED, by=_by(args),
                                     reason=args.reason), "rejected")


def cmd_sent(args: argparse.Namespace) -> int:
    return _report(outbox.mark_sent(_outbox_dir(args), args.ids, by=_by(args)), "marked sent")


def cmd_retry(args: argparse.Namespace) -> int:
    return _report(outbox.retry(_outbox_dir(args), args.ids, by=_by(args)),
                   "approved again (the next `newsdesk deliver` sends it)")


def _composer(channel: str, text: str) -> str | None:
    """The network's share URL with the text, for networks posted by hand (pipeline.deliver)."""
    try:
        from pipeline.deliver.composer import composer_url
    except ModuleNotFoundError as exc:
        if exc.name != "pipeline.deliver.composer":
            raise
        return None
    return composer_url(channel, text)


def cmd_edit(args: argparse.Namespace) -> int:
    """The editor works on a copy beside the draft; the copy is saved through save_edit (the
    network's rules, the payload regenerated, refused if a run changed the draft meanwhile) and
    kept when it cannot be saved, so that typed text is never lost."""
    from pipeline.outbox.edit import EditConflict, EditRefused, check_writable, save_edit, unsaved_copy

    box = _outbox_dir(args)
    folder, d = outbox.find_draft(box, args.id)
    check_writable(box)           # a read-only outbox is said before anything is typed
    if d.status == outbox.SENT:
        raise OutboxError(f"draft {d.id} was sent already; editing it would change nothing")
    if d.missing:
        raise OutboxError(f"draft {d.id}: its file {d.path} is missing")
    part = None
    if getattr(args, "text", False):
        part = next((rel for rel, _ in d.extra if rel.endswith(".txt")), None)
        if d.channel != "email" or part is None:
            raise OutboxError(f"draft {d.id} has no plain-text part (--text is for the e-mail draft)")
    path = folder / (part or d.path)
    before = path.read_bytes()
    base = hashlib.sha256(before).hexdigest()
    copy = unsaved_copy(path)
    resumed = copy.is_file()
    if resumed:
        print(f"{d.id}: starting from your unsaved text in {safe(copy)}", file=sys.stderr)
    else:
        atomic_write(copy, before)
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL") or DEFAULT_EDITOR
    try:
        code = subprocess.call([*shlex.split(editor), str(copy)])
    except OSError as exc:
        if not resumed:
            copy.unlink(missing_ok=True)
        raise OutboxError(f"cannot start the editor {editor!r} (set $EDITOR): {exc.strerror}") from exc
    after = copy.read_bytes() if copy.is_file() else b""
    kept = f"; your text is in {safe(copy)} (`newsdesk outbox edit {d.id}` starts from it)"
    if code != 0 or not after.strip():
        if not after.strip() or (after == before and not resumed):
            copy.unlink(missing_ok=True)
        print(f"{d.id}: the editor exited with {code} or left the file empty; kept the previous text"
              + (kept if copy.is_file() else ""), file=sys.stderr)
        return 1
    try:
        saved = save_edit(box, d.id, after.decode("utf-8", errors="replace"), base_sha=base,
                          by=_by(args), reason="edited with outbox edit", part=part)
    except EditRefused as exc:
        print(f"{d.id}: the edited {safe(d.channel)} post {exc.why}; kept the previous text{kept}",
              file=sys.stderr)
        return 1
    except EditConflict:
        print(f"{d.id}: {safe(d.path)} changed on disk while the editor was open (a run may have "
              f"refreshed it); kept that version{kept}", file=sys.stderr)
        return 1
    except NewsdeskError as exc:  # e.g. the outbox became read-only meanwhile
        print(f"newsdesk: {safe(exc)}{kept}", file=sys.stderr)
        return 1
    copy.unlink(missing_ok=True)
    if not saved.changed:
        print(f"{d.id}: unchanged")
        return 0
    print(f"edited {saved.entry.id}: now {saved.entry.status}" + (" (was approved)" if saved.was_approved else ""))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    info = outbox.find_digest(_outbox_dir(args), args.digest)
    page = info.folder / "digest.html"
    if not page.is_file():
        raise OutboxError(f"{info.name}: no digest.html to preview")
    url = page.resolve().as_uri()
    if not webbrowser.open(url):
        print(f"no browser found; open {safe(url)}", file=sys.stderr)
        return 1
    print(f"opened {safe(url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from pipeline.outbox.serve import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("starlette", "uvicorn"):
            raise
        raise OutboxError("the review page needs the `review` extra (Starlette and uvicorn): "
                          "pip install 'newsdesk[review]'") from exc
    box = _outbox_dir(args)
    outbox.find_digest(box, args.digest)      # fails now, not in the browser, when there is none
    return serve(box, port=args.port, open_browser=not args.no_browser, by=_by(args), digest=args.digest,
                 take_out=_take_out(args, box), archive=_archive(args))


def _archive(args: argparse.Namespace) -> Path | None:
    """The configured web archive, which the review page links to and serves under /archive/."""
    try:
        from pipeline.commands.common import settings_of
        return settings_of(args).archive
    except NewsdeskError:
        return None


def _take_out(args: argparse.Namespace, box: Path):
    """The page's "take this source out" (a split, then the drafts rendered again), when the
    state store that holds the digest's stories is here; else the page does not offer it."""
    import dataclasses
    import functools

    try:
        from pipeline.commands.common import settings_of
        from pipeline.commands.stories import take_out
        settings = dataclasses.replace(settings_of(args), outbox=box)
    except (ModuleNotFoundError, NewsdeskError):
        return None
    if not (settings.state_dir / "state.db").is_file():
        return None
    return functools.partial(take_out, settings, by=_by(args))


# ---------------------------------------------------------------- parser

def _add(sub: Any, name: str, handler: Callable[[argparse.Namespace], int], help: str,
         example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help, epilog=f"example:\n  {example}",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=handler)
    # SUPPRESS: a default here must not overwrite a value the main parser already set.
    p.add_argument("--outbox", metavar="DIR", default=argparse.SUPPRESS,
                   help=f"the outbox folder (default: the configured one, else ./{DEFAULT_OUTBOX})")
    return p


def register(subparsers: Any) -> None:
    """Add the `outbox` command group to an argparse subparsers object."""
    group = _add(subparsers, "outbox", lambda a: (group.print_help(), 0)[1],
                 "review the drafts: list, show, approve, reject, edit, preview, serve",
                 "newsdesk outbox list && newsdesk outbox approve k3x9aa")
    sub = group.add_subparsers(dest="outbox_command", metavar="ACTION")

    def cmd(name: str, handler: Callable[[argparse.Namespace], int], help: str,
            example: str) -> argparse.ArgumentParser:
        p = _add(sub, name, handler, help, example)
        p.add_argument("--by", metavar="NAME", help="reviewer name recorded in the history (default: $USER)")
        return p

    p = cmd("list", cmd_list, "digests and their drafts with status, newest first",
            "newsdesk outbox list --status draft")
    p.add_argument("--status", choices=outbox.STATUSES, help="only drafts with this status")
    p.add_argument("--digest", metavar="NAME", help="only this digest (a prefix of its folder name)")
    p.add_argument("--json", action="store_true", help="digests and their drafts as one JSON array")
    p.add_argument("--by-hand", action="store_true",
                   help="the approved posts to publish by hand (X, Threads, LinkedIn), with their composer links")
    p = cmd("show", cmd_show, "a draft's text, its length against the network limit, its sources",
            "newsdesk outbox show k3x9aa")
    p.add_argument("id", help="draft id (a unique prefix is enough)")
    p = cmd("approve", cmd_approve, "approve drafts for sending", "newsdesk outbox approve k3x9aa q7mf2d")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--all", action="store_true", help="every draft still in draft in one digest")
    p.add_argument("--digest", metavar="NAME", help="with --all: this digest (default: the newest)")
    p = cmd("reject", cmd_reject, "reject drafts (they are never sent)",
            'newsdesk outbox reject k3x9aa --reason "wrong photo credit"')
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--reason", help="why, recorded in the history")
    p = cmd("edit", cmd_edit, "edit a draft in $EDITOR (the e-mail: its HTML, or with --text its "
            "plain-text part); an approved draft goes back to draft",
            "EDITOR=nano newsdesk outbox edit k3x9aa --text")
    p.add_argument("id", help="draft id (a unique prefix is enough)")
    p.add_argument("--text", action="store_true", help="the e-mail draft's plain-text part (digest.txt)")
    p = cmd("preview", cmd_preview, "open a digest's HTML in the web browser",
            "newsdesk outbox preview 2024-05-02-morning")
    p.add_argument("digest", nargs="?", help="digest folder name or prefix (default: the newest)")
    p = cmd("serve", cmd_serve, "review in the browser: the digest as sent, each network's draft with "
            "its length; approve, reject, edit (on 127.0.0.1 only; Ctrl-C stops it)",
            "newsdesk outbox serve --port 0 --no-browser")
    p.add_argument("digest", nargs="?", help="digest folder name or prefix (default: the newest)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default 0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the address; open no browser")
    p = cmd("sent", cmd_sent, "mark approved drafts as sent (posted by hand)", "newsdesk outbox sent k3x9aa")
    p.add_argument("ids", nargs="+", metavar="ID")
    p = cmd("retry", cmd_retry, "a draft left in `sending` did not go out, or one the network refused (`failed`): "
            "approve it again for deliver",
            "newsdesk outbox retry k3x9aa")
    p.add_argument("ids", nargs="+", metavar="ID")

