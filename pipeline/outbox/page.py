"""The review page: a Starlette app over one outbox, for `newsdesk outbox serve`.

Every change goes through the functions the CLI uses (set_status, approve_all's rule, save_edit),
so the page and `newsdesk outbox ...` follow the same rules and write the same history. The page
reads without JavaScript; its changes are sent by review.js (below), which also keeps typed text
from being lost (saved with an Approve, a warning before Reject or leaving, Approve all asks first),
the live counter (the `measure` endpoint: the server counts, never the script) and shortcuts.

Safety on a shared machine (see Guard): loopback only, the Host header must be our own
127.0.0.1/localhost with our port (DNS rebinding), every request needs the session cookie that the
printed token sets, a strict Content-Security-Policy, and the digest shown in an iframe sandboxed
without scripts, under a CSP of its own. Changes, by POST from our own origin, also need the
page's key in a header: browsers send a cookie to every port of 127.0.0.1, so any local server a
reviewer's browser visits receives the session cookie. The key is in the printed link's fragment
(never sent to a server), kept by review.js in sessionStorage (per origin, so per port) and sent
only to us, so the cookie alone reads the page and changes nothing.
"""
from __future__ import annotations

import functools
import hmac
import html
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline import outbox
from pipeline.errors import NewsdeskError, OutboxError
from pipeline.render.templates import template_dirs

from pipeline.outbox.manifest import _digest_folders
from pipeline.outbox.edit import EditConflict, EditRefused, measure, save_edit
from pipeline.outbox.view import Typed, digest_view

log = logging.getLogger(__name__)

# Pictures: the stories' lead images, https only, from the hosts the feeds named (what every
# reader of the e-mail loads too), sent no Referer (Referrer-Policy below, referrerpolicy on each
# <img>): a reviewer judges the picture that goes out, not a grey box.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
            "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
# The digest itself: no script at all (the CSP sandbox as well as the iframe's), its own inline
# styles, https pictures only (as the e-mail shows them), nothing else fetched.
DIGEST_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
# The archive's pages (web editions, index, feed) as a static host serves them: no script, their
# inline styles, https pictures. Not sandboxed: a sandboxed page's links would arrive without the
# session cookie (an opaque origin is another site), so one page could not lead to the next.
ARCHIVE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")
ARCHIVE_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/atom+xml; charset=utf-8",
                 ".json": "application/json"}
STATIC = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8"}
DONE = {"approved": "Approved.", "rejected": "Rejected.", "saved": "Saved.", "unchanged": "No change to save.",
        "approved-all": "Approved every draft still in draft.",
        "taken-out": "Source taken out of its story; the drafts still in draft were rendered again."}
_DARK = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)")


def cookie_name(port: int) -> str:
    """Cookies are not kept apart by port: the name is, so two review servers never mix."""
    return f"newsdesk_review_{port}"


KEY_HEADER = "x-newsdesk-key"


class Guard:
    """ASGI middleware: Host, session cookie (set from the token), same-origin POST with the
    page's key, headers."""

    def __init__(self, app: ASGIApp, *, port: int, token: str, session: str, key: str):
        self.app, self.port, self.token, self.session, self.key = app, port, token, session, key
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.cookie = cookie_name(port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        host = conn.headers.get("host", "")
        refusal = None
        if host not in self.hosts:
            refusal = PlainTextResponse("Unknown Host header: this page answers only to "
                                        f"127.0.0.1:{self.port}.", 400)
        elif scope["method"] not in ("GET", "HEAD", "POST"):
            refusal = PlainTextResponse("Method not allowed.", 405)
        elif conn.url.path == "/" and "token" in conn.query_params:
            refusal = self._exchange(conn.query_params["token"])
        elif not hmac.compare_digest(conn.cookies.get(self.cookie, ""), self.session):
            refusal = PlainTextResponse("Open the link that `newsdesk outbox serve` printed "
                                        "(it carries the page's token).", 403)
        elif scope["method"] == "POST" and not self._same_origin(conn, host):
            refusal = PlainTextResponse("Changes are accepted only from the review page itself.", 403)
        elif scope["method"] == "POST" and not hmac.compare_digest(conn.headers.get(KEY_HEADER, ""), self.key):
            refusal = PlainTextResponse("Not done: this tab does not hold the page's key. Open the whole link "
                                        "that `newsdesk outbox serve` printed (the part after # is the key), "
                                        "with JavaScript on.", 403)
        await (refusal or self.app)(scope, receive, _with_headers(send))

    def _exchange(self, token: str) -> Response:
        if not hmac.compare_digest(token, self.token):
            return PlainTextResponse("Wrong token: open the link that `newsdesk outbox serve` printed.", 403)
        response = RedirectResponse("/", 303)      # the token leaves the address bar and history
        response.set_cookie(self.cookie, self.session, httponly=True, samesite="strict", path="/")
        return response

    @staticmethod
    def _same_origin(conn: HTTPConnection, host: str) -> bool:
        origin = conn.headers.get("origin")
        if origin is not None:
            return origin == f"http://{host}"
        return conn.headers.get("sec-fetch-site") == "same-origin"


# Referrer-Policy same-origin, not no-referrer: under no-referrer a browser sends `Origin: null`
# with the page's own form posts, which the Guard must refuse. Links out get no referrer either way.
def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            have = {k.lower() for k, _ in headers}
            for k, v in ((b"content-security-policy", PAGE_CSP.encode()),
                         (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store"),
                         (b"cross-origin-resource-policy", b"same-origin")):
                if k not in have:
                    headers.append((k, v))
            message = {**message, "headers": headers}
        await send(message)
    return wrapped


@functools.lru_cache(maxsize=2)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in template_dirs()]),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env


class _NotFound(OutboxError):
    """No such digest or draft (a stale link or a typed address)."""


class Review:
    """The routes over one outbox folder (`digest`: the one shown at /, else the newest)."""

    def __init__(self, outbox_dir: Path, *, by: str, digest: str | None = None,
                 take_out: Callable[[str, str], str] | None = None, archive: Path | None = None):
        self.box, self.by, self.digest, self.take_out = Path(outbox_dir), by, digest, take_out
        self.archive = Path(archive) if archive is not None else None

    def _draft(self, draft_id: str) -> tuple[Path, outbox.DraftEntry]:
        try:
            return outbox.find_draft(self.box, draft_id)
        except OutboxError as exc:
            raise _NotFound(str(exc)) from exc

    def _digest(self, name: str | None) -> outbox.DigestInfo:
        try:
            return outbox.find_digest(self.box, name)
        except OutboxError as exc:
            raise _NotFound(str(exc)) from exc

    # -- pages
    def _page(self, name: str | None, typed: Mapping[str, Typed] | None = None, *, status: int = 200,
              notice: str | None = None) -> HTMLResponse:
        info = self._digest(name or self.digest)
        names = sorted((f.name for f in _digest_folders(self.box)), reverse=True)   # read only
        html = _environment().get_template("review.html").render(
            d=digest_view(info, typed, archive=self.archive), digests=names, notice=notice, by=self.by,
            take_out=self.take_out is not None)
        return HTMLResponse(html, status)

    async def index(self, request: Request) -> Response:
        return self._page(None, notice=DONE.get(request.query_params.get("done", "")))

    async def digest_page(self, request: Request) -> Response:
        return self._page(request.path_params["name"], notice=DONE.get(request.query_params.get("done", "")))

    def _digest_file(self, request: Request, name: str) -> str | None:
        """A rendered file of the requested digest, or None when it has none."""
        try:
            return (self._digest(request.path_params["name"]).folder / name).read_text(encoding="utf-8")
        except OSError:
            return None

    async def web_html(self, request: Request) -> Response:
        """The web edition as rendered (before it is published): its links lead into the archive."""
        html = self._digest_file(request, "web.html")
        if html is None:
            return PlainTextResponse("This digest has no web edition (web.html).", 404)
        return HTMLResponse(html, headers={"content-security-policy": DIGEST_CSP})

    async def archive_file(self, request: Request) -> Response:
        """The archive folder ([archive] path), read only, as a static host would serve it."""
        rel = request.path_params.get("path", "")
        if self.archive is None:
            return PlainTextResponse("No archive folder is configured for this review page.", 404)
        root = self.archive.resolve()
        target = (root / rel).resolve()
        if target.is_dir():
            if rel and not rel.endswith("/"):
                return RedirectResponse(f"/archive/{rel}/", 303)
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file() or target.suffix not in ARCHIVE_TYPES \
                or any(part.startswith(".") for part in target.relative_to(root).parts):
            return PlainTextResponse("Not in the archive (`newsdesk publish` writes it).", 404)
        return Response(target.read_bytes(), media_type=ARCHIVE_TYPES[target.suffix],
                        headers={"content-security-policy": ARCHIVE_CSP})

    async def digest_html(self, request: Request) -> Response:
        html = self._digest_file(request, "digest.html")
        if html is None:
            return PlainTextResponse("This digest has no digest.html.", 404)
        # The preview shows one scheme at a time: the dark rules always or never apply.
        scheme = request.query_params.get("scheme")
        if scheme in ("light", "dark"):
            html = _DARK.sub("@media all" if scheme == "dark" else "@media not all", html)
        return HTMLResponse(html, headers={"content-security-policy": DIGEST_CSP,
                                           "x-frame-options": "SAMEORIGIN"})

    async def static(self, request: Request) -> Response:
        name = request.path_params["file"]
        if name not in STATIC:
            return PlainTextResponse("Not found.", 404)
        for folder in template_dirs():
            if (folder / name).is_file():
                return Response((folder / name).read_bytes(), media_type=STATIC[name])
        return PlainTextResponse("Not found.", 404)

    # -- changes (POST only; the Guard has checked cookie and origin)
    def _back(self, folder_name: str, done: str, draft_id: str | None = None) -> Response:
        anchor = f"#draft-{draft_id}" if draft_id else ""
        return RedirectResponse(f"/d/{folder_name}?done={done}{anchor}", 303)

    async def approve(self, request: Request) -> Response:
        """Approve what the reviewer read; with `text` (typed in the box, not saved yet), save that
        text first and approve it, so the typed text is what is approved, or nothing is."""
        form = await request.form()
        folder, d = self._draft(request.path_params["id"])
        expect = str(form.get("sha", ""))
        if "text" in form:
            text, base = str(form.get("text", "")), str(form.get("base", ""))
            try:
                expect = save_edit(self.box, d.id, text, base_sha=base, by=self.by,
                                   reason="edited in the review page").entry.sha256
            except EditRefused as exc:
                return self._page(folder.name, {d.id: Typed(text, base, f"Not approved: the post {exc.why}.")},
                                  status=422, notice=f"Not approved: the {d.channel} post {exc.why}.")
            except EditConflict as exc:
                return self._page(folder.name, {d.id: Typed(text, exc.sha256, "Not approved: this draft changed "
                                                            "on disk since the page was loaded. Your text is "
                                                            "still here; the text now on disk is shown below.",
                                                            exc.current)},
                                  status=409, notice="Not approved: the draft changed on disk (see below).")
        try:
            outbox.set_status(self.box, [d.id], outbox.APPROVED, by=self.by, expect={d.id: expect})
        except outbox.DraftChanged as exc:
            return self._page(folder.name, status=409, notice=f"Not approved: {exc}. Read it again below.")
        return self._back(folder.name, "approved", d.id)

    async def reject(self, request: Request) -> Response:
        form = await request.form()
        folder, d = self._draft(request.path_params["id"])
        reason = str(form.get("reason", "")).strip() or None
        outbox.set_status(self.box, [d.id], outbox.REJECTED, by=self.by, reason=reason)
        return self._back(folder.name, "rejected", d.id)

    async def approve_all(self, request: Request) -> Response:
        form = await request.form()
        info = self._digest(request.path_params["name"])
        shown = dict(str(v).split(":", 1) for v in form.getlist("seen") if ":" in str(v))
        pending = [d.id for d in info.drafts if d.status == outbox.DRAFT and not d.missing]
        unseen = [i for i in pending if i not in shown]
        if unseen:
            return self._page(info.name, status=409, notice=f"Not approved: {', '.join(unseen)} appeared "
                              "after the page was loaded. Read them below, then approve again.")
        try:
            outbox.set_status(self.box, pending, outbox.APPROVED, by=self.by, expect=shown)
        except outbox.DraftChanged as exc:
            return self._page(info.name, status=409, notice=f"Nothing approved: {exc}.")
        return self._back(info.name, "approved-all")

    async def save(self, request: Request) -> Response:
        form = await request.form()
        folder, d = self._draft(request.path_params["id"])
        text, base = str(form.get("text", "")), str(form.get("base", ""))
        try:
            saved = save_edit(self.box, d.id, text, base_sha=base, by=self.by,
                              reason="edited in the review page")
        except EditRefused as exc:
            return self._page(folder.name, {d.id: Typed(text, base, f"Not saved: the post {exc.why}.")},
                              status=422, notice=f"Not saved: the {d.channel} post {exc.why}.")
        except EditConflict as exc:
            return self._page(folder.name, {d.id: Typed(text, exc.sha256, "Not saved: this draft changed "
                                                        "on disk since the page was loaded. Your text is "
                                                        "still here; the text now on disk is shown below. "
                                                        "Save again to replace it.", exc.current)},
                              status=409, notice="Not saved: the draft changed on disk (see below).")
        return self._back(folder.name, "saved" if saved.changed else "unchanged", d.id)

    async def take_out_source(self, request: Request) -> Response:
        """A source taken out of its story (`newsdesk stories split` of one article), and the
        drafts still in draft rendered again at once."""
        form = await request.form()
        if self.take_out is None:
            raise _NotFound("this review page has no state store to correct stories in")
        try:
            await run_in_threadpool(self.take_out, request.path_params["story"], str(form.get("article", "")))
        except NewsdeskError as exc:
            return self._page(None, status=409, notice=f"Not taken out: {exc}")
        return RedirectResponse("/?done=taken-out", 303)

    async def measure(self, request: Request) -> Response:
        form = await request.form()
        folder, d = self._draft(request.path_params["id"])
        text = str(form.get("text", ""))
        m = measure(d.channel, text)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"length": m.length, "limit": m.limit, "valid": m.valid, "why": m.why,
                                 "state": m.state, "parts": list(m.parts)})
        return self._page(folder.name, {d.id: Typed(text, str(form.get("base", "")))})


async def _refused(request: Request, exc: Exception) -> Response:
    """An OutboxError (no such draft, a transition the CLI refuses too) as a short page."""
    status = 404 if isinstance(exc, _NotFound) else 409
    body = (f'<!DOCTYPE html><meta charset="utf-8"><title>Not done</title><link rel="stylesheet" '
            f'href="/static/review.css"><main class="wrap"><p class="error" role="alert">Not done: '
            f'{html.escape(str(exc))}</p><p><a href="/">Back to the review page</a></p></main>\n')
    return HTMLResponse(body, status)


def create_app(outbox_dir: Path, *, port: int, token: str, session: str, key: str, by: str,
               digest: str | None = None, take_out: Callable[[str, str], str] | None = None,
               archive: Path | None = None) -> ASGIApp:
    """The review page for `outbox_dir`, answering only on 127.0.0.1:`port` / localhost:`port`;
    `archive`: the web archive's folder, served read only under /archive/."""
    r = Review(outbox_dir, by=by, digest=digest, take_out=take_out, archive=archive)
    routes = [
        Route("/", r.index, methods=["GET"]),
        Route("/static/{file}", r.static, methods=["GET"]),
        Route("/d/{name}", r.digest_page, methods=["GET"]),
        Route("/d/{name}/digest.html", r.digest_html, methods=["GET"]),
        Route("/d/{name}/web.html", r.web_html, methods=["GET"]),
        Route("/archive/", r.archive_file, methods=["GET"]),
        Route("/archive/{path:path}", r.archive_file, methods=["GET"]),
        Route("/d/{name}/approve-all", r.approve_all, methods=["POST"]),
        Route("/drafts/{id}/approve", r.approve, methods=["POST"]),
        Route("/drafts/{id}/reject", r.reject, methods=["POST"]),
        Route("/drafts/{id}/save", r.save, methods=["POST"]),
        Route("/drafts/{id}/measure", r.measure, methods=["POST"]),
        Route("/stories/{story}/take-out", r.take_out_source, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={OutboxError: _refused})
    return Guard(app, port=port, token=token, session=session, key=key)
