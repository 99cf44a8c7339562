"""The e-mail with pictures in real Chromium (Debian's /usr/bin/chromium driven by Playwright's
Python package, never a browser download), light and dark, 600 and 375 px wide: every picture
loads from an https server on 127.0.0.1 (nothing beyond loopback), none overflows the column,
and nothing moves when the pictures arrive (the layout is measured before they do: the server
holds them back). Screenshots are taken of each; set NEWSDESK_SCREENSHOTS=DIR to keep them.
Chromium missing is a failure, not a skip."""
from __future__ import annotations

import importlib.util
import os
import shutil
import struct
import time
from dataclasses import replace
from pathlib import Path

import pytest

from loopback import Response
from pictures import png, picture_server
from pipeline.model import Image
from pipeline.render.digest import DigestOptions, render_html

_spec = importlib.util.spec_from_file_location(
    "browser_newsletter_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

HOLD = 1.5      # seconds the picture server waits before answering: the page is measured first
# (stated size or None, the picture's real size): stated like a feed's media:content, or not
# stated at all (a 4:3 picture then shown in the 16:9 frame), a portrait, one narrower than the column.
SHAPES = [((640, 360), (640, 360)), (None, (480, 360)), ((300, 450), (300, 450)), ((400, 300), (400, 300)),
          ((800, 450), (800, 450))]


def _held(data: bytes):
    def handle(request, h):
        time.sleep(HOLD)
        return Response(200, data, (("Content-Type", "image/png"), ("Cache-Control", "no-store")))
    return handle


@pytest.fixture(scope="module")
def newsletter(tmp_path_factory):
    """The e-mail of ten stories (and the hostile one) with pictures served by the loopback https
    server; yields (html, the stories)."""
    tmp = tmp_path_factory.mktemp("pictures")
    made = {f"/pic-{i}.png": png(*real, hue=i) for i, (_, real) in enumerate(SHAPES)}
    with picture_server(tmp, {}) as (server, _ca):
        for path, data in made.items():
            server.route(path, _held(data))
        stories = []
        for n, story in enumerate(fixtures.many_stories(10) + fixtures.STORIES[1:2]):
            stated, _ = SHAPES[n % len(SHAPES)]
            w, h = stated or (None, None)
            credit = "Photo: Loopback Picture Desk" if n % 2 == 0 else None
            stories.append(replace(story, image=Image(server.url(f"/pic-{n % len(SHAPES)}.png"), None, credit, w, h)))
        options = DigestOptions(date=fixtures.DIGEST_DATE, title="Morning digest",
                                from_addr="Morning digest <digest@example.org>",
                                unsubscribe_url="https://example.org/unsubscribe",
                                site_url="https://news.example.org/digest/", edition="2024-05-01-morning-digest",
                                postal_address="Example News Ltd, 1 High Street, Leeds LS1 1AA")
        yield render_html(stories, options), stories


LAYOUT = """() => {
  const top = el => el.getBoundingClientRect().top + window.scrollY;
  const imgs = [...document.querySelectorAll('img')];
  return {
    headlines: [...document.querySelectorAll('h2')].map(top),
    footer: top(document.querySelector('td.footer')),
    boxes: imgs.map(i => [Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)]),
    loaded: imgs.map(i => i.complete && i.naturalWidth > 0),
    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
    overflowing: [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 0.5 || r.left < -0.5;
    }).map(e => e.tagName + '.' + e.className).slice(0, 10),
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    background: getComputedStyle(document.body).backgroundColor,
  };
}"""


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_the_e_mail_with_pictures(browser, newsletter, tmp_path, width, scheme):
    html, stories = newsletter
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  ignore_https_errors=True)      # the test CA, for this browser only
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("https://127.0.0.1:", "about:", "data:")) else None)
    page.route(lambda url: not url.startswith("https://127.0.0.1:"), lambda route: route.abort())
    page.set_content(html, wait_until="domcontentloaded")
    before = page.evaluate(LAYOUT)
    assert not any(before["loaded"]), "the pictures arrived before the page was measured"
    page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
    after = page.evaluate(LAYOUT)
    assert all(after["loaded"]), after["loaded"]
    assert after["dark"] is (scheme == "dark")
    # Nothing moves when the pictures arrive: every headline and the footer where they were.
    assert after["headlines"] == pytest.approx(before["headlines"], abs=0.5)
    assert after["footer"] == pytest.approx(before["footer"], abs=0.5)
    assert after["boxes"] == before["boxes"]
    # Inside the column, shown at the size chosen for it.
    assert after["scrollWidth"] <= after["clientWidth"] and after["overflowing"] == [], after
    # The card's inner width: the page's 8 px and the card's 20 px each side (over 480 px), the
    # card's 16 px alone below; never more than the 560 px a picture is sized for.
    column = min(560, width - 2 * 8 - 2 * 20) if width > 480 else width - 2 * 16
    for (w, h), story in zip(after["boxes"], stories):
        shown = min(column, story.image.width or 560, round(420 * story.image.width / story.image.height)
                    if story.image.width else 560)
        assert abs(w - shown) <= 1, (story.image, w)
        ratio = story.image.width / story.image.height if story.image.width else 16 / 9
        assert abs(w / h - ratio) < 0.02, (story.image, w, h)
    shot = tmp_path / f"email-{width}-{scheme}.png"
    page.screenshot(path=str(shot), full_page=True)
    size = shot.stat().st_size
    print(f"email-{width}-{scheme}.png: {png_size(shot)[0]}x{png_size(shot)[1]} px, {size} bytes, "
          f"{len(after['boxes'])} pictures, background {after['background']}")
    assert size > 50_000 and png_size(shot)[0] == width
    if os.environ.get("NEWSDESK_SCREENSHOTS"):
        keep = Path(os.environ["NEWSDESK_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
    assert outside == [], outside          # nothing but the loopback picture server was asked
    context.close()
