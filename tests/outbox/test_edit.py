"""Saving an edited draft (pipeline.outbox.edit.save_edit), the one function behind `outbox edit`
and the review page: the network's rules, the payload regenerated, no stale overwrite, history."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import outbox
from pipeline.errors import OutboxError
from pipeline.outbox import edit
from pipeline.outbox.manifest import _sha
from pipeline.render import posts
from review_fixtures import entry, fixture_digest, manifest

T1 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return fixture_digest(tmp_path)


def sha(path: Path) -> str:
    return _sha(path.read_bytes())


def save(folder: Path, e: dict, text: str, **kw):
    kw.setdefault("base_sha", sha(folder / e["path"]))
    return edit.save_edit(folder.parent, e["id"], text, by=kw.pop("by", "ann"), now=T1, **kw)


def test_regenerating_an_unedited_payload_gives_the_generated_one(folder):
    """The payload builder for edited text agrees with the renderer on the renderer's own text."""
    checked = 0
    for e in manifest(folder)["drafts"]:
        if e["channel"] not in ("bluesky", "linkedin"):
            continue
        [x] = e["extra"]
        old = json.loads((folder / x["path"]).read_text())
        text = (folder / e["path"]).read_text().rstrip("\n")
        again = posts.payload_for_text(e["channel"], text, created_at=datetime(2024, 5, 1, tzinfo=UTC),
                                       language="en", links=edit._old_links(old))
        assert again == old, e["path"]
        checked += 1
    assert checked == 4


def test_a_saved_bluesky_edit_regenerates_its_record_with_utf8_byte_offsets(folder):
    e = entry(folder, "bluesky", "s-cart")
    text = "Caf\u00e9 \u2615 r\u00e9sum\u00e9: https://example.org/\u00e9t\u00e9 then #Sant\u00e9 and #CarT\n"
    saved = save(folder, e, text.replace("\n", "\r\n"))   # a browser's text box sends CRLF
    assert saved.changed
    assert (folder / e["path"]).read_text(encoding="utf-8") == text
    record = json.loads((folder / e["extra"][0]["path"]).read_text(encoding="utf-8"))
    body = text.rstrip("\n")
    assert record["text"] == body
    assert (record["createdAt"], record["langs"]) == ("2024-05-01T00:00:00.000Z", ["en"])
    raw = body.encode("utf-8")
    shown = [(raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(), f["features"][0])
             for f in record["facets"]]
    assert shown == [
        ("https://example.org/\u00e9t\u00e9", {"$type": "app.bsky.richtext.facet#link",
                                               "uri": "https://example.org/\u00e9t\u00e9"}),
        ("#Sant\u00e9", {"$type": "app.bsky.richtext.facet#tag", "tag": "Sant\u00e9"}),
        ("#CarT", {"$type": "app.bsky.richtext.facet#tag", "tag": "CarT"}),
    ]
    m = entry(folder, "bluesky", "s-cart")        # the manifest knows both new files
    assert m["sha256"] == sha(folder / e["path"]) and m["extra"][0]["sha256"] == sha(folder / e["extra"][0]["path"])
    assert m["edited"] and m["history"][-1] == {"status": "draft", "at": "2024-05-01T09:30:00+00:00",
                                                 "by": "ann", "reason": "edited"}


def test_a_short_link_label_keeps_its_url_when_it_stays_in_the_text(folder):
    e = entry(folder, "bluesky", "s-cart")
    record = folder / e["extra"][0]["path"]
    old = json.loads(record.read_text())
    old["text"] = "See health.example.com/news/car-t\u2026 now"
    old["facets"] = [{"index": {"byteStart": 4, "byteEnd": 4 + len("health.example.com/news/car-t\u2026".encode())},
                      "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://health.example.com/x"}]}]
    record.write_text(json.dumps(old))
    outbox.check_edits(folder.parent, e["id"], by="ann")      # a hand edit of the record, recorded
    save(folder, e, "Read it: health.example.com/news/car-t\u2026 #Kids")
    new = json.loads(record.read_text())
    assert [f["features"][0].get("uri") for f in new["facets"]] == ["https://health.example.com/x", None]
    assert new["facets"][0]["index"] == {"byteStart": 9, "byteEnd": 9 + len("health.example.com/news/car-t\u2026".encode())}


def test_a_saved_linkedin_edit_regenerates_its_commentary(folder):
    e = entry(folder, "linkedin", "s-cart")
    save(folder, e, "Approved (at last) for kids_ages 3-17 #CarT\n")
    payload = json.loads((folder / e["extra"][0]["path"]).read_text())
    assert payload["commentary"] == "Approved \\(at last\\) for kids\\_ages 3-17 {hashtag|\\#|CarT}"
    assert payload["visibility"] == "PUBLIC"


def test_an_over_limit_edit_is_refused_naming_the_limit_and_nothing_changes(folder):
    e = entry(folder, "x", "s-cart")
    outbox.set_status(folder.parent, [e["id"]], "approved", by="ann")
    files = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(edit.EditRefused, match="is 439 long, over the limit of 280") as exc:
        save(folder, e, "The bridge " * 40)     # 440 characters; the final space is not kept
    assert exc.value.why == "is 439 long, over the limit of 280"
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == files
    assert entry(folder, "x", "s-cart")["status"] == "approved"


@pytest.mark.parametrize("text,why", [("", "is empty"), ("  \r\n\n", "is empty"),
                                      ("ok " + " ".join(f"https://a{n}.example/" for n in range(6)), "breaks threads's rules")])
def test_other_broken_edits_are_refused(folder, text, why):
    e = entry(folder, "threads", "s-cart")
    before = (folder / e["path"]).read_bytes()
    with pytest.raises(edit.EditRefused, match=why):
        save(folder, e, text)
    assert (folder / e["path"]).read_bytes() == before


def test_a_draft_changed_since_it_was_read_is_not_overwritten(folder):
    e = entry(folder, "mastodon", "s-cart")
    path = folder / e["path"]
    seen = sha(path)
    path.write_text("Refreshed by someone else\n")           # e.g. a run, while the editor was open
    with pytest.raises(edit.EditConflict, match="changed on disk") as exc:
        save(folder, e, "My edit\n", base_sha=seen)
    assert isinstance(exc.value, outbox.DraftChanged)
    assert path.read_text() == "Refreshed by someone else\n"
    assert exc.value.current == "Refreshed by someone else\n" and exc.value.sha256 == sha(path)
    assert "My edit" not in json.dumps(manifest(folder))
    save(folder, e, "My edit\n", base_sha=exc.value.sha256)  # deliberately, over what was shown
    assert path.read_text() == "My edit\n"


def test_an_edit_after_approval_goes_back_to_draft_and_the_same_text_is_no_change(folder):
    e = entry(folder, "threads", "s-cart")
    outbox.set_status(folder.parent, [e["id"]], "approved", by="ann")
    saved = save(folder, e, "New text for Threads", by="bob", reason="edited in the review page")
    assert saved.changed and saved.was_approved and saved.entry.status == "draft"
    assert saved.entry.history[-1].reason == "edited in the review page after approval"
    history = len(entry(folder, "threads", "s-cart")["history"])
    again = save(folder, e, "New text for Threads\n")
    assert not again.changed and len(entry(folder, "threads", "s-cart")["history"]) == history


def test_a_sent_draft_cannot_be_edited(folder):
    e = entry(folder, "x", "s-cart")
    outbox.set_status(folder.parent, [e["id"]], "approved", by="ann")
    outbox.mark_sent(folder.parent, [e["id"]], by="ann")
    with pytest.raises(OutboxError, match="sent already"):
        save(folder, e, "too late")


def test_measure_is_the_validators_count_and_says_near_and_over():
    assert edit.measure("x", "a" * 200) == edit.Measure(200, 280, True, None, (200,))
    assert edit.measure("x", "a" * 240).state == "near"
    assert edit.measure("x", "a" * 281).state == "over"
    thread = posts.THREAD_SEPARATOR.join(["one two", "b" * 290])
    m = edit.measure("mastodon", thread)
    assert (m.length, m.parts, m.valid) == (290, (7, 290), True)
    assert edit.measure("bluesky", thread).valid
    assert edit.measure("x", thread).why == "part 2 is 290 long, over the limit of 280"
    assert edit.measure("email", "Digest\n") == edit.Measure(6, None, True, None, (6,))


def test_approving_a_text_that_changed_since_it_was_shown_is_refused(folder):
    e = entry(folder, "x", "s-cart")
    shown = sha(folder / e["path"])
    (folder / e["path"]).write_text("changed meanwhile\n")
    with pytest.raises(outbox.DraftChanged, match="changed on disk since it was shown"):
        outbox.set_status(folder.parent, [e["id"]], "approved", by="ann", expect={e["id"]: shown})
    assert entry(folder, "x", "s-cart")["status"] == "draft"
    now = sha(folder / e["path"])
    outbox.set_status(folder.parent, [e["id"]], "approved", by="ann", expect={e["id"]: now})
    assert entry(folder, "x", "s-cart")["status"] == "approved"


# ---------------------------------------------------------------- `outbox edit`

EDITOR = """import os, sys, json
path = sys.argv[1]
log = os.environ.get('EDITOR_LOG')
if log:
    open(log, 'a', encoding='utf-8').write(json.dumps(open(path, encoding='utf-8').read()) + '\\n')
refresh = os.environ.get('REFRESH_DRAFT')
if refresh:                                   # a run refreshes the draft while the editor is open
    tmp = refresh + '.tmp'
    open(tmp, 'w', encoding='utf-8').write('Refreshed by a run\\n')
    os.replace(tmp, refresh)
open(path, 'w', encoding='utf-8').write(os.environ['NEW_TEXT'])
"""


@pytest.fixture
def cli(folder, tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.setenv("EDITOR_LOG", str(tmp_path / "editor.log"))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["outbox", "--outbox", str(folder.parent), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def opened_with(tmp_path: Path) -> list[str]:
    return [json.loads(line) for line in (tmp_path / "editor.log").read_text().splitlines()]


def test_cli_keeps_a_refused_edit_beside_the_draft_and_starts_from_it_next_time(folder, tmp_path, cli, monkeypatch):
    e = entry(folder, "x", "s-cart")
    path = folder / e["path"]
    before = path.read_text()
    monkeypatch.setenv("NEW_TEXT", "The bridge " * 40)
    code, _, err = cli("edit", e["id"])
    kept = edit.unsaved_copy(path)
    assert code == 1 and "over the limit of 280; kept the previous text" in err and str(kept) in err
    assert path.read_text() == before and kept.read_text() == "The bridge " * 40
    monkeypatch.setenv("NEW_TEXT", "The bridge, shorter.")
    code, out, err = cli("edit", e["id"], "--by", "eve")
    assert code == 0 and "starting from your unsaved text" in err and "edited" in out
    assert opened_with(tmp_path) == [before, "The bridge " * 40]   # the second edit resumed
    assert path.read_text() == "The bridge, shorter.\n" and not kept.exists()
    assert entry(folder, "x", "s-cart")["history"][-1]["reason"] == "edited with outbox edit"


def test_cli_edit_regenerates_the_bluesky_record(folder, cli, monkeypatch):
    e = entry(folder, "bluesky", "s-cart")
    monkeypatch.setenv("NEW_TEXT", "Kinder \u2764 https://example.org/k\n")
    assert cli("edit", e["id"])[0] == 0
    record = json.loads((folder / e["extra"][0]["path"]).read_text())
    assert record["text"] == "Kinder \u2764 https://example.org/k"
    assert record["facets"][0]["index"] == {"byteStart": 11, "byteEnd": 11 + 21}


def test_cli_refuses_over_a_draft_a_run_changed_while_the_editor_was_open(folder, cli, monkeypatch):
    e = entry(folder, "mastodon", "s-cart")
    path = folder / e["path"]
    monkeypatch.setenv("REFRESH_DRAFT", str(path))
    monkeypatch.setenv("NEW_TEXT", "My careful edit\n")
    code, _, err = cli("edit", e["id"])
    assert code == 1 and "changed on disk while the editor was open" in err
    assert path.read_text() == "Refreshed by a run\n"
    assert edit.unsaved_copy(path).read_text() == "My careful edit\n"
    assert not any(h["reason"].startswith("edited with") for h in entry(folder, "mastodon", "s-cart")["history"])
