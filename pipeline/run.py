"""One run of the pipeline: the ordered stages, returning a RunReport.

ingest -> stories (cluster, merge, keep ids) -> select -> render -> outbox
The scheduled job and `newsdesk digest` both call `run_digest`.
"""
from __future__ import annotations

import hashlib
import json
import logging
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo


from pipeline.config import DEFAULT_LANGUAGE, Settings
from pipeline.select import digest_language, select_stories
from pipeline.model import Article, Draft, RunReport, Story
from pipeline.progress import Progress
from pipeline.render.options import digest_slug, edition_name

log = logging.getLogger(__name__)

EMAIL = "email"


def _sync_reviews(store, outbox: Path, since) -> None:
    """Copy what reviewers approved or sent in the outbox's digests of `since` or later (older
    ones tell of stories past the story window) into the store's delivery memory."""
    from pipeline import outbox as ob
    from pipeline.history import mark_delivery

    if not outbox.is_dir():
        return
    for info in ob.list_digests(outbox, since=since):
        for d in info.drafts:
            if d.status not in ("approved", "sending", "sent"):   # sending: it may have gone out
                continue
            at = d.history[-1].at if d.history else ""
            story_ids = [d.story] if d.story else [s.id for s in info.stories]
            for sid in story_ids:
                entry = info.story(sid)
                outlets = [src.outlet for src in entry.sources if src.outlet] if entry else []
                mark_delivery(store, story_id=sid, channel=d.channel, digest=info.folder.name,
                              status="approved" if d.status == "sending" else d.status, at=at,
                              outlets=outlets)


def digest_options(settings: Settings, day):
    from pipeline.render.digest import DigestOptions

    return DigestOptions(date=day, title=settings.title, template_dir=settings.template_dir,
                         from_addr=settings.from_addr, to_addrs=settings.to_addrs,
                         unsubscribe_url=settings.unsubscribe_url, reply_to=settings.reply_to,
                         language=settings.language or DEFAULT_LANGUAGE,
                         timezone=settings.timezone, site_url=settings.archive_site_url,
                         edition=edition_name(day, settings.title),
                         postal_address=settings.postal_address,
                         permission_reminder=settings.permission_reminder)


def render_all(stories: list[Story], settings: Settings, day) -> list[Draft]:
    """The digest and every story's posts. A story that cannot be posted (nothing postable
    within a network's rules) loses its posts with a warning; the rest of the run goes on."""
    from pipeline.render.digest import render_digest, render_posts
    from pipeline.render.posts import PostError

    options = digest_options(settings, day)
    drafts = list(render_digest(stories, options))
    for story in stories:
        try:
            drafts += render_posts(story, options, settings.networks, limits=dict(settings.limits),
                                   thread=settings.thread)
        except PostError as e:
            log.warning("story %s: no posts: %s", story.id, e)
    return drafts


@dataclass(frozen=True)
class Known:
    """What the store knows before this run, with what it read: the window's articles (their
    dates and weights: the full records are loaded only when the stories must be grouped
    again), their stories, overrides."""

    dates: dict[str, tuple[datetime | None, float]]   # article id -> (published, weight)
    read: dict[str, Article]          # this run's articles within the window
    previous: dict[str, str]          # article id -> story id
    stored: dict[str, Story]
    overrides: list
    window_start: datetime


def run_digest(settings: Settings, *, now: datetime | None = None, dry_run: bool = False,
               progress: bool | None = None, wait: bool = False,
               honour_backoff: bool = False, read: bool = True) -> RunReport:
    """One run: ingest, group into stories, select, render, write the outbox, record it.
    `read=False`: no source is read (regroup, after a reviewer's correction)."""
    from pipeline import history

    now = now or datetime.now(timezone.utc)
    started = datetime.now(timezone.utc)
    window_start = now - timedelta(days=settings.story_window_days)
    with ExitStack() as stack:
        store = _open_store(stack, settings, dry_run=dry_run, wait=wait)
        # 1. ingest (the store read before, written after; a dry run stores nothing)
        result = ingest_sources(stack, store, settings, now=now, dry_run=dry_run, progress=progress,
                                honour_backoff=honour_backoff) if read else _nothing_read()
        known = load_known(store, settings, result.articles, now)
        settings = replace(settings, language=digest_language(settings, result.articles,
                                                                known.stored.values()))
        new_articles = [a for a in result.articles if a.id not in known.previous]
        # 2. stories over the window
        with Progress("grouping stories", enabled=progress) as bar:
            bar.note(f"{len(known.dates)} articles in the window, {len(new_articles)} new")
            stories, changed = group_stories(known, new_articles, store, settings, now, dry_run=dry_run)
        if store is not None and not dry_run and changed:
            history.save_stories(store, stories, closed_before=window_start)
            history.drop_stories(store, set(known.stored) - {s.id for s in stories})
        # 3. select
        zone = ZoneInfo(settings.timezone)
        day = now.astimezone(zone).date()
        slug = digest_slug(settings.title)
        if store is not None and not dry_run:
            _sync_reviews(store, settings.outbox, since=window_start.astimezone(zone).date())
        sent = history.deliveries(store) if store is not None else {}
        selection = select_stories(stories, known.dates, sent, settings, now,
                                   digest=f"{day.isoformat()}-{slug}")
        chosen = selection.chosen
        # 4. render and write the outbox
        with Progress("writing drafts", enabled=progress if chosen else False):
            report = RunReport(started=started, articles=len(result.articles), new_articles=len(new_articles),
                               stories=len(stories), selected=len(chosen),
                               updates=sum(s.is_update for s in chosen), errors=result.errors,
                               dry_run=dry_run, left_out=selection.left_out,
                               failing_feeds=_failing(store, settings) if store is not None else ())
            if chosen:
                report = render_and_write(report, settings, day, slug, chosen, store=store,
                                          dry_run=dry_run, now=now)
        report = replace(report, finished=datetime.now(timezone.utc))
        if report.digest and not dry_run:
            _write_report(Path(report.digest), report)
        return report


def regroup(settings: Settings, *, now: datetime | None = None) -> RunReport:
    """After a reviewer's split, merge or move-out: the stories grouped again with it and the
    digest's drafts still in `draft` rendered again, at once, as the next run would (reading no
    source); approved, rejected, sent and edited drafts are kept as they are."""
    return run_digest(settings, now=now, progress=False, read=False)


def _nothing_read():
    from pipeline.ingest.collect import IngestResult

    return IngestResult((), ())


def _open_store(stack: ExitStack, settings: Settings, *, dry_run: bool, wait: bool):
    """The state store, under the run lock (a dry run: read-only and unlocked; None if absent)."""
    from pipeline import store as st
    from pipeline.lock import run_lock

    if dry_run:
        store = st.open_store_readonly(settings.state_dir)
    else:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        stack.enter_context(run_lock(settings.state_dir, wait=wait, command="newsdesk digest"))
        store = st.open_store(settings.state_dir)
    if store is not None:
        stack.callback(store.close)
    return store


def ingest_sources(stack: ExitStack, store, settings: Settings, *, now: datetime, dry_run: bool,
                   progress: bool | None, honour_backoff: bool):
    """Plan the sources, recall what the store knows of them, read them, remember what was
    learnt (a dry run reads everything afresh and remembers nothing)."""
    from pipeline.ingest.collect import PARALLEL_MIN_FILES, fetch_settings, read_sources
    from pipeline.ingest.memory import recall, remember
    from pipeline.ingest.plan import own_files, plan_sources
    from pipeline.workers import run_pool

    plan = plan_sources(settings.sources, own_files(settings))
    memory = recall(None if dry_run else store, plan)
    # Enough sources never read before to need the worker pool: start it now, so that its
    # workers import while we fetch (else it starts when first needed, if at all). It serves
    # the rest of the run (`stack`): grouping uses it too.
    unread = sum(memory.state(k) is None for k in plan.keys)
    stack.enter_context(run_pool(start=unread >= PARALLEL_MIN_FILES))
    result = read_sources(plan, memory, now=now, progress=progress, honour_backoff=honour_backoff,
                          **fetch_settings(settings))
    return result if dry_run else remember(store, result, now=now)


def load_known(store, settings: Settings, read: list[Article], now: datetime) -> Known:
    """The window's article ids (stored, plus what this run read) with their dates, and their
    stories; no stored article is decoded here."""
    from pipeline import history
    from pipeline.stories.track import Override

    window_start = now - timedelta(days=settings.story_window_days)
    dates = store.article_dates(since=window_start) if store is not None else {}
    fresh = {a.id: a for a in read if a.published is None or a.published >= window_start}
    dates.update((a.id, (a.published, a.weight)) for a in fresh.values())
    if store is None:
        return Known(dates, fresh, {}, {}, [], window_start)
    previous = history.story_of_articles(store, list(dates) + [a.id for a in read])
    stored = {s.id: s for s in history.load_stories(store, ids=set(previous.values()))}
    return Known(dates, fresh, previous, stored, [Override(*o) for o in history.overrides(store)],
                 window_start)


def group_stories(known: Known, new_articles: list[Article], store, settings: Settings,
                  now: datetime, *, dry_run: bool = False) -> tuple[list[Story], bool]:
    """The window's stories, and whether they changed. Nothing new: the stored stories stand."""
    from pipeline.stories.track import build_stories

    if not new_articles and known.stored and set(known.previous) >= set(known.dates) \
            and not known.overrides:
        return list(known.stored.values()), False
    window = dict(known.read)
    stored_ids = [i for i in known.dates if i not in window]
    if store is not None and stored_ids:
        window.update((a.id, a) for a in store.articles(stored_ids))
    index = _load_index(store, settings.story_window_days)
    stories = build_stories(sorted(window.values(), key=lambda a: a.id),
                            previous={a: s for a, s in known.previous.items() if a in window},
                            stored=known.stored, overrides=known.overrides, now=now, index=index,
                            window_start=known.window_start, language=settings.language)
    if store is not None and not dry_run:
        store.put_blob(INDEX_BLOB, index.to_bytes())
    return stories, True


def render_and_write(report: RunReport, settings: Settings, day, slug: str, chosen: list[Story], *,
                     store, dry_run: bool, now: datetime) -> RunReport:
    """Render the chosen stories and write the drafts into outbox/<day>-<slug>/, unless this
    digest was rendered from the same stories, settings, templates and render code last time
    and its folder is as that run left it: then nothing is rendered or written."""
    from pipeline.outbox.drafts import digest_folder, settled

    folder = digest_folder(settings.outbox, day, slug)
    if not settings.images:       # `images = false`: no picture in the e-mail, web edition or cards
        chosen = [replace(s, image=None) for s in chosen]
    key = _render_key(chosen, settings, day, slug)
    last = _last_render(store)
    if not dry_run and last.get("key") == key and last.get("folder") == folder.name \
            and last.get("manifest") is not None and last.get("manifest") == settled(folder):
        return replace(report, digest=str(folder), drafts_kept=int(last.get("kept", 0)), actions=(
            f"unchanged {folder.name} (the same stories, settings and templates as the last run)",))
    report = write_outbox(report, settings, day, slug, chosen, render_all(chosen, settings, day),
                          store=store, dry_run=dry_run, now=now)
    if store is not None and not dry_run:
        store.put_blob(RENDER_BLOB, json.dumps({
            "key": key, "folder": folder.name, "manifest": settled(folder),
            "kept": report.drafts_kept}).encode("utf-8"))
    return report


RENDER_BLOB = "last_render"


def _render_key(chosen: list[Story], settings: Settings, day, slug: str) -> str:
    """What the drafts are a pure function of: the stories, the settings, the day, the templates
    and the render code (pipeline.render.templates.fingerprint)."""
    from pipeline.render.templates import fingerprint
    from pipeline.history import story_to_json

    # story_to_json is the stored record; whats_new is all an update adds to it.
    stories = [[story_to_json(s), list(s.whats_new)] for s in chosen]
    blob = json.dumps({"stories": stories, "settings": settings.to_json(),
                       "day": day.isoformat(), "slug": slug,
                       "templates": fingerprint(settings.template_dir)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _last_render(store) -> dict:
    raw = store.get_blob(RENDER_BLOB) if store is not None else None
    try:
        last = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return last if isinstance(last, dict) else {}


def write_outbox(report: RunReport, settings: Settings, day, slug: str, chosen: list[Story],
                 drafts: list[Draft], *, store, dry_run: bool, now: datetime) -> RunReport:
    """The drafts into outbox/<day>-<slug>/, and what was drafted into the store."""
    from pipeline.history import record_drafted
    from pipeline.outbox import write_digest

    written = write_digest(settings.outbox, day, slug, chosen, drafts, settings.to_json(),
                           dry_run=dry_run, now=now)
    if store is not None and not dry_run:
        record_drafted(store, digest=written.folder.name, stories=chosen,
                       channels=(EMAIL, *settings.networks), at=now)
        _restore_sent(store, settings, written.folder, now)
    return replace(report, digest=str(written.folder), drafts_written=len(written.written),
                   drafts_kept=len(written.kept),
                   actions=tuple(f"{a.kind} {a.path} ({a.reason})" for a in written.actions))


def _restore_sent(store, settings: Settings, folder: Path, now: datetime) -> None:
    """Drafts of this digest that went out before (the state store's record) are marked sent:
    they were drafted again because the digest's manifest was lost."""
    from pipeline.outbox.restore import restore_sent
    from pipeline.sent import sent_in

    records = sent_in(store, folder.name)
    if records:
        restore_sent(settings.outbox, folder, records, now=now)


INDEX_BLOB = "story_index"


def _load_index(store, window_days: float):
    """The persistent StoryIndex, or a new one (first run, or a blob this version cannot read);
    either way its stories span at most `window_days` (the configured story_window_days)."""
    from pipeline.stories.group import StoryIndex

    blob = store.get_blob(INDEX_BLOB) if store is not None else None
    if blob:
        try:
            index = StoryIndex.from_bytes(blob)
            index.set_window(window_days)
            return index
        except Exception as e:  # noqa: BLE001 - a stale index is rebuilt, never fatal
            log.warning("story index unreadable (%s); grouping the window afresh", e)
    return StoryIndex(window_days)


def _failing(store, settings: Settings) -> tuple[str, ...]:
    """Feeds past the consecutive-failure warning; each is logged as a warning too."""
    from pipeline.terminal import safe    # names and errors come from feeds and servers
    names = {s.url: s.name for s in settings.sources if s.url}
    failing = []
    for f in store.feeds():
        if f.url in names and f.consecutive_failures >= settings.failure_warning:
            log.warning("feed %s (%s) has failed %d times in a row; last error: %s",
                        safe(names[f.url]), safe(f.url), f.consecutive_failures, safe(f.last_error))
            failing.append(names[f.url])
    return tuple(failing)


def _write_report(folder: Path, report: RunReport) -> None:
    from pipeline.lock import atomic_write

    atomic_write(folder / "report.json", (json.dumps(report.to_json(), indent=2, ensure_ascii=False)
                                          + "\n").encode("utf-8"))
    atomic_write(folder / "report.txt", (report.summary() + "\n").encode("utf-8"))
