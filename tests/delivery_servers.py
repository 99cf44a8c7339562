"""Real servers on loopback for the delivery tests, following the networks' documented behaviour.

* ``SmtpServer``: aiosmtpd on 127.0.0.1 with STARTTLS (a certificate from a throwaway CA made by
  trustme in the test), AUTH required after TLS, every message recorded as received (or, told
  to with ``refuse_data``, refused with that reply after its data).
* ``MastodonServer``: /api/v2/instance and POST /api/v1/statuses on a LoopbackServer: Bearer
  token, 401/422 error bodies ``{"error": ...}``, and Idempotency-Key: a key seen before returns
  the status made for it instead of a new one (PostStatusService).
* ``BlueskyServer``: XRPC com.atproto.server.createSession, com.atproto.repo.getRecord (400
  RecordNotFound), createRecord with a TID rkey (a key that exists gives the 500 a PDS gives; an
  older PDS's refusal of chosen post keys on request) and putRecord (an upsert);
  com.atproto.repo.uploadBlob (the raw bytes, their Content-Type; a blob ref back), and a record's
  link card thumbnail checked as the lexicon says (a blob of this account, image/*, at most
  1,000,000 bytes).

Each can be told to accept a post and then not answer (``hang_after``) or to run a hook right
after accepting (``after_accept``: a test kills the client there).
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import regex
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from loopback import LoopbackServer, RecordedRequest, Response

TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


def _json(status: int, data: object) -> Response:
    return Response(status, json.dumps(data).encode(), (("Content-Type", "application/json"),))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP --------------------------------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes                  # as received, dot-unstuffed: the message's bytes
    tls: bool
    login: str | None


class _Handler:
    def __init__(self, owner: "SmtpServer"):
        self.owner = owner

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        o = self.owner
        if o.refuse_data:                    # the relay reads the message, then refuses it
            o.refused.append(envelope.content)
            return o.refuse_data
        o.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                   session.ssl is not None,
                                   next((n for n, ok in reversed(o.logins) if ok), None)
                                   if session.authenticated else None))
        if o.after_accept:
            o.after_accept()
        if o.hang_after:
            await asyncio.sleep(o.hang_after)
        return f"250 2.0.0 Ok: queued as Q{len(o.received):04d}"


class SmtpServer:
    """aiosmtpd with STARTTLS required and AUTH (PLAIN/LOGIN) after TLS."""

    def __init__(self, tmp: Path, *, username: str, password: str, starttls: bool = True):
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = tmp / "smtp-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self.username, self.password = username, password
        self.received: list[Received] = []
        self.logins: list[tuple[str, bool]] = []
        self.after_accept: Callable[[], None] | None = None
        self.hang_after: float = 0.0
        self.refuse_data: str | None = None  # e.g. "554 5.7.1 Message rejected": the reply to DATA
        self.refused: list[bytes] = []
        self.port = free_port()
        tls = {"tls_context": context, "require_starttls": True} if starttls else {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     authenticator=self._auth, auth_require_tls=starttls,
                                     **tls)

    def _auth(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username
              and auth_data.password.decode() == self.password)
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hang_after = 0
        self.controller.stop()


def _accepted_then_hung(server, hang: bool) -> bool:
    """After a post was accepted: run the test's hook, then (when told to) never answer."""
    if server.after_accept:
        server.after_accept()
    if hang:
        server.http.stopping.wait(10)
    return hang


# --- Mastodon ----------------------------------------------------------------------------------

@dataclass
class MastodonServer:
    http: LoopbackServer
    token: str
    max_characters: int = 500
    statuses: list[dict] = field(default_factory=list)
    keys: dict[str, dict] = field(default_factory=dict)
    hang_after: int = 0                  # this many accepted posts are never answered
    after_accept: Callable[[], None] | None = None
    refuse_replies: bool = False         # 422 for any reply (a thread's later parts)
    refuse_posts: str | None = None      # 422 with this error for every post
    _ids: itertools.count = field(default_factory=lambda: itertools.count(109_000_000_000_000_001))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.http.route("/api/v2/instance", lambda r, h: _json(200, {
            "domain": "127.0.0.1", "title": "Loopback", "version": "4.3.0",
            "configuration": {"statuses": {"max_characters": self.max_characters,
                                           "max_media_attachments": 4,
                                           "characters_reserved_per_url": 23}}}))
        self.http.route("/api/v1/statuses", self._post)
        self.http.route("/api/v1/accounts/verify_credentials", lambda r, h: _json(200, {
            "id": "1", "username": "newsdesk", "acct": "newsdesk"})
            if r.header("Authorization") == f"Bearer {self.token}" else _json(401, {"error": "The access token is invalid"}))

    @property
    def base_url(self) -> str:
        return self.http.url("").rstrip("/")

    @property
    def posts(self) -> list[RecordedRequest]:
        return [r for r in self.http.requests_to("/api/v1/statuses") if r.method == "POST"]

    def _post(self, request: RecordedRequest, h) -> Response | None:
        if request.method != "POST":
            return _json(404, {"error": "Record not found"})
        if request.header("Authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "The access token is invalid"})
        body = json.loads(request.body or b"{}")
        text = body.get("status", "")
        key = request.header("Idempotency-Key")
        with self._lock:
            if key and key in self.keys:
                return _json(200, self.keys[key])
            if self.refuse_posts:
                return _json(422, {"error": self.refuse_posts})
            if not text.strip():
                return _json(422, {"error": "Validation failed: Text can't be blank"})
            if len(text) > self.max_characters:
                return _json(422, {"error": "Validation failed: Text character limit of "
                                            f"{self.max_characters} exceeded"})
            reply_to = body.get("in_reply_to_id")
            if reply_to and self.refuse_replies:
                return _json(422, {"error": "Validation failed: Reply is not allowed"})
            if reply_to and not any(s["id"] == reply_to for s in self.statuses):
                return _json(404, {"error": "Record not found"})
            sid = str(next(self._ids))
            status = {"id": sid, "uri": f"{self.base_url}/users/newsdesk/statuses/{sid}",
                      "url": f"{self.base_url}/@newsdesk/{sid}", "text": text,
                      "in_reply_to_id": reply_to, "visibility": body.get("visibility", "public"),
                      "language": body.get("language"), "idempotency_key": key}
            self.statuses.append(status)
            if key:
                self.keys[key] = status
            hang = self.hang_after > 0
            self.hang_after -= hang
        if _accepted_then_hung(self, hang):
            return None
        return _json(200, status)


# --- Bluesky -----------------------------------------------------------------------------------

@dataclass
class BlueskyServer:
    http: LoopbackServer
    handle: str
    app_password: str
    did: str = "did:plc:loopbacknewsdesk000000"
    records: dict[str, dict] = field(default_factory=dict)     # rkey -> record
    hang_after: int = 0
    after_accept: Callable[[], None] | None = None
    jwts: set[str] = field(default_factory=set)
    custom_post_rkeys: bool = True       # False: createRecord refuses an rkey for posts (older PDS)
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)   # cid -> (mimeType, bytes)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.http.route("/xrpc/com.atproto.server.createSession", self._session)
        self.http.route("/xrpc/com.atproto.repo.getRecord", self._get)
        self.http.route("/xrpc/com.atproto.repo.createRecord", self._create)
        self.http.route("/xrpc/com.atproto.repo.putRecord", lambda r, h: self._create(r, h, put=True))
        self.http.route("/xrpc/com.atproto.repo.uploadBlob", self._upload)

    @property
    def service(self) -> str:
        return self.http.url("").rstrip("/")

    @property
    def creates(self) -> list[RecordedRequest]:
        return self.http.requests_to("/xrpc/com.atproto.repo.createRecord")

    def uri(self, rkey: str) -> str:
        return f"at://{self.did}/app.bsky.feed.post/{rkey}"

    def _session(self, request: RecordedRequest, h) -> Response:
        body = json.loads(request.body or b"{}")
        if body.get("identifier") != self.handle or body.get("password") != self.app_password:
            return _json(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        jwt = f"jwt-{len(self.jwts) + 1}-loopback"
        self.jwts.add(jwt)
        return _json(200, {"did": self.did, "handle": self.handle, "accessJwt": jwt,
                           "refreshJwt": jwt + "-refresh", "active": True})

    def _authorized(self, request: RecordedRequest) -> bool:
        auth = request.header("Authorization") or ""
        return auth.startswith("Bearer ") and auth[7:] in self.jwts

    def _get(self, request: RecordedRequest, h) -> Response:
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        rec = self.records.get(q.get("rkey", "")) if q.get("repo") == self.did else None
        if rec is None:
            return _json(400, {"error": "RecordNotFound",
                               "message": f"Could not locate record: {self.uri(q.get('rkey', ''))}"})
        return _json(200, {"uri": self.uri(q["rkey"]), "cid": f"bafy{q['rkey']}", "value": rec})

    def _upload(self, request: RecordedRequest, h) -> Response:
        if not self._authorized(request):
            return _json(401, {"error": "AuthenticationRequired", "message": "Invalid token"})
        kind = (request.header("Content-Type") or "").split(";")[0].strip()
        if not request.body or not kind:
            return _json(400, {"error": "InvalidRequest", "message": "no blob or no Content-Type"})
        cid = "bafkrei" + hashlib.sha256(request.body).hexdigest()[:52]
        with self._lock:
            self.blobs[cid] = (kind, request.body)
        return _json(200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind,
                                    "size": len(request.body)}})

    def _check_thumb(self, record: dict) -> str | None:
        """app.bsky.embed.external#external: thumb is a blob (accept image/*, maxSize 1000000)
        that this account uploaded."""
        thumb = ((record.get("embed") or {}).get("external") or {}).get("thumb")
        if thumb is None:
            return None
        ref = (thumb.get("ref") or {}).get("$link") if isinstance(thumb, dict) else None
        if thumb.get("$type") != "blob" or ref not in self.blobs:
            return "Record/embed/external/thumb must be a blob uploaded to this repository"
        kind, data = self.blobs[ref]
        if not kind.startswith("image/") or thumb.get("mimeType") != kind or thumb.get("size") != len(data):
            return "Record/embed/external/thumb: wrong mimeType or size"
        if len(data) > 1_000_000:
            return "Record/embed/external/thumb: blob too large (maxSize 1000000)"
        return None

    def _create(self, request: RecordedRequest, h, put: bool = False) -> Response | None:
        if not self._authorized(request):
            return _json(401, {"error": "AuthenticationRequired", "message": "Invalid token"})
        body = json.loads(request.body or b"{}")
        rkey, record = body.get("rkey", ""), body.get("record", {})
        if body.get("repo") != self.did or body.get("collection") != "app.bsky.feed.post":
            return _json(400, {"error": "InvalidRequest", "message": "bad repo or collection"})
        if not put and rkey and not self.custom_post_rkeys:
            return _json(400, {"error": "InvalidRequest",
                               "message": "Custom rkeys for post records are not currently supported."})
        if not TID.fullmatch(rkey):
            return _json(400, {"error": "InvalidRequest", "message": f"Invalid record key: {rkey}"})
        problem = _check_post(record) or self._check_thumb(record)
        if problem:
            return _json(400, {"error": "InvalidRecord", "message": problem})
        with self._lock:
            if rkey in self.records and not put:
                return _json(500, {"error": "InternalServerError", "message": "Internal Server Error"})
            self.records[rkey] = record
            hang = self.hang_after > 0
            self.hang_after -= hang
        if _accepted_then_hung(self, hang):
            return None
        return _json(200, {"uri": self.uri(rkey), "cid": f"bafy{rkey}",
                           "commit": {"cid": "bafycommit", "rev": rkey}, "validationStatus": "valid"})


def _check_post(record: dict) -> str | None:
    """What app.bsky.feed.post's lexicon requires of the fields we send."""
    text = record.get("text")
    if record.get("$type") != "app.bsky.feed.post" or not isinstance(text, str):
        return "Record/$type must be app.bsky.feed.post with a text"
    if len(regex.findall(r"\X", text)) > 300 or len(text.encode()) > 3000:
        return "Record/text must not be longer than 300 graphemes"
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", record.get("createdAt", "")):
        return "Record/createdAt must be a valid datetime"
    size = len(text.encode())
    for facet in record.get("facets", []):
        i = facet.get("index", {})
        if not 0 <= i.get("byteStart", -1) < i.get("byteEnd", -1) <= size:
            return "Record/facets/index out of range"
    return None
