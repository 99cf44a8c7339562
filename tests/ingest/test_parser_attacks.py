"""Parser attacks: entity expansion, external entities, decompression bombs, oversized documents
and deep nesting. Each runs in a child process with its address space capped (RLIMIT_AS) and a
generous timeout, so a blow-up fails loudly instead of taking the machine; no speed is asserted.

Each child prints one JSON line: what it found, plus its run time and peak memory (for the record).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 1024 * 1024     # address space of a child: a blow-up hits this, not the host
TIMEOUT = 180                          # seconds; a bound for a hang, far above any normal run
MB = 1024 * 1024

PRELUDE = '''
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, "tests")
_started = time.monotonic()

def report(**found):
    found["seconds"] = round(time.monotonic() - _started, 2)
    found["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(found))

def rss(title="Title", description="Text.", doctype=""):
    return (f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel><title>Feed</title>'
            f'<link>https://feed.example/</link><item><title>{title}</title>'
            f'<link>https://feed.example/1</link><description>{description}</description></item>'
            '</channel></rss>').encode()
'''


def run_bounded(body: str, tmp_path: Path, timeout: float = TIMEOUT) -> dict:
    """Run `body` (after PRELUDE) in a child with RLIMIT_AS; returns the JSON it reported."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {**os.environ, "TMP_DIR": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-"], input=PRELUDE + textwrap.dedent(body), cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{result['seconds']} s, peak {result['peak_mb']} MB")   # shown with -s, for the record
    return result


def test_the_memory_cap_is_real(tmp_path):
    """The harness itself: a child that allocates past the cap fails, it is not just slow."""
    with pytest.raises(AssertionError, match="MemoryError"):
        run_bounded("report(size=len(bytearray(2 * 1024 ** 3)))", tmp_path)


# --- XML entities --------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>")
QUADRATIC = '<!DOCTYPE q [<!ENTITY big "' + "A" * 100_000 + '">]>'


@pytest.mark.parametrize("doctype,reference", [(LAUGHS, "&lol9;"), (QUADRATIC, "&big;" * 20_000)],
                         ids=["billion-laughs", "quadratic-blowup"])
def test_entity_expansion_is_refused(tmp_path, doctype, reference):
    result = run_bounded(f"""
        from pipeline.ingest.sources.feed import parse_feed
        doctype, reference = {doctype!r}, {reference!r}
        arts, errs = parse_feed(rss(title="Storm " + reference, doctype=doctype), "bomb.xml")
        report(lengths=[len(a.title) + len(a.text) for a in arts], errors=[str(e) for e in errs])
    """, tmp_path)
    # Never expanded (10^9 'lol' or 2 GB of 'A'): at most the reference text itself survives.
    assert all(n < 200_000 for n in result["lengths"]), result
    assert result["errors"], result      # and the feed says it was malformed


XXE_CHILD = """
    import os
    from loopback import LoopbackServer, Response
    from pipeline.ingest.sources import read_file
    secret = Path(os.environ["TMP_DIR"]) / "secret.txt"
    secret.write_text("TOPSECRET-7d1f root:x:0:0")
    with LoopbackServer() as server:
        dtd = server.route("/evil.dtd", Response(200, b'<!ENTITY leak SYSTEM "file://' + str(secret).encode() + b'">'))
        ent = server.route("/ent", Response(200, b"FETCHED-FROM-NETWORK"))
        cases = {
            "file-entity": f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>',
            "passwd-entity": '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            "parameter-entity": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
            "external-dtd": f'<!DOCTYPE r SYSTEM "{dtd}">',
            "network-entity": f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{ent}">]>',
        }
        out = {}
        for name, doctype in cases.items():
            for kind, doc in (
                ("rss", rss(title="A &xxe; &leak; B", description="C &xxe; D", doctype=doctype)),
                ("atom", (f'<?xml version="1.0"?>{doctype}<feed xmlns="http://www.w3.org/2005/Atom">'
                          '<title>F</title><id>urn:f</id><entry><title>A &xxe; &leak; B</title>'
                          '<id>urn:e</id><link href="https://feed.example/e"/>'
                          '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">C &xxe; D</div>'
                          '</content></entry></feed>').encode()),
                ("html-in-feed", rss(description="&lt;!DOCTYPE html [&lt;!ENTITY xxe SYSTEM "
                                     f"'file://{secret}'&gt;]&gt;&lt;p&gt;C &amp;xxe; D&lt;/p&gt;")),
            ):
                path = Path(os.environ["TMP_DIR"]) / f"{name}-{kind}.xml"
                path.write_bytes(doc)
                arts, errs = read_file(path)
                out[f"{name}/{kind}"] = "\\n".join(f"{a.title}\\n{a.text}\\n{a.summary}" for a in arts)
        report(texts=out, requests=[r.path for r in server.requests])
"""


def test_external_entities_are_never_resolved(tmp_path):
    result = run_bounded(XXE_CHILD, tmp_path)
    assert len(result["texts"]) == 15
    for case, text in result["texts"].items():
        assert "TOPSECRET" not in text and "root:x:0:0" not in text, case
        assert "FETCHED-FROM-NETWORK" not in text, case
    assert result["requests"] == []      # no DTD or entity was fetched either


# --- decompression bombs and oversized bodies over HTTP -------------------------------------------

BOMB_CHILD = """
    import gzip, zlib
    from loopback import LoopbackServer, Response
    from pipeline.config import SourceSpec
    from pipeline.ingest.collect import ingest
    chunk = b"<!-- " + b"A" * (16 * 1024 * 1024) + b" -->"
    member = gzip.compress(chunk, 9)
    GZIP_BOMB = member * 64                            # 64 gzip members: 1 GiB once decoded
    DEFLATE_BOMB = zlib.compress(chunk * 8, 9)         # one stream: 128 MiB once decoded
    good = rss(title="A good story", description="It is fine.")
    with LoopbackServer() as server:
        urls = {
            "gzip": server.route("/gz.xml", Response(200, GZIP_BOMB, (("Content-Type", "application/rss+xml"),
                                                                     ("Content-Encoding", "gzip")))),
            "deflate": server.route("/df.xml", Response(200, DEFLATE_BOMB, (("Content-Type", "application/rss+xml"),
                                                                          ("Content-Encoding", "deflate")))),
            "good": server.route("/good.xml", Response.feed(good)),
        }
        result = ingest([SourceSpec(name=k, url=u) for k, u in urls.items()], progress=False,
                        max_bytes=20 * 1024 * 1024, fetch_timeout=10.0, fetch_options={"retries": 0})
    report(compressed=[len(GZIP_BOMB), len(DEFLATE_BOMB)], urls=urls,
           errors={e.origin: e.message for e in result.errors if not e.warning},
           titles=[a.title for a in result.articles])
"""


def test_decompression_bombs_stop_at_max_bytes(tmp_path):
    result = run_bounded(BOMB_CHILD, tmp_path)
    urls, errors = result["urls"], result["errors"]
    assert set(errors) == {urls["gzip"], urls["deflate"]}
    for kind in ("gzip", "deflate"):
        assert "decoded body exceeds the limit of 20971520 bytes" in errors[urls[kind]], errors
    assert result["titles"] == ["A good story"]
    assert result["peak_mb"] < 1024      # a GiB decoded would not fit; the cap is 20 MiB


BIG_HTTP_CHILD = """
    from loopback import LoopbackServer, Response, without_length
    from pipeline.config import SourceSpec
    from pipeline.ingest.collect import ingest
    body = rss(description="x" * (50 * 1024 * 1024))
    with LoopbackServer() as server:
        declared = server.route("/declared.xml", Response.feed(body))
        undeclared = server.route("/undeclared.xml", without_length(body))
        result = ingest([SourceSpec(name="d", url=declared), SourceSpec(name="u", url=undeclared)],
                        progress=False, fetch_timeout=10.0, fetch_options={"retries": 0})
    report(size=len(body), declared=declared, undeclared=undeclared,
           errors={e.origin: e.message for e in result.errors}, articles=len(result.articles))
"""


def test_a_50_mb_feed_over_http_is_capped(tmp_path):
    result = run_bounded(BIG_HTTP_CHILD, tmp_path)
    errors = result["errors"]
    assert result["articles"] == 0
    assert f"body of {result['size']} bytes exceeds the limit of 20971520 bytes" in errors[result["declared"]]
    assert "body exceeds the limit of 20971520 bytes" in errors[result["undeclared"]]


def test_a_50_mb_feed_file_is_refused_with_a_clear_error(tmp_path):
    big = tmp_path / "big.xml"
    with big.open("wb") as f:
        f.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><description>')
        f.write(b"x" * (50 * MB))
        f.write(b"</description></item></channel></rss>")
    result = run_bounded(f"""
        from pipeline.config import SourceSpec
        from pipeline.ingest.collect import ingest
        from pipeline.ingest.sources import read_file
        arts, errs = read_file(Path({str(big)!r}))
        folder = ingest([SourceSpec(name="folder", path=Path({str(tmp_path)!r}))], progress=False)
        report(articles=len(arts), errors=[str(e) for e in errs],
               folder_errors=[str(e) for e in folder.errors])
    """, tmp_path)
    size = big.stat().st_size
    expected = f"{big}: error: file too large ({size:,} bytes; the limit is 20,971,520)"
    assert result == {**result, "articles": 0, "errors": [expected], "folder_errors": [expected]}


# --- a 10 MB line, deep nesting -------------------------------------------------------------------

LINE_CASES = {
    # what goes in, and what a sane result is: the text kept, or an empty text (never a crash)
    "rss-plain": ('rss(description="word " * (2 * 1024 * 1024))', "kept"),
    "rss-html": ('rss(description="&lt;p&gt;" + "word " * (2 * 1024 * 1024))', "any"),
    "rss-no-spaces": ('rss(description="x" * (10 * 1024 * 1024))', "kept"),
    "json-text": ('json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
                  '"title": "T", "content_text": "word " * (2 * 1024 * 1024)}]}).encode()', "kept"),
    "text-file": ('b"A title\\n\\n" + b"word " * (2 * 1024 * 1024)', "kept"),
    "html-file": ('b"<html><body><p>" + b"word " * (2 * 1024 * 1024) + b"</p></body></html>"', "any"),
}


@pytest.mark.parametrize("case", list(LINE_CASES))
def test_a_10_mb_single_line(tmp_path, case):
    make, expect = LINE_CASES[case]
    suffix = {"json-text": ".json", "text-file": ".txt", "html-file": ".html"}.get(case, ".xml")
    result = run_bounded(f"""
        import os
        from pipeline.ingest.sources import read_file
        path = Path(os.environ["TMP_DIR"]) / ("line" + {suffix!r})
        path.write_bytes({make})
        arts, errs = read_file(path)
        report(size=path.stat().st_size, lengths=[len(a.text) for a in arts], errors=[str(e) for e in errs],
               newlines=[a.text.count("\\n") for a in arts])
    """, tmp_path)
    assert result["size"] > 10 * 1000 * 1000
    if expect == "kept":
        assert len(result["lengths"]) == 1 and result["lengths"][0] >= 10 * 1000 * 1000 - 20, result
    else:  # libxml2 will not build a text node over 10 MB: an empty article or a clear error
        assert result["lengths"] in ([0], []) and (result["lengths"] or result["errors"]), result


NEST_CASES = {
    "xml-elements": ('rss(description="<a>" * 100_000 + "deep" + "</a>" * 100_000)', ".xml"),
    "html-in-feed": ('rss(description="&lt;div&gt;" * 100_000 + "deep" + "&lt;/div&gt;" * 100_000)', ".xml"),
    "html-unclosed": ('rss(description="&lt;b&gt;&lt;i&gt;" * 100_000 + "deep")', ".xml"),
    "json": ('b\'{"version": "https://jsonfeed.org/version/1.1", "items": \' + b"[" * 200_000 + '
             'b"]" * 200_000 + b"}"', ".json"),
    "json-objects": ('b\'{"version": "https://jsonfeed.org/version/1.1", "items": [{"title": "T", "x": \' + '
                     'b\'{"a": \' * 100_000 + b"1" + b"}" * 100_000 + b"}]}"', ".json"),
    "html-file": ('b"<html><body>" + b"<div>" * 100_000 + b"<p>deep text</p>" + b"</div>" * 100_000 + '
                  'b"</body></html>"', ".html"),
}


@pytest.mark.parametrize("case", list(NEST_CASES))
def test_deep_nesting(tmp_path, case):
    make, suffix = NEST_CASES[case]
    result = run_bounded(f"""
        import os
        from pipeline.ingest.sources import read_file, parse_document
        data = {make}
        path = Path(os.environ["TMP_DIR"]) / ("deep" + {suffix!r})
        path.write_bytes(data)
        arts, errs = read_file(path)
        # the HTTP path parses with parse_document, outside read_file's safety net
        arts2, errs2 = parse_document(data, "https://feed.example/deep")
        report(articles=len(arts), errors=[str(e) for e in errs], errors2=[str(e) for e in errs2],
               same=[a.id for a in arts] == [a.id for a in arts2])
    """, tmp_path)
    assert result["articles"] or result["errors"], result       # a result, or a clear error
    assert result["same"], result                               # and the same over HTTP
    assert not any("RecursionError" in e or "failed to read" in e for e in result["errors"]), result
    if case == "json":
        assert result["errors2"] == ["https://feed.example/deep: error: invalid JSON Feed: nested too deeply"]
