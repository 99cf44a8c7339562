"""One TOML file -> one frozen Settings. Precedence: defaults < file < environment < flags.

Read once, at the edge (the CLI), and passed down; nothing else reads the environment.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, is_dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from pipeline.delivery_config import (  # noqa: F401  (re-exported: the Settings' field types)
    SECURITY, BlueskyDelivery, EmailDelivery, MastodonDelivery, parse_delivery,
)
from pipeline.config_example import EXAMPLE  # noqa: F401  (re-exported: what `init` writes)
from pipeline.errors import ConfigError
from pipeline.tomlcheck import _check, _is, _where

CONFIG_NAME = "newsdesk.toml"
NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin")
CHANNELS = ("email", *NETWORKS)      # what a draft is for: the digest, or a network's post


@dataclass(frozen=True)
class SourceSpec:
    """One configured source: a feed URL, or a path (feed file, or folder of feeds/articles)."""

    name: str
    url: str | None = None
    path: Path | None = None
    weight: float = 1.0
    tags: tuple[str, ...] = ()
    include: tuple[str, ...] = ()   # regular expressions an item must match (title or text)
    exclude: tuple[str, ...] = ()   # regular expressions that drop an item

    @property
    def location(self) -> str:
        return self.url if self.url else str(self.path)


# The digest's language when neither the config nor the articles say one (a run takes that of
# most articles; sending, which reads no article, tags posts with this).
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Settings:
    sources: tuple[SourceSpec, ...]
    outbox: Path
    state_dir: Path
    config_path: Path | None = None
    # digest
    title: str = "Newsdesk digest"
    top_n: int = 10
    max_age_hours: float = 48.0
    story_window_days: float = 7.0
    sections: tuple[str, ...] = ()          # tags that become digest sections, in order
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    template_dir: Path | None = None
    timezone: str = "UTC"
    language: str | None = None     # the digest's language; None: that of most articles
    from_addr: str = "Newsdesk <newsdesk@localhost>"
    to_addrs: tuple[str, ...] = ("readers@localhost",)
    unsubscribe_url: str | None = None
    reply_to: str | None = None
    # The sender's postal address in the e-mail's footer (CAN-SPAM asks it of commercial mail).
    # None: not set, and `deliver` will not send the digest to more than one recipient; "": left
    # out on purpose (a private list, say).
    postal_address: str | None = None
    permission_reminder: str | None = None  # the footer's "why you get this"; None: one from the title
    images: bool = True                    # a lead image per story in the digest and link cards
    networks: tuple[str, ...] = NETWORKS
    limits: tuple[tuple[str, int], ...] = ()  # per-network overrides, e.g. a Mastodon instance's 1000
    thread: bool = False
    # fetching
    fetch_timeout: float = 20.0
    fetch_workers: int = 8
    fetch_per_host: int = 2
    max_bytes: int = 20 * 1024 * 1024
    failure_warning: int = 3               # warn after this many consecutive failures of a feed
    # schedule
    schedule_at: str | None = "07:00"
    schedule_every_hours: float | None = None
    schedule_grace_hours: float = 6.0
    schedule_deliver: bool = False         # `newsdesk schedule` delivers after each run
    # delivery: None when the channel is not configured
    delivery_email: EmailDelivery | None = None
    delivery_mastodon: MastodonDelivery | None = None
    delivery_bluesky: BlueskyDelivery | None = None
    # archive: the web editions, their index and feed (pipeline.archive); None: archive/ beside
    # the outbox (a Settings made without load_settings)
    archive_path: Path | None = None
    archive_site_url: str | None = None    # where that folder is served: links, feed, "view in browser"

    @property
    def archive(self) -> Path:
        return self.archive_path if self.archive_path is not None else self.outbox.parent / "archive"

    def to_json(self) -> dict[str, Any]:
        """The settings as the manifest records them (no secrets are kept in Settings)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if k == "sources":
                out[k] = [{"name": s.name, "location": s.location, "weight": s.weight,
                           "tags": list(s.tags)} for s in v]
            elif isinstance(v, Path):
                out[k] = str(v)
            elif is_dataclass(v):
                out[k] = {n: str(x) if isinstance(x, Path) else x for n, x in asdict(v).items()}
            elif isinstance(v, tuple):
                out[k] = [list(x) if isinstance(x, tuple) else x for x in v]
            else:
                out[k] = v
        return out


DEFAULT_SEEDS = "seeds"

_TOP_KEYS = {
    "title": str, "top_n": int, "max_age_hours": (int, float), "story_window_days": (int, float),
    "sections": list, "include": list, "exclude": list, "template_dir": str, "timezone": str,
    "language": str, "from": str, "to": (str, list), "unsubscribe_url": str, "reply_to": str, "networks": list,
    "postal_address": str, "permission_reminder": str, "images": bool,
    "limits": dict, "thread": bool, "outbox": str, "state_dir": str, "fetch_timeout": (int, float),
    "fetch_workers": int, "fetch_per_host": int, "max_bytes": int, "failure_warning": int,
}
_SCHEDULE_KEYS = {"at": str, "every_hours": (int, float), "grace_hours": (int, float), "timezone": str,
                  "deliver": bool}
_ARCHIVE_KEYS = {"path": str, "site_url": str}
_SOURCE_KEYS = {"name": str, "url": str, "path": str, "weight": (int, float), "tags": list,
                "include": list, "exclude": list}


def _regexes(values: list, key: str, where: str) -> tuple[str, ...]:
    out = []
    for v in values:
        _check(v, str, key, where)
        try:
            re.compile(v)
        except re.error as e:
            raise ConfigError(f"{where}: key '{key}': bad regular expression {v!r}: {e}") from None
        out.append(v)
    return tuple(out)


def parse_sources(items: Any, base: Path, text: str = "", path: Path | None = None) -> tuple[SourceSpec, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{_where(path, text, 'sources')}: 'sources' must be an array of tables ([[sources]])")
    specs = []
    for n, item in enumerate(items):
        # Where a key is written is only looked up for an error: a thousand sources load fast.
        def where(key: str = "", n: int = n) -> str:
            return _where(path, text, key, ("sources", n))

        if not isinstance(item, dict):
            raise ConfigError(f"{where()}: each [[sources]] entry must be a table")
        for key, value in item.items():
            if key not in _SOURCE_KEYS:
                raise ConfigError(f"{where(key)}: unknown key '{key}' in [[sources]] #{n + 1} "
                                  f"(known: {', '.join(sorted(_SOURCE_KEYS))})")
            if not _is(value, _SOURCE_KEYS[key]):
                _check(value, _SOURCE_KEYS[key], key, where(key))
        url, p = item.get("url"), item.get("path")
        if bool(url) == bool(p):
            raise ConfigError(f"{where()}: [[sources]] #{n + 1} needs exactly one of 'url' or 'path'")
        if url and not re.match(r"https?://", url, re.I):
            raise ConfigError(f"{where('url')}: key 'url' must be an http(s) URL, not {url!r}")
        name = item.get("name") or url or p
        tags = tuple(str(t) for t in item.get("tags", ()))
        specs.append(SourceSpec(
            name=str(name), url=url, path=(base / p) if p else None,
            weight=float(item.get("weight", 1.0)), tags=tags,
            include=_regexes(item.get("include", []), "include", where("include")) if item.get("include") else (),
            exclude=_regexes(item.get("exclude", []), "exclude", where("exclude")) if item.get("exclude") else (),
        ))
    return tuple(specs)


def find_config(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("NEWSDESK_CONFIG"):
        return Path(env["NEWSDESK_CONFIG"])
    here = Path(CONFIG_NAME)
    return here if here.is_file() else None


def load_settings(config: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None, cwd: Path | None = None) -> Settings:
    """Defaults < file < environment (NEWSDESK_OUTBOX, NEWSDESK_STATE_DIR, NEWSDESK_TOP_N,
    NEWSDESK_MAX_AGE_HOURS) < flags (`overrides`, keys of Settings)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    path = find_config(config, env)
    data: dict[str, Any] = {}
    text = ""
    if path is not None:
        if not path.is_absolute():
            path = cwd / path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read configuration: {e}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: invalid TOML: {e}") from None
    base = path.parent if path else cwd

    for key, value in data.items():
        if key in ("sources", "schedule", "newsdesk", "delivery", "archive"):
            continue
        if key not in _TOP_KEYS:
            raise ConfigError(f"{_where(path, text, key)}: unknown key '{key}' "
                              f"(known: sources, schedule, delivery, archive, {', '.join(sorted(_TOP_KEYS))})")
        _check(value, _TOP_KEYS[key], key, _where(path, text, key))

    sources = (parse_sources(data["sources"], base, text, path) if "sources" in data
               else (SourceSpec(name="seeds", path=base / DEFAULT_SEEDS),))
    sched = data.get("schedule", {})
    if not isinstance(sched, dict):
        raise ConfigError(f"{_where(path, text, 'schedule')}: 'schedule' must be a table")
    for key, value in sched.items():
        if key not in _SCHEDULE_KEYS:
            raise ConfigError(f"{_where(path, text, key)}: unknown key '{key}' in [schedule]")
        _check(value, _SCHEDULE_KEYS[key], key, _where(path, text, key))
    if "at" in sched and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", sched["at"]):
        raise ConfigError(f"{_where(path, text, 'at')}: key 'at' must be HH:MM, not {sched['at']!r}")

    limits = data.get("limits", {})
    for net, lim in limits.items():
        if net not in NETWORKS or not isinstance(lim, int) or isinstance(lim, bool) or lim <= 0:
            raise ConfigError(f"{_where(path, text, net)}: limits.{net} must be a positive integer "
                              f"for one of {', '.join(NETWORKS)}")
    networks = tuple(data.get("networks", NETWORKS))
    for net in networks:
        if net not in NETWORKS:
            raise ConfigError(f"{_where(path, text, 'networks')}: unknown network {net!r} "
                              f"(known: {', '.join(NETWORKS)})")
    delivery = parse_delivery(data.get("delivery", {}), base, text, path)
    archive = _archive(data.get("archive", {}), text, path)
    # One zone for the digest's dates and the schedule: the top-level `timezone` when given (it
    # was overridden by the `[schedule] timezone` line that `init` used to write), else [schedule]'s.
    tz = data.get("timezone", sched.get("timezone", "UTC"))
    _check_timezone(tz, _where(path, text, "timezone"))
    to = data.get("to", ["readers@localhost"])
    settings = Settings(
        sources=sources,
        outbox=base / data.get("outbox", "outbox"),
        state_dir=base / data.get("state_dir", ".newsdesk"),
        config_path=path,
        title=data.get("title", Settings.title),
        top_n=data.get("top_n", Settings.top_n),
        max_age_hours=float(data.get("max_age_hours", Settings.max_age_hours)),
        story_window_days=float(data.get("story_window_days", Settings.story_window_days)),
        sections=tuple(data.get("sections", ())),
        include=_regexes(data.get("include", []), "include", _where(path, text, "include")),
        exclude=_regexes(data.get("exclude", []), "exclude", _where(path, text, "exclude")),
        template_dir=(base / data["template_dir"]) if "template_dir" in data else None,
        timezone=tz,
        language=data.get("language"),
        from_addr=data.get("from", Settings.from_addr),
        to_addrs=tuple([to] if isinstance(to, str) else to),
        unsubscribe_url=data.get("unsubscribe_url"),
        reply_to=data.get("reply_to"),
        postal_address=data.get("postal_address"),
        permission_reminder=data.get("permission_reminder"),
        images=data.get("images", True),
        networks=networks,
        limits=tuple(sorted(limits.items())),
        thread=data.get("thread", False),
        fetch_timeout=float(data.get("fetch_timeout", Settings.fetch_timeout)),
        fetch_workers=data.get("fetch_workers", Settings.fetch_workers),
        fetch_per_host=data.get("fetch_per_host", Settings.fetch_per_host),
        max_bytes=data.get("max_bytes", Settings.max_bytes),
        failure_warning=data.get("failure_warning", Settings.failure_warning),
        schedule_at=sched.get("at", None if "every_hours" in sched else "07:00"),
        schedule_every_hours=sched.get("every_hours"),
        schedule_grace_hours=float(sched.get("grace_hours", 6.0)),
        schedule_deliver=sched.get("deliver", False),
        delivery_email=delivery.get("email"),
        delivery_mastodon=delivery.get("mastodon"),
        delivery_bluesky=delivery.get("bluesky"),
        archive_path=base / archive.get("path", "archive"),
        archive_site_url=archive.get("site_url"),
    )
    if settings.top_n <= 0:
        raise ConfigError(f"{_where(path, text, 'top_n')}: key 'top_n' must be positive")

    env_map: dict[str, Any] = {}
    for var, key, conv in (("NEWSDESK_OUTBOX", "outbox", Path), ("NEWSDESK_STATE_DIR", "state_dir", Path),
                           ("NEWSDESK_TOP_N", "top_n", int), ("NEWSDESK_MAX_AGE_HOURS", "max_age_hours", float)):
        if env.get(var):
            try:
                env_map[key] = conv(env[var])
            except ValueError:
                raise ConfigError(f"environment variable {var}: cannot read {env[var]!r}") from None
    settings = replace(settings, **env_map)
    if overrides:
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    for key in ("outbox", "state_dir"):
        folder = getattr(settings, key)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{key} {folder} is a file, not a folder (set another with "
                              f"--{key.replace('_', '-')}, NEWSDESK_{key.upper()} or `{key}` in the configuration)")
    return settings


def _archive(table: Any, text: str, path: Path | None) -> dict[str, str]:
    """[archive]: `path` (default "archive") and `site_url`, an http(s) URL kept with a final "/"
    so that an edition's address is site_url + its folder name."""
    if not isinstance(table, dict):
        raise ConfigError(f"{_where(path, text, 'archive')}: 'archive' must be a table")
    for key, value in table.items():
        if key not in _ARCHIVE_KEYS:
            raise ConfigError(f"{_where(path, text, key)}: unknown key '{key}' in [archive] "
                              f"(known: {', '.join(sorted(_ARCHIVE_KEYS))})")
        _check(value, _ARCHIVE_KEYS[key], key, _where(path, text, key))
    out = dict(table)
    if "site_url" in out:
        if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", out["site_url"], re.I):
            raise ConfigError(f"{_where(path, text, 'site_url')}: key 'site_url' must be an http(s) URL "
                              f"without query or fragment, not {out['site_url']!r}")
        out["site_url"] = out["site_url"].rstrip("/") + "/"
    return out


def _check_timezone(name: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None
