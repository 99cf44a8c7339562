"""The review page in real Chromium (Debian's /usr/bin/chromium driven by Playwright's Python
package, never a browser download) against `newsdesk outbox serve --port 0` on the seeds' digest,
made by `newsdesk digest` as a user would. Chromium missing is a failure, not a skip.
Set NEWSDESK_SCREENSHOTS=DIR to keep the 1280 and 375 px screenshots for a person to look at."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from pipeline.outbox.edit import measure
from pipeline.outbox.manifest import _sha
from review_fixtures import ROOT, NETWORKS, entry, manifest, seeds_digest

expect.set_options(timeout=20_000)   # the machine is shared: waits, never fixed sleeps


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("seeds")
    return seeds_digest(base / "outbox", base / "state")


class Served:
    def __init__(self, folder: Path, proc: subprocess.Popen, url: str):
        self.folder, self.proc, self.url = folder, proc, url
        self.origin = url.split("/?")[0]
        self.key = url.split("#key=")[1]


@pytest.fixture
def served(seeds, tmp_path) -> Served:
    box = tmp_path / "outbox"
    shutil.copytree(seeds.parent, box)
    folder = box / seeds.name
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "outbox", "--outbox", str(box), "serve",
                             "--port", "0", "--no-browser", "--by", "rita"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("Review page: http://127.0.0.1:"), proc.stderr.read()
    yield Served(folder, proc, line.split("Review page: ")[1].strip())
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 0


@pytest.fixture
def page(browser, served) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.goto(served.url)
    yield p
    context.close()


def draft(page: Page, e: dict):
    return page.locator(f"#draft-{e['id']}")


def test_the_page_lists_all_five_networks_drafts_with_their_counts(page, served):
    assert page.url == served.origin + "/"                     # the token left the address bar
    story = manifest(served.folder)["stories"][0]
    expect(page.get_by_role("heading", name=story["headline"], exact=True)).to_be_visible()
    for network in NETWORKS:
        e = entry(served.folder, network)
        m = measure(network, (served.folder / e["path"]).read_text())
        expect(draft(page, e).locator("output.count")).to_have_text(f"{m.length} / {m.limit}")
    expect(page.get_by_role("button", name="Approve all")).to_be_visible()


def test_approve_flips_the_manifest(page, served):
    e = entry(served.folder, "mastodon")
    draft(page, e).get_by_role("button", name="Approve").click()
    expect(page.locator("p.notice")).to_have_text("Approved.")
    expect(draft(page, e).locator(".badge").first).to_have_text("approved")
    last = entry(served.folder, "mastodon")["history"][-1]
    assert (entry(served.folder, "mastodon")["status"], last["by"]) == ("approved", "rita")


def test_an_edit_saved_through_the_page_is_on_disk_with_its_payload_regenerated(page, served):
    e = entry(served.folder, "bluesky")
    text = "Lupus in remission \u2014 f\u00fcnf Patienten https://example.org/lupus #Lupus"
    draft(page, e).get_by_role("textbox", name="Text of the Bluesky post").fill(text)
    expect(draft(page, e).locator("output.count")).to_have_text(f"{measure('bluesky', text).length} / 300")
    draft(page, e).get_by_role("button", name="Save").click()
    expect(page.locator("p.notice")).to_have_text("Saved.")
    assert (served.folder / e["path"]).read_text() == text + "\n"
    record = json.loads((served.folder / e["extra"][0]["path"]).read_text())
    raw = text.encode("utf-8")
    assert record["text"] == text
    assert [raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in record["facets"]] == [
        "https://example.org/lupus", "#Lupus"]
    assert entry(served.folder, "bluesky")["history"][-1]["reason"] == "edited in the review page"


def test_an_over_limit_edit_is_refused_with_a_message_and_stays_in_the_box(page, served):
    e = entry(served.folder, "x")
    before = (served.folder / e["path"]).read_bytes()
    typed = "Remission for five patients after one infusion. " * 7
    box = draft(page, e).get_by_role("textbox", name="Text of the X post")
    box.fill(typed)
    counter = draft(page, e).locator("output.count")
    expect(counter).to_have_text(f"{measure('x', typed).length} / 280")     # live, from the server
    expect(counter).to_have_class("count state-over")
    draft(page, e).get_by_role("button", name="Save").click()
    expect(draft(page, e).get_by_role("alert")).to_contain_text("over the limit of 280")
    expect(draft(page, e)).to_be_focused()                    # the page opens at the refused draft
    assert draft(page, e).get_by_role("textbox", name="Text of the X post").input_value() == typed
    assert (served.folder / e["path"]).read_bytes() == before


def test_the_approve_request_replayed_from_elsewhere_changes_nothing(page, served):
    e = entry(served.folder, "threads")
    page.route("**/approve", lambda route: route.abort())        # caught on its way, never sent
    with page.expect_request("**/approve") as caught:
        draft(page, e).get_by_role("button", name="Approve").click()
    request = caught.value
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    headers = {k.lower(): v for k, v in request.headers.items()
               if k.lower() in ("content-type", "origin", "x-newsdesk-key")}
    assert headers["origin"] == served.origin
    assert headers["x-newsdesk-key"] == served.url.split("#key=")[1]     # the key, from the link's fragment
    before = (served.folder / "manifest.json").read_bytes()

    def replay(extra_headers: dict, cookies: dict) -> int:
        with httpx.Client(cookies=cookies) as c:
            return c.post(request.url, content=request.post_data_buffer,
                          headers={**headers, **{k.lower(): v for k, v in extra_headers.items()}}).status_code

    assert replay({"Origin": "http://evil.example"}, cookie) == 403
    assert replay({}, {}) == 403
    assert replay({"Host": "evil.example"}, cookie) == 400
    assert replay({"X-Newsdesk-Key": ""}, cookie) == 403
    assert (served.folder / "manifest.json").read_bytes() == before
    assert replay({}, cookie) == 303          # the same request from the page itself does work
    assert entry(served.folder, "threads")["status"] == "approved"


def test_a_draft_changed_on_disk_after_loading_shows_the_conflict(page, served):
    e = entry(served.folder, "linkedin")
    (served.folder / e["path"]).write_text("Refreshed by a run meanwhile\n")
    draft(page, e).get_by_role("textbox", name="Text of the LinkedIn post").fill("My reviewed text")
    draft(page, e).get_by_role("button", name="Save").click()
    expect(draft(page, e).get_by_role("alert")).to_contain_text("changed on disk since the page was loaded")
    expect(draft(page, e).locator(".conflict pre")).to_have_text("Refreshed by a run meanwhile\n")
    assert draft(page, e).get_by_role("textbox", name="Text of the LinkedIn post").input_value() == "My reviewed text"
    assert (served.folder / e["path"]).read_text() == "Refreshed by a run meanwhile\n"


def test_keyboard_shortcuts(page, served):
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("j")
    first = manifest(served.folder)["drafts"][0]
    expect(page.locator(f"#draft-{first['id']}")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator(f"#draft-{first['id']}")).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("p.notice")).to_have_text("Approved.")
    assert manifest(served.folder)["drafts"][0]["status"] == "approved"
    x = entry(served.folder, "x")
    for _ in range(len(manifest(served.folder)["drafts"])):
        if page.evaluate("document.activeElement.id") == f"draft-{x['id']}":
            break
        page.keyboard.press("j")
    page.keyboard.press("e")
    expect(draft(page, x).get_by_role("textbox", name="Text of the X post")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(draft(page, x).get_by_role("textbox", name="Reason for rejecting")).to_be_focused()


def test_the_digest_previews_are_sandboxed_and_run_no_script(browser, served):
    html = served.folder / "digest.html"
    html.write_text(html.read_text().replace("</body>", "<script>document.title='ran'</script></body>"))
    context = browser.new_context(viewport={"width": 1280, "height": 4000})
    page = context.new_page()
    page.goto(served.url)
    frames = page.locator("iframe")
    expect(frames).to_have_count(4)
    for i in range(4):
        assert frames.nth(i).get_attribute("sandbox") == ""
    headline = manifest(served.folder)["stories"][0]["headline"]
    colours = {}
    for frame in page.frames[1:]:
        frame.wait_for_load_state()
        assert headline in frame.inner_text("body")
        assert frame.title() != "ran"
        colours[frame.url.split("scheme=")[1]] = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colours["light"] != colours["dark"]
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshot_of_the_seeds_digest_page(browser, served, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(served.url)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": width, "height": height})   # every iframe on screen, painted
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"the page scrolls sideways at {width} px: {sizes}"
    shot = tmp_path / f"review-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("NEWSDESK_SCREENSHOTS"):
        keep = Path(os.environ["NEWSDESK_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
    context.close()


class _CookieCatcher(http.server.BaseHTTPRequestHandler):
    """Another local server, as a link in a feed might point to: it keeps what the browser sends."""
    seen: list[str] = []

    def do_GET(self):
        type(self).seen.append(self.headers.get("Cookie", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html><title>elsewhere</title>")

    def log_message(self, *args):
        pass


def test_a_cookie_caught_by_another_local_port_cannot_change_anything(page, served):
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CookieCatcher)
    _CookieCatcher.seen = []
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")     # the reviewer follows a link
        expect(page).to_have_title("elsewhere")
    finally:
        other.shutdown()
        other.server_close()
    caught = dict(c.split("=", 1) for c in _CookieCatcher.seen[0].split("; ") if "=" in c)
    assert caught, "the browser sent the review cookie to the other port"   # cookies ignore ports
    e = entry(served.folder, "mastodon")
    before = (served.folder / "manifest.json").read_bytes()
    with httpx.Client(cookies=caught, base_url=served.origin) as c:
        shown = c.get("/")                               # it may read the page, which holds no key
        assert shown.status_code == 200 and served.key not in shown.text
        r = c.post(f"/drafts/{e['id']}/reject", data={"reason": "forged"},
                   headers={"Origin": served.origin, "Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 403
        r = c.post(f"/d/{served.folder.name}/approve-all", headers={"Origin": served.origin},
                   data={"seen": [f"{d['id']}:{d['sha256']}" for d in manifest(served.folder)["drafts"]]})
        assert r.status_code == 403
    assert (served.folder / "manifest.json").read_bytes() == before


# ---------------------------------------------------------------- typed text is never dropped

def test_typed_text_then_approve_approves_the_typed_text(page, served):
    e, other = entry(served.folder, "mastodon"), entry(served.folder, "bluesky")
    typed = "Five patients in remission after one infusion https://example.org/lupus #Lupus"
    draft(page, other).get_by_role("textbox", name="Text of the Bluesky post").fill("Half-written, kept")
    draft(page, e).get_by_role("textbox", name="Text of the Mastodon post").fill(typed)
    draft(page, e).get_by_role("button", name="Approve").click()
    expect(page.locator("p.notice")).to_have_text("Approved.")
    now = entry(served.folder, "mastodon")
    assert (served.folder / e["path"]).read_text() == typed + "\n"
    assert now["status"] == "approved" and now["sha256"] == _sha((served.folder / e["path"]).read_bytes())
    assert [h["status"] for h in now["history"][-2:]] == ["draft", "approved"]
    assert now["history"][-2]["reason"] == "edited in the review page"
    # The other box still holds its text, unsaved, and the page still says so before leaving.
    box = draft(page, other).get_by_role("textbox", name="Text of the Bluesky post")
    assert box.input_value() == "Half-written, kept"
    assert (served.folder / other["path"]).read_text() != "Half-written, kept\n"
    assert page.evaluate("!!document.querySelector('#text-%s[data-unsaved]')" % other["id"])


def test_typed_text_the_network_refuses_blocks_the_approve_and_stays_in_the_box(page, served):
    e = entry(served.folder, "x")
    before = (served.folder / e["path"]).read_bytes()
    typed = "Remission for five patients after one infusion. " * 7
    draft(page, e).get_by_role("textbox", name="Text of the X post").fill(typed)
    draft(page, e).get_by_role("button", name="Approve").click()
    expect(draft(page, e).get_by_role("alert")).to_contain_text("Not approved")
    assert draft(page, e).get_by_role("textbox", name="Text of the X post").input_value() == typed
    assert entry(served.folder, "x")["status"] == "draft"
    assert (served.folder / e["path"]).read_bytes() == before


def test_reject_with_typed_text_asks_first(page, served):
    e = entry(served.folder, "threads")
    draft(page, e).get_by_role("textbox", name="Text of the Threads post").fill("Something better")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    draft(page, e).get_by_role("button", name="Reject").click()
    page.wait_for_function("true")
    assert asked and "not saved" in asked[0]
    assert entry(served.folder, "threads")["status"] == "draft"
    page.once("dialog", lambda d: d.accept())
    draft(page, e).get_by_role("button", name="Reject").click()
    expect(page.locator("p.notice")).to_have_text("Rejected.")
    assert entry(served.folder, "threads")["status"] == "rejected"


def test_approve_all_asks_first_and_waits_for_typed_text(page, served):
    pending = len(manifest(served.folder)["drafts"])
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Approve all").click()
    page.wait_for_function("true")
    assert asked and f"Approve all {pending} drafts" in asked[0]
    assert {d["status"] for d in manifest(served.folder)["drafts"]} == {"draft"}
    e = entry(served.folder, "linkedin")
    draft(page, e).get_by_role("textbox", name="Text of the LinkedIn post").fill("Not saved yet")
    page.get_by_role("button", name="Approve all").click()             # no question: refused first
    expect(page.locator("#script-notice")).to_contain_text("Nothing approved: 1 draft(s) hold text")
    expect(draft(page, e)).to_be_focused()
    assert {d["status"] for d in manifest(served.folder)["drafts"]} == {"draft"}
    draft(page, e).get_by_role("textbox", name="Text of the LinkedIn post").fill(
        (served.folder / e["path"]).read_text())            # back as it was
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Approve all").click()
    expect(page.locator("p.notice")).to_have_text("Approved every draft still in draft.")
    assert {d["status"] for d in manifest(served.folder)["drafts"]} == {"approved"}


def test_leaving_the_page_with_typed_text_warns(page, served):
    e = entry(served.folder, "mastodon")
    draft(page, e).get_by_role("textbox", name="Text of the Mastodon post").fill("Typed, not saved")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    with pytest.raises(Exception):
        page.goto(served.origin + "/", timeout=5_000)
    assert asked == ["beforeunload"]
    assert draft(page, e).get_by_role("textbox", name="Text of the Mastodon post").input_value() == "Typed, not saved"


# ---------------------------------------------------------------- a correction from the page

def test_take_this_source_out_moves_it_and_renders_the_drafts_again_at_once(browser, seeds, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(seeds.parent, base / "outbox")
    shutil.copytree(seeds.parent.parent / "state", base / "state")
    folder = base / "outbox" / seeds.name
    story = manifest(folder)["stories"][0]
    members = sorted(r["article_id"] for r in story["sources"])
    assert len(members) > 2
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--state-dir", str(base / "state"), "outbox",
                             "--outbox", str(base / "outbox"), "serve", "--port", "0", "--no-browser",
                             "--by", "rita"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("Review page: http://127.0.0.1:"), proc.stderr.read()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(line.split("Review page: ")[1].strip())
        leaving = members[-1]
        row = page.locator(f"#story-{story['id']} ul.sources li").filter(
            has=page.locator(f"input[name=article][value='{leaving}']"))
        expect(row.locator("span.why")).to_contain_text("joined:")
        row.get_by_role("button", name="take this source out").click()
        expect(page.locator("p.notice")).to_have_text(
            "Source taken out of its story; the drafts still in draft were rendered again.")
        after = {s["id"]: sorted(r["article_id"] for r in s["sources"]) for s in manifest(folder)["stories"]}
        assert after[story["id"]] == [m for m in members if m != leaving]     # the story keeps its id
        assert [leaving] in [v for k, v in after.items() if k != story["id"]]
        expect(page.locator(f"#story-{story['id']} ul.sources li")).to_have_count(len(members) - 1)
    finally:
        context.close()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
