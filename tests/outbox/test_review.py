"""Review status on real outbox folders, and the `outbox` commands driven through `register`."""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline import outbox
from pipeline.outbox import manifest as mf

from pipeline.commands import outbox as review
from pipeline.errors import OutboxError
from pipeline.model import Draft, SourceRef, Story

REPO = Path(__file__).resolve().parents[2]
HAS_SOCIAL = importlib.util.find_spec("pipeline.render.posts") is not None
T0 = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 2, 9, 15, tzinfo=UTC)
# A feed may carry terminal escapes: clear screen, set the window title, carriage return, bidi override.
HOSTILE = "Title\x1b[2J\x1b]0;pwned\x07 with\r tricks\u202e"


def make_digest(box: Path, day: date = date(2024, 5, 2), slug: str = "morning") -> dict[str, str]:
    """Writes a small digest; returns its draft ids by path."""
    src = SourceRef(outlet="Example News", url="https://example.org/a", title=HOSTILE,
                    published=datetime(2024, 5, 1, 12, 0, tzinfo=UTC), article_id="a1")
    story = Story(id="s1", headline="Bridge reopens", summary=(("The bridge reopened.", "a1"),),
                  sources=(src,), members=())
    drafts = [Draft("", "email", "digest.html", "<h1>Digest</h1>"),
              Draft("", "email", "digest.txt", "Digest\n"),
              Draft("", "x", "posts/bridge/x.txt", "The bridge reopened \x1b[31mtoday\n", story_id="s1"),
              Draft("", "bluesky", "posts/bridge/bluesky.txt", "Bridge reopened\n", story_id="s1"),
              Draft("", "mastodon", "posts/bridge/mastodon.txt", "Bridge reopened!\n", story_id="s1")]
    r = outbox.write_digest(box, day, slug, [story], drafts, {}, now=T0)
    m = json.loads((r.folder / "manifest.json").read_text())
    return {e["path"]: e["id"] for e in m["drafts"]}


def status_of(box: Path, draft_id: str) -> outbox.DraftEntry:
    return outbox.find_draft(box, draft_id)[1]


# ---------------------------------------------------------------- the status model

@pytest.mark.parametrize("steps", [["approved"], ["approved", "sent"], ["rejected"], ["approved", "rejected"]])
def test_valid_transitions_are_recorded(tmp_path, steps):
    i = make_digest(tmp_path)["posts/bridge/x.txt"]
    for n, step in enumerate(steps):
        [d] = outbox.set_status(tmp_path, [i], step, by=f"rev{n}", reason="why not", now=T1)
        assert d.status == step
    d = status_of(tmp_path, i)
    assert d.status == steps[-1]
    assert [(e.status, e.by, e.reason) for e in d.history[1:]] == [(s, f"rev{n}", "why not")
                                                                  for n, s in enumerate(steps)]
    assert d.history[-1].at == "2024-05-02T09:15:00+00:00"


@pytest.mark.parametrize("steps,target", [
    ([], "sent"), ([], "draft"), (["approved"], "approved"), (["approved"], "draft"),
    (["rejected"], "approved"), (["rejected"], "draft"), (["rejected"], "sent"), (["rejected"], "rejected"),
    (["approved", "sent"], "rejected"), (["approved", "sent"], "approved"), (["approved", "sent"], "draft"),
    ([], "published"),
])
def test_invalid_transitions_raise_and_change_nothing(tmp_path, steps, target):
    i = make_digest(tmp_path)["posts/bridge/x.txt"]
    for step in steps:
        outbox.set_status(tmp_path, [i], step, by="ann")
    manifest = tmp_path / "2024-05-02-morning" / "manifest.json"
    before = manifest.read_bytes()
    with pytest.raises(OutboxError, match=r"cannot make it|unknown status") as exc:
        outbox.set_status(tmp_path, [i], target, by="bob")
    if target != "published":
        assert i in str(exc.value) and (steps or ["draft"])[-1] in str(exc.value)
    assert manifest.read_bytes() == before


def test_set_status_is_all_or_nothing(tmp_path):
    ids = make_digest(tmp_path)
    outbox.set_status(tmp_path, [ids["digest.txt"]], "rejected", by="ann")
    with pytest.raises(OutboxError, match="rejected"):
        outbox.set_status(tmp_path, [ids["digest.html"], ids["digest.txt"]], "approved", by="ann")
    assert status_of(tmp_path, ids["digest.html"]).status == "draft"


def test_edit_after_approval_goes_back_to_draft_and_is_never_refreshed(tmp_path):
    ids = make_digest(tmp_path)
    i = ids["posts/bridge/bluesky.txt"]
    outbox.set_status(tmp_path, [i], "approved", by="ann")
    path = tmp_path / "2024-05-02-morning" / "posts/bridge/bluesky.txt"
    path.write_text("The bridge reopened after two years.\n")

    [info] = outbox.list_digests(tmp_path, by="bob", now=T1)
    d = next(x for x in info.drafts if x.id == i)
    assert (d.status, d.edited) == ("draft", True)
    assert (d.history[-1].status, d.history[-1].by, d.history[-1].reason) == ("draft", "bob", "edited after approval")
    assert d.sha256 == mf._sha(path.read_bytes())
    outbox.list_digests(tmp_path, by="bob")                  # detected once, not again
    assert len(status_of(tmp_path, i).history) == len(d.history)

    outbox.set_status(tmp_path, [i], "approved", by="ann")   # approves the edited text
    make_digest(tmp_path)
    assert path.read_text() == "The bridge reopened after two years.\n"
    assert status_of(tmp_path, i).status == "approved"


def test_find_draft_by_exact_id_or_unique_prefix(tmp_path):
    ids = make_digest(tmp_path)
    ids.update({f"b/{k}": v for k, v in make_digest(tmp_path, date(2024, 5, 3)).items()})
    every = sorted(ids.values())
    i = ids["posts/bridge/x.txt"]
    assert outbox.find_draft(tmp_path, i)[1].path == "posts/bridge/x.txt"
    assert outbox.find_draft(tmp_path, i.upper())[0].name == "2024-05-02-morning"
    unique = next(n for n in range(1, len(i) + 1) if sum(x.startswith(i[:n]) for x in every) == 1)
    assert outbox.find_draft(tmp_path, i[:unique])[1].id == i
    shared = next(a[:1] for a in every if sum(b.startswith(a[:1]) for b in every) > 1)
    with pytest.raises(OutboxError, match="ambiguous"):
        outbox.find_draft(tmp_path, shared)
    with pytest.raises(OutboxError, match="no draft"):
        outbox.find_draft(tmp_path, "zzzzzzzzzz")


def test_approve_all_takes_the_newest_digest_and_list_is_newest_first(tmp_path):
    make_digest(tmp_path, date(2024, 5, 1), "morning")
    new = make_digest(tmp_path, date(2024, 5, 2), "evening")
    outbox.set_status(tmp_path, [new["digest.txt"]], "rejected", by="ann")
    approved = outbox.approve_all(tmp_path, by="ann")
    assert sorted(d.id for d in approved) == sorted(set(new.values()) - {new["digest.txt"]})
    infos = outbox.list_digests(tmp_path)
    assert [i.name for i in infos] == ["2024-05-02-evening", "2024-05-01-morning"]
    assert {d.status for d in infos[1].drafts} == {"draft"}
    assert outbox.approve_all(tmp_path, "2024-05-01", by="ann") and outbox.approve_all(tmp_path, by="ann") == []
    # A run reads only the digests of its story window (an older one tells of closed stories).
    assert [i.name for i in outbox.list_digests(tmp_path, since=date(2024, 5, 2))] == ["2024-05-02-evening"]


def test_mark_sent_needs_approval(tmp_path):
    i = make_digest(tmp_path)["digest.html"]
    with pytest.raises(OutboxError, match="only from approved"):
        outbox.mark_sent(tmp_path, [i], by="mailer")
    outbox.set_status(tmp_path, [i], "approved", by="ann")
    assert outbox.mark_sent(tmp_path, [i], by="mailer")[0].status == "sent"


# ---------------------------------------------------------------- the commands

@pytest.fixture
def cli(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="newsdesk")
    review.register(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> tuple[int, str, str]:
        args = parser.parse_args(["outbox", *argv, "--outbox", str(tmp_path)])
        code = args.handler(args)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_cli_approve_reject_and_list(tmp_path, cli):
    ids = make_digest(tmp_path)
    code, out, _ = cli("approve", ids["posts/bridge/x.txt"], ids["digest.html"][:5], "--by", "ann")
    assert code == 0 and f"approved {ids['posts/bridge/x.txt']}" in out
    code, out, _ = cli("reject", ids["posts/bridge/bluesky.txt"], "--reason", "duplicate", "--by", "bob")
    assert code == 0
    d = status_of(tmp_path, ids["posts/bridge/bluesky.txt"])
    assert (d.status, d.history[-1].by, d.history[-1].reason) == ("rejected", "bob", "duplicate")
    assert status_of(tmp_path, ids["digest.html"]).history[-1].by == "ann"

    code, out, _ = cli("list")
    lines = out.splitlines()
    assert lines[0].split() == ["DIGEST", "ID", "STATUS", "CHANNEL", "PATH", "NOTE"]
    col = lines[0].index("STATUS")
    rows = {path: line for line in lines[1:] for path in ids if f" {path}" in line}
    assert rows["posts/bridge/x.txt"][col:].startswith("approved")
    assert rows["posts/bridge/bluesky.txt"][col:].startswith("rejected")
    assert rows["digest.txt"][col:].startswith("draft")
    code, out, _ = cli("list", "--status", "rejected")
    assert len(out.splitlines()) == 2 and ids["posts/bridge/bluesky.txt"] in out


def test_cli_approve_all_and_errors(tmp_path, cli):
    ids = make_digest(tmp_path)
    assert cli("approve", "--all")[0] == 0
    assert {status_of(tmp_path, i).status for i in ids.values()} == {"approved"}
    with pytest.raises(OutboxError, match="not both"):
        cli("approve")
    from pipeline.cli import main
    code = main(["outbox", "--outbox", str(tmp_path), "approve", ids["digest.txt"]])
    assert code == 1    # already approved: one clear line, exit 1


def test_cli_show_strips_control_characters(tmp_path, cli):
    ids = make_digest(tmp_path)
    code, out, _ = cli("show", ids["posts/bridge/x.txt"])
    assert code == 0
    assert not any(c in out for c in "\x1b\x07\r\u202e")
    assert "The bridge reopened [31mtoday" in out
    assert "Example News: Title[2J]0;pwned with tricks (2024-05-01) https://example.org/a" in out
    expected = "length: 30/280" if HAS_SOCIAL else "length: 30 characters"   # the escape counts
    assert expected in out
    assert "length: 15 characters" in cli("show", ids["digest.html"])[1]


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """$EDITOR set to a small script that writes $NEW_TEXT into the file (or fails when told to)."""
    script = tmp_path / "fake_editor.py"
    script.write_text("import os, sys\n"
                      "if os.environ.get('EDITOR_FAILS'): sys.exit(3)\n"
                      "open(sys.argv[1], 'w', encoding='utf-8').write(os.environ['NEW_TEXT'])\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return monkeypatch


def test_cli_edit_of_an_approved_draft_returns_it_to_draft(tmp_path, cli, editor):
    i = make_digest(tmp_path)["posts/bridge/mastodon.txt"]
    cli("approve", i)
    editor.setenv("NEW_TEXT", "The bridge reopened this morning.\n")
    code, out, _ = cli("edit", i, "--by", "eve")
    assert code == 0 and "now draft (was approved)" in out
    d = status_of(tmp_path, i)
    assert (d.status, d.edited, d.history[-1].by) == ("draft", True, "eve")
    path = tmp_path / "2024-05-02-morning" / "posts/bridge/mastodon.txt"
    assert path.read_text() == "The bridge reopened this morning.\n"


def test_cli_edit_refuses_an_invalid_post_and_keeps_the_old_text(tmp_path, cli, editor):
    i = make_digest(tmp_path)["posts/bridge/x.txt"]
    cli("approve", i)
    path = tmp_path / "2024-05-02-morning" / "posts/bridge/x.txt"
    before = path.read_bytes()
    editor.setenv("NEW_TEXT", "The bridge " * 40 + "\n")      # 440 characters
    code, out, err = cli("edit", i)
    if HAS_SOCIAL:                   # the network's rule applies: refused, nothing changed
        assert code == 1 and "over the limit of 280" in err
        assert path.read_bytes() == before
        assert status_of(tmp_path, i).status == "approved"
    else:                            # no rules to check: the edit stands
        assert code == 0 and path.read_text() == "The bridge " * 40 + "\n"


def test_cli_edit_keeps_the_text_when_the_editor_fails(tmp_path, cli, editor):
    i = make_digest(tmp_path)["posts/bridge/bluesky.txt"]
    editor.setenv("EDITOR_FAILS", "1")
    editor.setenv("NEW_TEXT", "never written")
    code, _, err = cli("edit", i)
    assert code == 1 and "exited with 3" in err
    assert (tmp_path / "2024-05-02-morning/posts/bridge/bluesky.txt").read_text() == "Bridge reopened\n"
    editor.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    with pytest.raises(OutboxError, match="cannot start the editor"):
        cli("edit", i)
    outbox.set_status(tmp_path, [i], "approved", by="ann")
    outbox.mark_sent(tmp_path, [i], by="ann")
    with pytest.raises(OutboxError, match="sent already"):
        cli("edit", i)


def test_cli_preview_opens_the_digest_in_the_browser(tmp_path):
    make_digest(tmp_path)
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys\nopen({str(seen)!r}, 'w').write(sys.argv[1])\n")
    env = dict(os.environ, BROWSER=f"{sys.executable} {browser} %s")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "outbox", "--outbox", str(tmp_path),
                           "preview", "2024-05-02"], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert seen.read_text() == (tmp_path / "2024-05-02-morning" / "digest.html").resolve().as_uri()


def test_every_command_has_an_example(capsys):
    parser = argparse.ArgumentParser(prog="newsdesk")
    review.register(parser.add_subparsers(dest="command"))
    for command in ([], ["list"], ["show"], ["approve"], ["reject"], ["edit"], ["preview"], ["sent"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["outbox", *command, "--help"])
        out = capsys.readouterr().out
        assert "example:\n  " in out and "newsdesk outbox" in out.split("example:")[1], command


def test_the_main_cli_reaches_the_outbox_commands(tmp_path, capsys):
    from pipeline.cli import main

    ids = make_digest(tmp_path)
    assert main(["outbox", "--outbox", str(tmp_path), "approve", ids["digest.txt"], "--by", "ann"]) == 0
    assert status_of(tmp_path, ids["digest.txt"]).status == "approved"


def test_a_damaged_manifest_is_set_aside_whole_and_review_goes_on(tmp_path, capsys):
    """A truncated manifest (an old crash, a full disk) blocks nothing: its digest is moved to
    outbox/.damaged/ with every file, and the other digests are listed and reviewed."""
    from pipeline.cli import main

    box = tmp_path / "outbox"
    for day, name in (("2024-05-01", "old"), ("2024-05-02", "new")):
        folder = box / f"{day}-{name}"
        folder.mkdir(parents=True)
        (folder / "digest.txt").write_text(f"{name} digest, edited by hand\n")
        (folder / "manifest.json").write_text(json.dumps({"version": 1, "drafts": [
            {"id": f"{name[:3]}aaa", "path": "digest.txt", "channel": "email", "status": "approved",
             "sha256": "0" * 64, "history": []},
            {"id": f"{name[:3]}bbb", "channel": "x", "status": "draft"},          # no path
        ]}))
    damaged = box / "2024-05-01-old" / "manifest.json"
    truncated = damaged.read_text()[:40]
    damaged.write_text(truncated)
    assert main(["outbox", "list", "--outbox", str(box), "--json"]) == 0
    out, err = capsys.readouterr()
    (listed,) = json.loads(out)
    assert listed["digest"] == "2024-05-02-new" and [d["id"] for d in listed["drafts"]] == ["newaaa"]
    assert "2024-05-01-old" in err and "ignored" in err and "Traceback" not in err
    (aside,) = (box / ".damaged").iterdir()
    assert aside.name.startswith("2024-05-01-old-")
    assert (aside / "digest.txt").read_text() == "old digest, edited by hand\n"
    assert (aside / "manifest.json").read_text() == truncated
    assert not (box / "2024-05-01-old").exists()
