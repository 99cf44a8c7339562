"""The review page's routes in-process (Starlette's TestClient over the real app and outbox):
the session and its guard, the same rules as the CLI through the same functions, escaping."""
from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline import outbox
from pipeline.outbox.edit import measure
from pipeline.outbox.manifest import _sha
from pipeline.outbox.page import DIGEST_CSP, PAGE_CSP, cookie_name, create_app
from review_fixtures import entry, fixture_digest, manifest

PORT = 8123
ORIGIN = f"http://127.0.0.1:{PORT}"
KEY = {"X-Newsdesk-Key": "the-key"}       # what review.js sends with each change


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return fixture_digest(tmp_path)


def client(folder: Path, *, session: bool = True) -> TestClient:
    app = create_app(folder.parent, port=PORT, token="the-token", session="the-session", key="the-key",
                     by="ann")
    c = TestClient(app, base_url=ORIGIN, follow_redirects=False)
    if session:
        assert c.get("/?token=the-token").status_code == 303
    return c


def post(c: TestClient, path: str, data: dict | None = None, **headers: str):
    return c.post(path, data=data or {}, headers={"Origin": ORIGIN, **KEY, **headers})


def sha(folder: Path, e: dict) -> str:
    return _sha((folder / e["path"]).read_bytes())


# ---------------------------------------------------------------- the session and its guard

def test_the_token_sets_a_strict_session_cookie_and_leaves_the_address(folder):
    c = client(folder, session=False)
    r = c.get("/?token=the-token")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{cookie_name(PORT)}=the-session;")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "the-token" not in cookie
    page = c.get("/")
    assert page.status_code == 200 and "Approve all" in page.text


def test_a_wrong_token_sets_nothing(folder):
    c = client(folder, session=False)
    r = c.get("/?token=guess")
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert c.get("/").status_code == 403


@pytest.mark.parametrize("path", ["/", "/d/2024-05-01-morning", "/d/2024-05-01-morning/digest.html",
                                  "/static/review.js"])
def test_every_page_needs_the_session_cookie(folder, path):
    r = client(folder, session=False).get(path)
    assert r.status_code == 403 and "printed" in r.text
    assert client(folder).get(path).status_code == 200      # and with it, each one answers


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1", f"127.0.0.1:{PORT + 1}",
                                  f"localhost:{PORT + 1}", f"127.0.0.1.nip.io:{PORT}", f"[::1]:{PORT}"])
def test_a_foreign_host_header_is_refused_dns_rebinding(folder, host):
    c = client(folder)
    assert c.get("/", headers={"Host": host}).status_code == 400
    assert c.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 200


# Each replay of an approve, and whether the page may accept it.
REPLAYS = {
    "the page itself": ({"Origin": ORIGIN, **KEY}, True, 303),
    "no Origin but Sec-Fetch-Site same-origin": ({"Sec-Fetch-Site": "same-origin", **KEY}, True, 303),
    "a foreign Origin": ({"Origin": "http://evil.example", **KEY}, True, 403),
    "another local port": ({"Origin": f"http://127.0.0.1:{PORT + 1}", **KEY}, True, 403),
    "Origin null (a sandboxed frame)": ({"Origin": "null", **KEY}, True, 403),
    "cross-site, no Origin": ({"Sec-Fetch-Site": "cross-site", **KEY}, True, 403),
    "neither Origin nor Sec-Fetch-Site": (KEY, True, 403),
    "no session cookie": ({"Origin": ORIGIN, **KEY}, False, 403),
    "a foreign Host": ({"Origin": "http://evil.example:8123", "Host": f"evil.example:{PORT}", **KEY}, True, 400),
    # The cookie reaches every port of 127.0.0.1; the key, only the page's own script.
    "the cookie and our Origin, without the key": ({"Origin": ORIGIN}, True, 403),
    "the cookie and our Origin, a wrong key": ({"Origin": ORIGIN, "X-Newsdesk-Key": "the-kez"}, True, 403),
}


@pytest.mark.parametrize("case", REPLAYS)
def test_an_approve_is_accepted_only_from_the_page_itself(folder, case):
    headers, with_cookie, expected = REPLAYS[case]
    e = entry(folder, "x", "s-cart")
    before = (folder / "manifest.json").read_bytes()
    c = client(folder, session=with_cookie)
    r = c.post(f"/drafts/{e['id']}/approve", data={"sha": sha(folder, e)}, headers=headers)
    assert r.status_code == expected
    if expected == 303:
        assert entry(folder, "x", "s-cart")["status"] == "approved"
        assert entry(folder, "x", "s-cart")["history"][-1]["by"] == "ann"
    else:
        assert (folder / "manifest.json").read_bytes() == before


@pytest.mark.parametrize("path", ["/drafts/{id}/approve", "/drafts/{id}/reject", "/drafts/{id}/save",
                                  "/d/2024-05-01-morning/approve-all"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_no_change_by_any_method_but_post(folder, path, method):
    e = entry(folder, "x", "s-cart")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    r = client(folder).request(method, path.format(id=e["id"]) + f"?sha={sha(folder, e)}&text=x",
                               headers={"Origin": ORIGIN, **KEY})
    assert r.status_code == 405
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_the_page_and_the_digest_carry_strict_headers(folder):
    c = client(folder)
    page = c.get("/")
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline" not in PAGE_CSP
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"
    digest = c.get("/d/2024-05-01-morning/digest.html")
    assert digest.headers["content-security-policy"] == DIGEST_CSP
    assert DIGEST_CSP.startswith("sandbox;") and "script-src" not in DIGEST_CSP
    frames = re.findall(r"<iframe\b[^>]*>", page.text)
    assert len(frames) == 4 and all(' sandbox=""' in f for f in frames)


def test_the_dark_preview_applies_the_dark_rules(folder):
    c = client(folder)
    plain = c.get("/d/2024-05-01-morning/digest.html").text
    dark = c.get("/d/2024-05-01-morning/digest.html?scheme=dark").text
    light = c.get("/d/2024-05-01-morning/digest.html?scheme=light").text
    assert plain == (folder / "digest.html").read_text() and "prefers-color-scheme: dark" in plain
    assert "prefers-color-scheme" not in dark and "@media all" in dark
    assert "prefers-color-scheme" not in light and "@media not all" in light


# ---------------------------------------------------------------- escaping

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_feed_text_is_escaped_and_only_http_links_are_links(folder):
    text = client(folder).get("/").text
    parser = _Tags()
    parser.feed(text)
    scripts = [a for t, a in parser.tags if t == "script"]
    assert scripts == [{"src": "/static/review.js", "defer": None}]
    assert not any(k.startswith("on") for _, a in parser.tags for k in a)
    hrefs = [a["href"] for t, a in parser.tags if t == "a"]
    assert hrefs and all(h.startswith(("https://", "http://", "/d/")) for h in hrefs), hrefs
    assert "javascript:" not in text and "data:text/html" not in text
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in text     # the hostile headline, as text
    assert "<img" not in text


# ---------------------------------------------------------------- the CLI's rules, through its functions

def test_each_network_draft_is_shown_with_the_validators_count(folder):
    text = client(folder).get("/").text
    for network in ("x", "bluesky", "mastodon", "threads", "linkedin"):
        e = entry(folder, network, "s-cart")
        m = measure(network, (folder / e["path"]).read_text())
        assert m.limit and m.length > 50
        block = text.split(f'id="draft-{e["id"]}"', 1)[1].split("</section>", 1)[0]
        assert f"{m.length} / {m.limit}" in block, network


def test_an_over_limit_save_is_refused_with_the_limit_and_the_text_stays_in_the_box(folder):
    e = entry(folder, "x", "s-cart")
    before = (folder / e["path"]).read_bytes()
    typed = "Over <b>the</b> limit & more " * 12
    r = post(client(folder), f"/drafts/{e['id']}/save", {"text": typed, "base": sha(folder, e)})
    assert r.status_code == 422
    assert "over the limit of 280" in r.text
    box = re.search(rf'<textarea id="text-{e["id"]}"[^>]*>(.*?)</textarea>', r.text, re.S).group(1)
    assert box == typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert (folder / e["path"]).read_bytes() == before


def test_a_saved_edit_is_on_disk_with_its_payload_regenerated_and_in_the_history(folder):
    e = entry(folder, "bluesky", "s-cart")
    r = post(client(folder), f"/drafts/{e['id']}/save",
             {"text": "Gr\u00fc\u00dfe https://example.org/a #Kids\r\n", "base": sha(folder, e)})
    assert r.status_code == 303 and r.headers["location"] == f"/d/2024-05-01-morning?done=saved#draft-{e['id']}"
    assert (folder / e["path"]).read_text() == "Gr\u00fc\u00dfe https://example.org/a #Kids\n"
    record = json.loads((folder / e["extra"][0]["path"]).read_text())
    assert record["text"] == "Gr\u00fc\u00dfe https://example.org/a #Kids"
    assert [f["index"] for f in record["facets"]] == [{"byteStart": 8, "byteEnd": 29}, {"byteStart": 30, "byteEnd": 35}]
    last = entry(folder, "bluesky", "s-cart")["history"][-1]
    assert (last["by"], last["reason"]) == ("ann", "edited in the review page")


def test_a_draft_changed_on_disk_since_the_page_was_loaded_is_not_overwritten(folder):
    e = entry(folder, "mastodon", "s-cart")
    shown = sha(folder, e)
    (folder / e["path"]).write_text("A run refreshed this\n")
    r = post(client(folder), f"/drafts/{e['id']}/save", {"text": "My edit", "base": shown})
    assert r.status_code == 409
    assert "changed on disk since the page was loaded" in r.text and "A run refreshed this" in r.text
    assert re.search(rf'<textarea id="text-{e["id"]}"[^>]*>My edit</textarea>', r.text)
    assert (folder / e["path"]).read_text() == "A run refreshed this\n"
    new_base = re.search(rf'action="/drafts/{e["id"]}/save".*?name="base" value="(\w+)"', r.text, re.S).group(1)
    assert new_base == sha(folder, e)                   # a second Save replaces it, knowingly


def test_approving_a_text_that_changed_since_it_was_shown_is_refused(folder):
    e = entry(folder, "threads", "s-cart")
    shown = sha(folder, e)
    (folder / e["path"]).write_text("changed\n")
    r = post(client(folder), f"/drafts/{e['id']}/approve", {"sha": shown})
    assert r.status_code == 409 and "changed on disk" in r.text
    assert entry(folder, "threads", "s-cart")["status"] == "draft"


def test_reject_records_the_reason(folder):
    e = entry(folder, "linkedin", "s-cart")
    r = post(client(folder), f"/drafts/{e['id']}/reject", {"reason": "off <topic>"})
    assert r.status_code == 303
    last = entry(folder, "linkedin", "s-cart")["history"][-1]
    assert (last["status"], last["by"], last["reason"]) == ("rejected", "ann", "off <topic>")
    assert "off &lt;topic&gt;" in client(folder).get("/").text


def test_an_invalid_transition_is_refused_like_the_cli(folder):
    e = entry(folder, "x", "s-cart")
    c = client(folder)
    post(c, f"/drafts/{e['id']}/reject")
    r = post(c, f"/drafts/{e['id']}/approve", {"sha": sha(folder, e)})
    assert r.status_code == 409 and "cannot make it approved" in r.text


def test_approve_all_approves_what_was_shown_and_only_that(folder):
    c = client(folder)
    page = c.get("/").text
    seen = re.findall(r'name="seen" value="([^"]+)"', page)
    assert len(seen) == len(manifest(folder)["drafts"]) == 11   # one e-mail draft, 2 x 5 posts
    late = entry(folder, "x", "s-hostile")
    r = c.post("/d/2024-05-01-morning/approve-all", data={"seen": [s for s in seen if not s.startswith(late["id"])]},
               headers={"Origin": ORIGIN, **KEY})
    assert r.status_code == 409 and late["id"] in r.text
    assert {e["status"] for e in manifest(folder)["drafts"]} == {"draft"}
    r = c.post("/d/2024-05-01-morning/approve-all", data={"seen": seen}, headers={"Origin": ORIGIN, **KEY})
    assert r.status_code == 303
    assert {e["status"] for e in manifest(folder)["drafts"]} == {"approved"}


def test_measure_answers_with_the_validators_count(folder):
    e = entry(folder, "x", "s-cart")
    c = client(folder)
    r = post(c, f"/drafts/{e['id']}/measure", {"text": "\u65e5" * 150 + " https://example.org/" + "x" * 300},
             Accept="application/json")
    m = measure("x", "\u65e5" * 150 + " https://example.org/" + "x" * 300)
    assert r.json() == {"length": m.length, "limit": 280, "valid": False, "why": m.why, "state": "over",
                        "parts": [m.length]}
    assert r.json()["why"].endswith("over the limit of 280")
    page = post(c, f"/drafts/{e['id']}/measure", {"text": "short one", "base": sha(folder, e)})
    assert page.status_code == 200 and ">9 / 280<" in page.text      # without JavaScript: the page again
    assert (folder / e["path"]).read_text() != "short one\n"


def test_without_the_review_extra_the_command_says_which_to_install(folder, monkeypatch, capsys):
    from pipeline.cli import main

    for name in [m for m in sys.modules if m == "pipeline.outbox.serve" or m == "pipeline.outbox.page"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "uvicorn", None)       # as if it were not installed
    assert main(["outbox", "--outbox", str(folder.parent), "serve", "--no-browser"]) == 1
    assert "pip install 'newsdesk[review]'" in capsys.readouterr().err


def test_the_email_is_shown_with_its_headers_and_size_against_gmails_clipping(folder):
    text = client(folder).get("/").text
    assert "<dd>Newsdesk digest — Wednesday 1 May 2024</dd>" in text   # the Subject, decoded
    size = len((folder / "digest.html").read_bytes())
    assert f"{size / 1024:.1f} KB of HTML; Gmail clips a message over 102 KB</dd>" in text
    html = folder / "digest.html"
    html.write_text(html.read_text().replace("</body>", "<p>" + "x" * 110_000 + "</p></body>"))
    assert "this one will be clipped" in client(folder).get("/").text
    plain = (folder / "digest.txt").read_text()
    assert plain.splitlines()[0] in text


def test_the_link_card_names_the_source_behind_the_posts_link(folder):
    e = entry(folder, "x", "s-cart")
    text = client(folder).get("/").text
    block = text.split(f'id="draft-{e["id"]}"', 1)[1].split("</section>", 1)[0]
    card = block.split('aria-label="link card"', 1)[1].split("</div>", 1)[0]
    assert "health.example.com" in card and "Children&#39;s CAR T-cell therapy approved" in card
    assert "Health Wire" in card


def test_unknown_drafts_and_refused_transitions_are_short_pages(folder):
    c = client(folder)
    r = post(c, "/drafts/zzzzzz/approve", {"sha": "x"})
    assert r.status_code == 404 and "no draft" in r.text and "Back to the review page" in r.text
    assert c.get("/d/1999-01-01-nothing").status_code == 404
    e = entry(folder, "x", "s-cart")
    post(c, f"/drafts/{e['id']}/reject")
    r = post(c, f"/drafts/{e['id']}/reject", {"reason": "<again>"})
    assert r.status_code == 409 and "cannot make it rejected" in r.text and "<again>" not in r.text


def test_reading_the_page_changes_nothing_on_disk(folder):
    e = entry(folder, "x", "s-cart")
    (folder / e["path"]).write_text("edited by hand, not yet recorded\n")
    before = {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()}
    c = client(folder)
    for path in ("/", "/d/2024-05-01-morning", "/d/2024-05-01-morning/digest.html?scheme=dark",
                 "/static/review.css"):
        assert c.get(path).status_code == 200
    assert "edited by hand, not yet recorded" in c.get("/").text
    after = {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()}
    assert after == before


def test_a_thread_is_shown_part_by_part_with_each_parts_count(folder):
    from pipeline.render.posts import THREAD_SEPARATOR

    e = entry(folder, "mastodon", "s-cart")
    parts = ["1/2 The regulator approved the therapy.", "2/2 Hospitals expect the first treatments soon."]
    page = post(client(folder), f"/drafts/{e['id']}/measure", {"text": THREAD_SEPARATOR.join(parts),
                                                               "base": sha(folder, e)}).text
    listed = page.split('aria-label="thread parts"', 1)[1].split("</ol>", 1)[0]
    for part in parts:
        assert f'<span class="count">{measure("mastodon", part).length} / 500</span> {part}' in listed


def test_story_text_is_shown_without_bidi_overrides_or_controls(tmp_path):
    from pipeline.model import Draft, Member, SourceRef, Story

    spoof = "Bank \u202egnp.exe\u202c warns\x1b[2J"
    story = Story(id="s1", headline=spoof, summary=((spoof, "a1"),), members=(Member("a1", "seed"),),
                  sources=(SourceRef(spoof, "https://a.example/x", spoof, None, "a1"),))
    r = outbox.write_digest(tmp_path, __import__("datetime").date(2024, 5, 1), "m", [story],
                            [Draft("", "x", "posts/s/x.txt", "A post\n", story_id="s1")], {})
    text = client(r.folder).get("/").text
    assert "Bank gnp.exe warns[2J" in text
    assert not any(ch in text for ch in "\u202e\u202c\x1b")


def test_a_draft_being_sent_cannot_be_changed_and_a_sent_one_links_to_its_post(folder):
    x, bsky = entry(folder, "x", "s-cart"), entry(folder, "bluesky", "s-cart")
    for e in (x, bsky):
        outbox.set_status(folder.parent, [e["id"]], "approved", by="ann")
        outbox.set_status(folder.parent, [e["id"]], outbox.SENDING, by="deliver")
    outbox.set_status(folder.parent, [bsky["id"]], "sent", by="deliver",
                      remote={"id": "at://did/post/1", "url": "https://bsky.app/profile/a/post/1"})
    c = client(folder)
    text = c.get("/").text
    block = text.split(f'id="draft-{x["id"]}"', 1)[1].split("</section>", 1)[0]
    assert "outbox retry" in block and "<textarea" not in block and "<button" not in block
    sent = text.split(f'id="draft-{bsky["id"]}"', 1)[1].split("</section>", 1)[0]
    assert 'href="https://bsky.app/profile/a/post/1"' in sent and "<textarea" not in sent
    r = post(c, f"/drafts/{x['id']}/save", {"text": "late change", "base": sha(folder, x)})
    assert r.status_code == 409 and "is being sent" in r.text
    assert entry(folder, "x", "s-cart")["status"] == outbox.SENDING


@pytest.mark.parametrize("network,says", [("x", "a link to post it by hand"), ("threads", "a link to post it by hand"),
                                          ("mastodon", "Goes out with the next `newsdesk deliver`")])
def test_each_approved_draft_says_what_happens_next(folder, network, says):
    e = entry(folder, network, "s-cart")
    outbox.set_status(folder.parent, [e["id"]], "approved", by="ann")
    block = client(folder).get("/").text.split(f'id="draft-{e["id"]}"', 1)[1].split("</section>", 1)[0]
    assert says in block
