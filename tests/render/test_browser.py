"""The HTML digest in real headless Chromium: no horizontal overflow at 600 and 375 px wide, and
readable contrast (WCAG AA, 4.5:1) of every text element in the light and the dark scheme.

Chromium will not make a window narrower than 500 px, so the digest is laid out inside an
iframe of the exact width; a probe script inside the iframe writes its findings into the host
page, which --dump-dom prints. Chromium missing is a failure, not a skip.
"""
from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.render.digest import DigestOptions, render_html

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "render" / "stories.py"
_spec = importlib.util.spec_from_file_location("render_fixture_stories", _FIXTURES)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

WIDTHS = (600, 375)
AA_BODY_TEXT = 4.5     # WCAG 2.x AA for normal-size text

# Runs inside the digest's iframe once the body is parsed: overflow and contrast, as JSON.
PROBE = """
<script>
(function () {
  function rgba(s) { var m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : m.concat([1]); }
  function lum(c) { var v = c.slice(0, 3).map(function (x) { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
  function background(el) {
    for (; el; el = el.parentElement) {
      var c = rgba(getComputedStyle(el).backgroundColor); if (c[3] > 0) return c; }
    return [255, 255, 255, 1]; }
  var over = [], worst = 99, worstWhat = '', checked = 0;
  document.querySelectorAll('body *').forEach(function (el) {
    var st = getComputedStyle(el);
    if (st.display === 'none' || el.closest('[style*="display:none"]')) return;
    var r = el.getBoundingClientRect();
    if (r.right > document.documentElement.clientWidth + 0.5 || r.left < -0.5) over.push(el.tagName + '.' + el.className);
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim(); });
    if (!own) return;
    var a = lum(rgba(st.color)), b = lum(background(el));
    var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked++;
    if (ratio < worst) { worst = ratio; worstWhat = el.tagName + '.' + el.className; }
  });
  var out = {innerWidth: window.innerWidth, clientWidth: document.documentElement.clientWidth,
             scrollWidth: document.documentElement.scrollWidth,
             overflowing: over.slice(0, 20), minContrast: worst, minContrastAt: worstWhat,
             textElements: checked,
             dark: window.matchMedia('(prefers-color-scheme: dark)').matches};
  parent.document.getElementById('result').textContent = JSON.stringify(out);
})();
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if not found:
        pytest.fail("Chromium is not installed: install the Debian package `chromium` "
                    "(apt-get install -y chromium); this test needs a real browser", pytrace=False)
    return found


def host_page(digest_html: str, width: int, height: int = 900) -> str:
    inner = digest_html.replace("</body>", PROBE + "</body>", 1)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
            f'<body style="margin:0;background:#808080">'
            f'<iframe id="frame" style="width:{width}px;height:{height}px;border:0;display:block" '
            f'srcdoc="{html.escape(inner, quote=True)}"></iframe>'
            f'<pre id="result">pending</pre></body></html>')


def run_chromium(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}", *flags, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def measure(digest_html: str, width: int, tmp_path: Path, dark: bool = False) -> dict:
    page = tmp_path / f"host-{width}-{'dark' if dark else 'light'}.html"
    page.write_text(host_page(digest_html, width), encoding="utf-8")
    flags = ["--window-size=800,1000", "--dump-dom"] + (["--force-dark-mode"] if dark else [])
    done = run_chromium(page, tmp_path / "profile", *flags)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no result from Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    assert found.group(1) != "pending", "the probe did not run inside the digest"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def digest_html() -> str:
    options = DigestOptions(date=fixtures.DIGEST_DATE, unsubscribe_url="https://news.example.com/u",
                            site_url="https://news.example.com/")
    stories = fixtures.STORIES + fixtures.many_stories(3)
    return render_html(stories, options)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_overflow(digest_html: str, width: int, tmp_path: Path) -> None:
    result = measure(digest_html, width, tmp_path)
    assert result["innerWidth"] == width
    assert result["scrollWidth"] <= result["clientWidth"], result
    assert result["overflowing"] == [], result


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_contrast_in_both_schemes(digest_html: str, dark: bool, tmp_path: Path) -> None:
    result = measure(digest_html, 600, tmp_path, dark=dark)
    assert result["dark"] is dark
    assert result["textElements"] > 20
    assert result["minContrast"] >= AA_BODY_TEXT, result


def test_missing_chromium_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(Path, "exists", lambda self: False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium()


def screenshot(digest_html: str, width: int, out: Path, tmp_path: Path, dark: bool = False,
               height: int = 2400) -> None:
    """A picture for a person to look at (not asserted on): the digest at `width` px."""
    page = tmp_path / f"shot-{width}.html"
    page.write_text(host_page(digest_html, width, height), encoding="utf-8")
    flags = [f"--window-size={max(width, 500)},{height}", f"--screenshot={out}",
             "--hide-scrollbars"] + (["--force-dark-mode"] if dark else [])
    run_chromium(page, tmp_path / "profile", *flags)
