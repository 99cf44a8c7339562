"""The CLI: README and --help agree, every command has help with an example, ingest prints JSON
lines a benchmark can read, and errors are one clear line."""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser, main
from sample_seeds import copy_seeds

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + (name,), sub
                yield from _commands(sub, prefix + (name,))


ALL = list(_commands(build_parser()))


@pytest.mark.parametrize("path,parser", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_with_an_example(path, parser):
    text = parser.format_help()
    assert parser.description, path
    assert "example:" in text and "newsdesk " + path[0] in text.split("example:")[1]


def test_readme_lists_every_top_level_command_and_no_other():
    in_help = {p[0] for p, _ in ALL if len(p) == 1}
    in_readme = set(re.findall(r"^\| `newsdesk (\w+)", README, flags=re.M))
    assert in_help == in_readme


def test_readme_subcommands_exist():
    known = {" ".join(p) for p, _ in ALL}
    for group, subs in re.findall(r"^\| `newsdesk (\w+) ([a-z|\\]+)`", README, flags=re.M):
        for sub in subs.replace("\\", "").split("|"):
            assert f"{group} {sub}" in known, f"README names `newsdesk {group} {sub}`"


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    lines = [l for l in first_block.splitlines()[1:] if l.strip()]
    assert [l.split("#")[0].strip() for l in lines] == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1].strip() == "make test"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("newsdesk ")


def test_ingest_jsonl_fields(tmp_path, capsys):
    feeds = ROOT / "tests" / "fixtures" / "feeds" / "rss20.xml"
    assert main(["--state-dir", str(tmp_path / "s"), "ingest", str(feeds), "--jsonl"]) == 0
    rows = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2
    for r in rows:
        assert {"id", "guid", "origin", "link", "url", "title", "text", "source", "published", "author",
                "language"} <= set(r)
        assert r["origin"] == str(feeds)


def test_bad_config_is_one_clear_line(tmp_path, capsys):
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text('top_n = "many"\n')
    assert main(["--config", str(cfg), "sources", "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "top_n" in err[0] and f"{cfg}:1" in err[0]


def test_init_writes_a_loadable_example_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "newsdesk.toml"
    assert main(["init", str(target)]) == 0
    assert main(["--config", str(target), "sources", "list"]) == 0
    assert "Sample articles" in capsys.readouterr().out
    target.write_text("# mine\n")
    assert main(["init", str(target)]) == 1 and target.read_text() == "# mine\n"


def test_sources_import_opml(tmp_path, capsys):
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="Tech"><outline text="A feed" xmlUrl="https://a.example/rss"/>'
                    '<outline title="B &amp; co" xmlUrl="https://b.example/atom"/>'
                    '<outline text="not a feed" xmlUrl="javascript:alert(1)"/></outline></body></opml>')
    cfg = tmp_path / "newsdesk.toml"
    assert main(["--config", str(cfg), "sources", "import", str(opml)]) == 0
    assert main(["--config", str(cfg), "sources", "import", str(opml)]) == 0  # nothing twice
    capsys.readouterr()
    assert main(["--config", str(cfg), "sources", "list"]) == 0
    out = capsys.readouterr().out
    assert "https://a.example/rss" in out and "B & co" in out and "javascript" not in out
    assert cfg.read_text().count("https://a.example/rss") == 1
    from pipeline.config import load_settings

    tags = {s.url: s.tags for s in load_settings(cfg).sources if s.url}
    assert tags["https://a.example/rss"] == ("tech",) and tags["https://b.example/atom"] == ("tech",)


def test_opml_folders_become_tags_and_the_list_is_read_as_bytes_only(tmp_path):
    from pipeline.errors import SourceReadError
    from pipeline.ingest.sources.opml import read_opml

    opml = tmp_path / "export.opml"
    opml.write_text('<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>'
                    '<outline text="Science"><outline text="Space  News">'
                    '<outline type="rss" text="Orbit" xmlUrl="https://orbit.example/feed"/></outline>'
                    '<outline type="rss" text="Lab" xmlUrl="https://lab.example/rss" category="/Biology,health"/>'
                    '</outline><outline type="rss" text="Loose" xmlUrl="https://loose.example/rss"/></body></opml>')
    specs = {s.name: set(s.tags) for s in read_opml(opml)}
    assert specs == {"Orbit": {"science", "space news"},
                     "Lab": {"science", "biology", "health"}, "Loose": set()}
    # A list whose whole content is a file path or a URL is not followed.
    target = tmp_path / "other.opml"
    target.write_text(opml.read_text())
    trap = tmp_path / "trap.opml"
    for body in (str(target), "https://127.0.0.1:9/list.opml"):
        trap.write_text(body)
        with pytest.raises(SourceReadError, match="not an OPML file"):
            read_opml(trap)


def test_cluster_reads_jsonl_and_gives_every_record_a_story(tmp_path, capsys, monkeypatch):
    import io

    lines = [
        {"id": "w1", "guid": "g1", "title": "Storm closes Harbour Bridge as winds reach 120 km/h",
         "text": "The Harbour Bridge was closed on Monday as winds of 120 km/h hit the coast.",
         "source": "A", "published": "2026-11-20T08:00:00Z", "url": "https://a.example/storm?utm_source=x"},
        {"id": "w2", "guid": "g2", "title": "Storm closes Harbour Bridge as winds reach 120 km/h",
         "text": "The Harbour Bridge was closed on Monday as winds of 120 km/h hit the coast.",
         "source": "B", "published": "2026-11-20T08:05:00Z", "url": "https://b.example/storm"},
        {"id": "w3", "title": "Chess champion retains title after twelve games in Madrid",
         "source": "C", "published": "2026-11-20T09:00:00Z"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(l) for l in lines) + "\n\n"))
    assert main(["--state-dir", str(tmp_path / "never"), "cluster", "-", "--jsonl"]) == 0
    rows = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["w1", "w2", "w3"]
    assert rows[0]["guid"] == "g1" and "guid" not in rows[2]
    assert rows[0]["story"] == rows[1]["story"] != rows[2]["story"]
    assert not (tmp_path / "never").exists()  # cluster touches no state


def test_cluster_stories_prints_one_merged_story_a_line(tmp_path, capsys, monkeypatch):
    import io

    lines = [
        {"id": "w1", "title": "Storm closes Harbour Bridge as winds reach 120 km/h - Harbour Times",
         "text": "The Harbour Bridge was closed on Monday as winds of 120 km/h hit the coast of the bay.",
         "source": "Harbour Times", "published": "2026-11-20T08:00:00Z",
         "url": "https://a.example/storm", "gold": "storm"},
        {"id": "w2", "title": "Harbour Bridge shut by storm winds of 120 km/h",
         "text": "Winds of 120 km/h closed the Harbour Bridge on Monday, police said, and ferries stopped.",
         "source": "Bay News", "published": "2026-11-20T08:05:00Z", "url": "https://b.example/storm",
         "gold": "storm"},
        {"id": "w3", "title": "Chess champion retains title after twelve games in Madrid",
         "source": "Board Weekly", "published": "2026-11-20T09:00:00Z", "gold": "chess"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(l) for l in lines) + "\n"))
    assert main(["cluster", "-", "--stories", "--jsonl", "--given", "gold"]) == 0
    rows = {r["story"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert sorted(rows) == ["chess", "storm"]          # the given field's values are the labels
    storm = rows["storm"]
    assert set(storm) >= {"story", "headline", "summary", "key_facts", "disputed", "sources", "members"}
    assert storm["members"] == ["w1", "w2"]
    assert not storm["headline"].endswith("Harbour Times")
    assert {s["outlet"] for s in storm["sources"]} == {"Harbour Times", "Bay News"}
    assert {s["article_id"] for s in storm["sources"]} == {"w1", "w2"}
    assert isinstance(storm["summary"], str) and "Harbour Bridge" in storm["summary"]
    assert rows["chess"]["members"] == ["w3"]


def test_cluster_window_days_bounds_every_story(tmp_path, capsys):
    text = ("The Harbour Bridge stays closed after Monday's storm, the transport authority said, "
            "while engineers inspect cables damaged by winds of 120 km/h.")
    titles = ["Harbour Bridge stays closed after storm", "Harbour Bridge remains shut after storm",
              "Storm-hit Harbour Bridge still closed as engineers inspect cables"]
    times = ["2026-11-20T08:00:00Z", "2026-11-20T21:00:00Z", "2026-11-21T10:00:00Z"]  # 13 h apart
    lines = [{"id": f"d{i}", "title": t, "text": text, "published": when}
             for i, (t, when) in enumerate(zip(titles, times))]
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps(l) + "\n" for l in lines))

    def stories(*flags):
        assert main(["cluster", str(f), "--jsonl", *flags]) == 0
        return len({json.loads(l)["story"] for l in capsys.readouterr().out.splitlines()})

    assert stories() == 1                      # the configured story_window_days: 7
    assert stories("--window-days", "0.5") == 3
    assert main(["cluster", str(f), "--window-days", "0"]) == 1
    assert "--window-days" in capsys.readouterr().err


def test_cluster_names_a_bad_line(tmp_path, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "a", "title": "ok"}\nnot json\n')
    assert main(["cluster", str(f)]) == 1
    assert f"{f}:2" in capsys.readouterr().err


def test_json_output_for_scripts(tmp_path, capsys, monkeypatch):
    """--json on digest, outbox list, sources status and stories list: one JSON document each,
    nothing else on stdout, warnings on stderr without a module's name."""
    copy_seeds(tmp_path / "seeds")
    (tmp_path / "newsdesk.toml").write_text('[[sources]]\nname = "Seeds"\npath = "seeds"\n\n'
                                            '[[sources]]\nname = "Gone"\npath = "missing"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["digest", "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["articles"] == 5 and report["selected"] == 1 and report["exit"] == 0
    assert [e["origin"] for e in report["errors"]] == [str(tmp_path / "missing")]
    assert "missing" in err and "pipeline." not in err and "WARNING" not in err
    assert main(["outbox", "list", "--json"]) == 0
    (digest,) = json.loads(capsys.readouterr().out)
    assert {d["channel"] for d in digest["drafts"]} >= {"email", "x", "bluesky", "mastodon"}
    assert all(d["status"] == "draft" for d in digest["drafts"])
    assert main(["sources", "status", "--json"]) == 0
    assert [(s["name"], s["health"]) for s in json.loads(capsys.readouterr().out)] == [
        ("Seeds", "local"), ("Gone", "local")]
    assert main(["stories", "list", "--json"]) == 0
    (story,) = json.loads(capsys.readouterr().out)
    assert len(story["sources"]) == 5 and story["headline"]


@pytest.mark.parametrize("argv", [
    ["digest", "--config", "{cfg}", "--dry-run"], ["digest", "-q", "--config", "{cfg}"],
    ["digest", "--config", "{cfg}", "-v"], ["digest", "--config", "{cfg}", "--state-dir", "{state}"],
    ["sources", "list", "--config", "{cfg}"], ["outbox", "list", "--config", "{cfg}"],
    ["stories", "list", "-c", "{cfg}", "--state-dir", "{state}"],
])
def test_global_options_work_after_the_subcommand(tmp_path, argv, capsys):
    copy_seeds(tmp_path / "seeds")
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text('title = "After"\nstate_dir = "state-from-config"\n\n[[sources]]\nname = "S"\npath = "seeds"\n')
    state = tmp_path / "state-from-flag"
    args = [a.format(cfg=cfg, state=state) for a in argv]
    assert main(args) == 0
    out = capsys.readouterr().out
    if "--state-dir" in argv and argv[0] == "digest":
        assert (state / "state.db").is_file() and not (tmp_path / "state-from-config").exists()
    if argv[:2] == ["sources", "list"]:
        assert str(tmp_path / "seeds") in out
    if "-q" in argv:
        assert out == ""


def test_an_option_before_the_subcommand_is_not_reset_by_it(tmp_path, capsys):
    state = tmp_path / "s"
    assert main(["--state-dir", str(state), "-q", "ingest", str(ROOT / "tests" / "fixtures" / "feeds" / "rss20.xml")]) == 0
    assert (state / "state.db").is_file()
