"""What a feed or a source folder holds never makes Newsdesk read, hang on or fill memory with
something else (issue 17, items 1, 2 and 4): a body that is a path, FIFOs, devices, links, loops,
sockets and names that are not UTF-8 in a source folder; its own outbox, state and configuration."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from loopback import Response

from pipeline.config import SourceSpec, load_settings
from pipeline.ingest.collect import ingest
from pipeline.ingest.extract import extract_html, html_to_text
from pipeline.ingest.sources import parse_document, read_file
from pipeline.ingest.sources.feed import parse_feed, parse_json_feed
from pipeline.ingest.sources.files import read_html_article, read_text_article

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
SECRET = "Secret item from a file on disk"
FAST = {"retries": 0, "backoff": 0.01}
NEWSDESK = Path(sys.executable).with_name("newsdesk")


def rss(title: str, n: int = 1) -> bytes:
    items = "".join(f"<item><title>{title} {i}</title><link>https://example.org/{abs(hash(title))}/{i}</link>"
                    f"<description>Body of {title} {i}, long enough to be a text.</description></item>"
                    for i in range(n))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>'
            f"<link>https://example.org/</link>{items}</channel></rss>").encode()


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "private" / "secret.xml"
    path.parent.mkdir()
    path.write_bytes(rss(SECRET))
    return path


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.xml"
    os.mkfifo(path)
    yield path
    # Whatever opened it for reading (a regression) is woken, so no thread stays blocked.
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK) if _has_reader(path) else None
    if fd is not None:
        os.close(fd)


def _has_reader(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        return True
    except OSError:
        return False


def _within(seconds: float, fn):
    """fn() in a thread; fails (instead of hanging the suite) when it does not return in time."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("out", fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (blocked on a FIFO?)"
    return box["out"]


class _Opens:
    """Records every path Python opens (audit event "open") while active."""

    active: "list[_Opens]" = []

    def __init__(self):
        self.paths: list[str] = []

    def __enter__(self):
        _Opens.active.append(self)
        return self

    def __exit__(self, *exc):
        _Opens.active.remove(self)


def _audit(event, args):
    if event == "open" and _Opens.active and isinstance(args[0], (str, bytes, os.PathLike)):
        for rec in _Opens.active:
            rec.paths.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)

PARSERS = {
    "parse_document": lambda b, p: parse_document(b, "https://feed.example/x", now=NOW),
    "parse_feed": lambda b, p: parse_feed(b, "https://feed.example/x", now=NOW),
    "parse_json_feed": lambda b, p: parse_json_feed(b, "https://feed.example/x", now=NOW),
    "extract_html": lambda b, p: extract_html(b),
    "html_to_text": lambda b, p: html_to_text(b.decode()),
    "read_text_article": lambda b, p: read_text_article(b, "x.txt", p, now=NOW),
    "read_html_article": lambda b, p: read_html_article(b, "x.html", p, now=NOW),
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_no_parser_opens_a_path_it_is_given_as_content(parser, secret_file, fifo, tmp_path):
    article_file = tmp_path / "article.txt"
    article_file.write_text("x")
    for target in (secret_file, Path("/etc/passwd"), Path("/dev/zero"), fifo):
        for body in (str(target).encode(), f"file://{target}".encode()):
            with _Opens() as opens:
                out = _within(20, lambda: PARSERS[parser](body, article_file))
            assert str(target) not in " ".join(opens.paths), (parser, body, opens.paths)
            assert SECRET not in repr(out)


@pytest.mark.parametrize("body", ["secret", "/etc/passwd", "/dev/zero", "fifo"])
def test_a_feed_body_that_is_a_path_is_not_a_file_name(body, http_server, secret_file, fifo):
    text = {"secret": str(secret_file), "fifo": str(fifo)}.get(body, body)
    url = http_server.route("/feed.xml", Response.feed(text))
    started = time.monotonic()
    result = _within(30, lambda: ingest([SourceSpec(name="Path body", url=url)], now=NOW,
                                        progress=False, fetch_timeout=2.0, fetch_options=FAST))
    assert time.monotonic() - started < 10
    assert result.articles == ()
    assert [e.origin for e in result.errors] == [url]
    assert "not a readable feed" in result.errors[0].message or "not a feed" in result.errors[0].message


def test_a_local_file_whose_content_is_a_path_is_not_followed(tmp_path, secret_file):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "pointer.xml").write_text(str(secret_file))
    result = ingest([SourceSpec(name="Folder", path=folder)], now=NOW, progress=False)
    assert result.articles == () and SECRET not in repr(result)
    assert [e.origin for e in result.errors] == [str(folder / "pointer.xml")]


def test_json_feed_with_its_version_after_4_kb_is_read():
    items = ",".join(f'{{"id": "{i}", "url": "https://example.org/{i}", "title": "Item {i}", '
                     f'"content_text": "{"word " * 40}"}}' for i in range(30))
    body = f'{{"items": [{items}], "title": "Late version", "version": "https:\\/\\/jsonfeed.org\\/version\\/1.1"}}'
    assert body.index("version") > 4096
    arts, errs = parse_document(body.encode(), "https://feed.example/j", now=NOW)
    assert len(arts) == 30 and not [e for e in errs if not e.warning]


# -------------------------------------------------------------- a hostile source folder

@pytest.fixture
def hostile_folder(tmp_path):
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "good.xml").write_bytes(rss("Good story"))
    latin1 = os.path.join(os.fsencode(folder), b"caf\xe9.xml")
    with open(latin1, "wb") as f:
        f.write(rss("Latin-1 named story"))
    os.symlink("loop-b.xml", folder / "loop-a.xml")
    os.symlink("loop-a.xml", folder / "loop-b.xml")
    os.symlink(folder / "self.xml", folder / "self.xml")
    os.symlink("/dev/zero", folder / "zero.xml")
    os.symlink("/dev/urandom", folder / "random.rss")
    os.symlink(folder / "missing.xml", folder / "broken.xml")
    os.mkfifo(folder / "fifo.xml")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(folder / "socket.xml"))
    (folder / "huge.xml").write_bytes(rss("Huge story") + b" " * 3000)
    yield folder
    unix.close()


EXPECTED_ERRORS = {
    "broken.xml": "broken link",
    "fifo.xml": "a fifo",
    "huge.xml": "file too large",
    "loop-a.xml": "symlink loop",
    "loop-b.xml": "symlink loop",
    "random.rss": "a character device",
    "self.xml": "symlink loop",
    "socket.xml": "no such device or address",   # a socket cannot be opened: named, not read
    "zero.xml": "a character device",
}


def test_bad_entries_are_errors_naming_them_and_the_rest_is_read(hostile_folder):
    size = len(rss("Huge story")) + 1000
    result = _within(60, lambda: ingest([SourceSpec(name="Folder", path=hostile_folder)], now=NOW,
                                        progress=False, max_bytes=size))
    titles = sorted(a.title for a in result.articles)
    assert titles == ["Good story 0", "Latin-1 named story 0"]
    latin1 = next(a for a in result.articles if a.title.startswith("Latin-1"))
    assert latin1.origin == str(hostile_folder / "caf\\xe9.xml")
    errors = {Path(e.origin).name: e.message for e in result.errors}
    assert set(errors) == set(EXPECTED_ERRORS), errors
    for name, words in EXPECTED_ERRORS.items():
        assert words in errors[name].lower(), (name, errors[name])


def test_same_folder_through_the_process_pool(hostile_folder):
    for n in range(20):        # enough files for the pool (collect.PARALLEL_MIN_FILES)
        (hostile_folder / f"more-{n:02d}.xml").write_bytes(rss(f"More {n}"))
    size = len(rss("Huge story")) + 1000
    result = _within(90, lambda: ingest([SourceSpec(name="Folder", path=hostile_folder)], now=NOW,
                                        progress=False, max_bytes=size))
    assert len(result.articles) == 22
    assert {Path(e.origin).name for e in result.errors} == set(EXPECTED_ERRORS)


def test_the_cli_shows_bad_names_escaped_and_goes_on(hostile_folder, tmp_path):
    proc = subprocess.run([str(NEWSDESK), "--state-dir", str(tmp_path / "state"), "ingest",
                           str(hostile_folder)], capture_output=True, timeout=120, cwd=tmp_path)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "caf\\xe9.xml" not in err   # read fine: no error about it
    assert b"Latin-1 named story" in proc.stdout and b"Good story" in proc.stdout
    for name in EXPECTED_ERRORS:
        if name != "huge.xml":
            assert f"{name}: " in err, (name, err)


def test_read_file_refuses_a_fifo_without_blocking(fifo):
    arts, errs = _within(10, lambda: read_file(fifo))
    assert arts == [] and "a FIFO" in errs[0].message and errs[0].origin == str(fifo)


# -------------------------------------------------------------- never its own output

def test_two_runs_over_the_project_folder_never_read_their_own_output(tmp_path):
    from pipeline.run import run_digest

    (tmp_path / "harbour.txt").write_text(
        "Harbour bridge reopens after repairs\n\nThe harbour bridge reopened on Sunday after "
        "three months of repairs, the council said. Traffic is expected to return to normal.\n")
    (tmp_path / "newsdesk.toml").write_text(
        'title = "Self"\nstate_dir = "state"\n\n[[sources]]\nname = "Here"\npath = "."\n')
    settings = load_settings(tmp_path / "newsdesk.toml", env={})
    first = run_digest(settings, now=NOW, progress=False)
    second = run_digest(settings, now=NOW + timedelta(days=1), progress=False)
    assert first.digest and (Path(first.digest) / "report.txt").is_file()
    # The first run read the one article; the second found it unchanged and read nothing else:
    # not the digest, its report, the manifest, the database or newsdesk.toml.
    assert (first.articles, second.articles, second.new_articles) == (1, 0, 0)
    for report in (first, second):
        assert [e for e in report.errors if not e.warning] == [], report.errors
    from pipeline.store import open_store
    with open_store(settings.state_dir) as store:
        titles = [a.title for a in store.articles(since=NOW - timedelta(days=30))]
    assert titles == ["Harbour bridge reopens after repairs"]


# -------------------------------------------------------------- invalid UTF-8 is said, not silent

def test_a_text_file_that_is_not_utf8_is_read_with_a_warning_naming_it(tmp_path):
    f = tmp_path / "cafe.txt"
    f.write_bytes("Caf\u00e9 wins the award\n\nThe caf\u00e9 on the square won the regional award "
                  "on Friday.\n".encode("cp1252"))
    (article,), errors = read_file(f, now=NOW)
    assert article.title == "Caf\u00e9 wins the award"
    assert [(e.origin, e.warning) for e in errors] == [(str(f), True)]
    assert "not valid UTF-8" in errors[0].message
    ok = tmp_path / "ok.txt"
    ok.write_text("Caf\u00e9 wins the award\n\nThe caf\u00e9 won.\n", encoding="utf-8")
    assert read_file(ok, now=NOW)[1] == []


def test_a_feed_not_in_its_declared_encoding_says_so():
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            '<item><title>Caf\u00e9 opens</title><link>https://e.example/1</link></item></channel></rss>'
            ).encode("latin-1")
    (article,), errors = parse_document(body, "https://feed.example/x", now=NOW)
    assert article.title == "Caf\u00e9 opens"
    assert [e.warning for e in errors] == [True]
    assert "not in its declared encoding" in errors[0].message
