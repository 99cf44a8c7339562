"""A small JSON-over-HTTP client for the network senders (urllib: three or four calls per network
do not justify Mastodon.py's or atproto's dependency trees).

Redirects are not followed: a redirect would carry the Authorization header to another host.
"""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Mapping
from urllib.parse import urlencode

from pipeline import __version__

USER_AGENT = f"newsdesk/{__version__} (+delivery)"
MAX_REPLY = 4 * 1024 * 1024       # an API reply bigger than this is not one we understand


class NoReply(OSError):
    """No complete HTTP reply: the connection failed, timed out or was dropped."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def error(self) -> str:
        """The API's error text (Mastodon's "error", XRPC's "error: message"), else the status."""
        data = self.json()
        if isinstance(data, dict):
            name, message = data.get("error"), data.get("message") or data.get("error_description")
            text = ": ".join(str(x) for x in (name, message) if x)
            if text:
                return f"HTTP {self.status}: {text[:300]}"
        return f"HTTP {self.status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None                  # the 3xx comes back as a Reply


_OPENER = urllib.request.build_opener(_NoRedirect)


def call(method: str, url: str, *, timeout: float, token: str | None = None,
         json_body: Any = None, query: Mapping[str, str] | None = None,
         headers: Mapping[str, str] | None = None, body: bytes | None = None) -> Reply:
    """One request; any HTTP status is a Reply, no reply at all raises NoReply. `body`: raw bytes
    to send as they are (their Content-Type in `headers`), instead of `json_body`."""
    if query:
        url = f"{url}?{urlencode(query)}"
    data = body
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers), response.read(MAX_REPLY))
    except urllib.error.HTTPError as exc:
        with exc:
            body = exc.read(MAX_REPLY) if exc.fp is not None else b""
        return Reply(exc.code, dict(exc.headers or {}), body)
    except urllib.error.URLError as exc:
        raise NoReply(f"{_host(url)}: {exc.reason}") from None
    except (socket.timeout, TimeoutError):
        raise NoReply(f"{_host(url)}: no reply within {timeout:g} s") from None
    except (OSError, HTTPException) as exc:
        raise NoReply(f"{_host(url)}: {type(exc).__name__}: {exc}") from None


def _host(url: str) -> str:
    return url.split("?", 1)[0]
