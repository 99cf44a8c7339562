"""The `newsdesk` command: thin — parse arguments, call one function, print the result."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from pipeline import __version__
from pipeline.commands.common import print_table, safe, settings_of
from pipeline.errors import LockedError, NewsdeskError

log = logging.getLogger("pipeline")

Handler = Callable[[argparse.Namespace], int]
# Exit codes of `digest` and `schedule --once` (README, docs/scheduling.md): 0 the run completed
# (feeds that failed are named on stderr), 1 the run failed, 75 another run holds the lock.
EX_TEMPFAIL = 75


def _progress(args: argparse.Namespace) -> bool | None:
    return False if getattr(args, "quiet", False) else None


# --- init ------------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented newsdesk.toml and, when there is none beside it, a seeds/ folder with the
    sample articles it points at, so that `newsdesk digest` runs at once."""
    import importlib.resources
    import shutil

    from pipeline.config import CONFIG_NAME, EXAMPLE

    path = Path(args.path or CONFIG_NAME)
    if path.is_dir():
        print(f"newsdesk: {safe(path)} is a folder; give the file to write, e.g. "
              f"{safe(path / CONFIG_NAME)}", file=sys.stderr)
        return 1
    if path.exists() and not args.force:
        print(f"{safe(path)} exists; not overwriting it (use --force)", file=sys.stderr)
        return 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXAMPLE, encoding="utf-8")
    except OSError as e:
        print(f"newsdesk: cannot write {safe(path)}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"wrote {safe(path)}")
    seeds = path.parent / "seeds"
    if not seeds.exists():
        samples = importlib.resources.files("pipeline") / "seeds"
        with importlib.resources.as_file(samples) as folder:
            shutil.copytree(folder, seeds, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        count = sum(1 for _ in seeds.iterdir())
        print(f"wrote {count} sample articles into {safe(seeds)} (the source it names)")
    return 0


# --- ingest ----------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest.collect import fetch_settings, ingest
    from pipeline.ingest.plan import own_files, spec_for
    from pipeline.store import open_store

    settings = settings_of(args)
    specs = [spec_for(s) for s in args.sources] if args.sources else list(settings.sources)
    with open_store(settings.state_dir) as store:
        result = ingest(specs, store=store, progress=_progress(args), exclude=own_files(settings),
                        **fetch_settings(settings))
    for err in result.errors:
        if not err.warning or args.verbose:
            print(safe(err), file=sys.stderr)
    out = sys.stdout
    if args.jsonl:
        for a in result.articles:
            out.write(json.dumps(a.to_json(), ensure_ascii=False) + "\n")
    else:
        for a in result.articles:
            when = a.published.strftime("%Y-%m-%d %H:%M") if a.published else "?"
            out.write(f"{a.id}  {when}  {safe(a.source or '-')[:24]:24}  {safe(a.title)[:90]}\n")
        warnings = sum(e.warning for e in result.errors)
        print(f"{len(result.articles)} articles, {len(result.errors) - warnings} errors, "
              f"{warnings} warnings", file=sys.stderr)
    return 0 if result.articles or not result.errors else 1


# --- sources ---------------------------------------------------------------------------------
def cmd_sources_list(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    rows = [(s.name, s.location, f"{s.weight:g}", ",".join(s.tags)) for s in settings.sources]
    print_table(("NAME", "LOCATION", "WEIGHT", "TAGS"), rows)
    return 0


def cmd_sources_import(args: argparse.Namespace) -> int:
    from pipeline.config import CONFIG_NAME, EXAMPLE, load_settings
    from pipeline.ingest.sources.opml import read_opml

    found = read_opml(Path(args.opml))
    config = Path(args.config or os.environ.get("NEWSDESK_CONFIG") or CONFIG_NAME)
    if not config.exists():
        config.write_text(EXAMPLE, encoding="utf-8")
    known = {s.url for s in load_settings(config).sources if s.url}
    new = [s for s in found if s.url not in known]
    if new:
        blocks = "".join(f"\n[[sources]]\nname = {_toml_str(s.name)}\nurl = {_toml_str(s.url or '')}\n"
                         + (f"tags = [{', '.join(_toml_str(t) for t in s.tags)}]\n" if s.tags else "")
                         for s in new)
        text = config.read_text(encoding="utf-8")
        tmp = config.with_name(config.name + ".tmp")
        tmp.write_text(text.rstrip("\n") + "\n" + blocks, encoding="utf-8")
        load_settings(tmp)  # never leave a config we cannot read
        os.replace(tmp, config)
    print(f"{len(new)} feeds added to {config} ({len(found) - len(new)} already there)")
    return 0


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def cmd_sources_status(args: argparse.Namespace) -> int:
    from pipeline.store import open_store_to_read

    settings = settings_of(args)
    with open_store_to_read(settings.state_dir) as store:
        states = {f.url: f for f in store.feeds() if not f.url.startswith("file:")}
    records = []
    for spec in settings.sources:
        st = states.get(spec.url) if spec.url else None
        if not spec.url:
            health = "local"
        elif st is None:
            health = "never fetched"
        else:
            health = "FAILING" if st.consecutive_failures >= settings.failure_warning else (
                "failing" if st.consecutive_failures else "ok")
        records.append({
            "name": spec.name, "location": spec.location, "health": health,
            "status": st.last_status if st else None, "last_success": st.last_success if st else None,
            "failures": st.consecutive_failures if st else 0, "items": st.items_seen if st else 0,
            "last_error": st.last_error if st else None})
    if args.json:
        print(json.dumps(records, ensure_ascii=False))
        return 0
    rows = [(r["name"], r["health"], str(r["status"] or "-"), (r["last_success"] or "-")[:16],
             "-" if r["health"] == "local" else str(r["failures"]),
             "-" if r["health"] == "local" else str(r["items"]), (r["last_error"] or "")[:60])
            for r in records]
    print_table(("NAME", "HEALTH", "STATUS", "LAST SUCCESS", "FAILS", "ITEMS", "LAST ERROR"), rows)
    return 0


def cmd_state_rebuild(args: argparse.Namespace) -> int:
    from pipeline.store import rebuild

    settings = settings_of(args)
    backup = rebuild(settings.state_dir)
    print(f"moved the state store aside to {backup}; the next run starts afresh" if backup
          else "no state store to rebuild")
    return 0


# --- parser ----------------------------------------------------------------------------------
def _add(sub: Any, name: str, handler: Handler, help: str, example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help,
                       epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=handler)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk", description="Feeds and article files in; one reviewed email digest and "
        "short social posts out.", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  newsdesk digest            # one run on newsdesk.toml (or seeds/) into outbox/")
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    _add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _add(sub, "init", cmd_init, "write a commented example newsdesk.toml", "newsdesk init")
    p.add_argument("path", nargs="?", help="where to write it (default: newsdesk.toml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")

    p = _add(sub, "ingest", cmd_ingest, "read sources and print the normalized articles",
             "newsdesk ingest seeds/ https://example.org/feed.xml --jsonl")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="file, folder or URL (default: the configured sources)")
    p.add_argument("--jsonl", action="store_true", help="one JSON article a line")

    src = _add(sub, "sources", lambda a: (src.print_help(), 0)[1], "list, import and check sources",
               "newsdesk sources status")
    ssub = src.add_subparsers(dest="sources_command", metavar="ACTION")
    _add(ssub, "list", cmd_sources_list, "show the configured sources", "newsdesk sources list")
    p = _add(ssub, "import", cmd_sources_import, "add the feeds of an OPML file to newsdesk.toml",
             "newsdesk sources import subscriptions.opml")
    p.add_argument("opml", metavar="FILE.opml")
    p = _add(ssub, "status", cmd_sources_status, "feed health: last success, failures, items seen",
             "newsdesk sources status")
    p.add_argument("--json", action="store_true", help="one JSON array of the sources' health")

    st = _add(sub, "state", lambda a: (st.print_help(), 0)[1], "manage the state store",
              "newsdesk state rebuild")
    stsub = st.add_subparsers(dest="state_command", metavar="ACTION")
    _add(stsub, "rebuild", cmd_state_rebuild, "move a damaged state store aside and start afresh",
         "newsdesk state rebuild")

    for register in _registrars():
        register(sub)
    for command in _subparsers(parser):
        _add_global_options(command, top=False)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--config, --state-dir, -q and -v, before or after any subcommand. Below the top level the
    default is SUPPRESS, so an option given before the subcommand is not reset by its parser."""
    taken = {o for a in parser._actions for o in a.option_strings}
    options = (
        (("--config", "-c"), dict(metavar="FILE", help="configuration file (default: ./newsdesk.toml)")),
        (("--state-dir",), dict(metavar="DIR", help="state folder (default: .newsdesk/)")),
        (("--quiet", "-q"), dict(action="store_true", help="only errors")),
        (("--verbose", "-v"), dict(action="store_true", help="more detail, warnings included")),
    )
    group = parser.add_argument_group("global options") if not top else parser
    for flags, kwargs in options:
        if taken.intersection(flags):
            continue
        if not top:
            kwargs = {**kwargs, "default": argparse.SUPPRESS}
        group.add_argument(*flags, **kwargs)


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from _subparsers(sub)


def _registrars() -> list[Callable[[Any], None]]:
    """Command groups that live beside the module they drive."""
    out = []
    for module in ("pipeline.commands.stages", "pipeline.commands.stories", "pipeline.commands.outbox",
                   "pipeline.commands.schedule", "pipeline.commands.deliver", "pipeline.commands.publish"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        out.append(mod.register)
    return out


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now, so a live progress line (which redirects stderr)
    prints log lines above itself instead of through it."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _Formatter(logging.Formatter):
    """What a person reads on stderr: "warning: ..." (the module's name only with -v), every
    message through the terminal-safe rule, since most of them quote a feed or a server."""

    def __init__(self, *, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        message = safe(record.getMessage())
        if record.exc_info and self.verbose:
            message += "\n" + safe(self.formatException(record.exc_info))
        where = f" ({record.name})" if self.verbose else ""
        return f"{record.levelname.lower()}{where}: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.ERROR if args.quiet else (logging.INFO if args.verbose else logging.WARNING)
    handler = _StderrHandler()
    handler.setFormatter(_Formatter(verbose=args.verbose))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except LockedError as e:
        print(f"newsdesk: {safe(e)}", file=sys.stderr)
        return EX_TEMPFAIL
    except NewsdeskError as e:
        print(f"newsdesk: {safe(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except OSError as e:
        # A disk or permission problem the command did not expect: one clear line, no traceback.
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"newsdesk: {safe(where)}{safe(e.strerror or e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
