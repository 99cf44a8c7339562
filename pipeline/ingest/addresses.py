"""Where a fetch may go: schemes, redirect targets and proxies.

A feed's server chooses where its redirects lead; nobody configured those hosts. A redirect may
reach a loopback, private, link-local (cloud metadata: 169.254.169.254), multicast or otherwise
non-public address only when that address is the configured host's own: a loopback feed on
127.0.0.1 may move to another port or path of 127.0.0.1, never to 127.0.0.2, ::1, 10.x or the
metadata service (issue 17, item 3). The check is made on the resolved addresses before any
connection, and the connection is then pinned to an address that passed, so a second lookup
(DNS rebinding) cannot change where it goes.

Proxies follow the standard variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) with urllib's rules
(urllib.request.getproxies / proxy_bypass).
"""
from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from pipeline.errors import FetchError
from pipeline.terminal import safe

ALLOWED_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_url(url: str, target: str) -> SplitResult:
    """`target` (the configured `url` itself, or a redirect of it) split, if it is an http(s)
    URL with a host; raises FetchError naming `url` otherwise."""
    try:
        parts = urlsplit(target)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise FetchError(url, f"invalid URL {safe(target)!r}: {exc}") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        what = "URL" if url == target else f"redirect to {safe(target)!r}"
        raise FetchError(url, f"refused {what}: scheme {safe(parts.scheme) or '(none)'!r} is not "
                         "http or https")
    if not parts.hostname:
        raise FetchError(url, f"invalid URL {safe(target)!r}: no host")
    return parts


# IPv6 prefixes that carry an IPv4 address a gateway connects to: NAT64's well-known prefix
# (RFC 6052; the address in the last 32 bits) and its local-use prefix (RFC 8215). 6to4
# (2002::/16, the address in bits 16-48) is read by ipaddress (`sixtofour`). Python calls all of
# them global, whatever they embed: 64:ff9b::a9fe:a9fe reaches the metadata service.
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), else None."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in net for net in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address; an IPv6 address that stands for an IPv4 one
    (::ffff:10.0.0.1, 64:ff9b::10.0.0.1, 2002:0a00:0001::) is judged by that IPv4 address."""
    address = embedded_ipv4(address) or address
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of a host (a literal address is itself); raises socket.gaierror."""
    try:
        return [ipaddress.ip_address(host.strip("[]").split("%", 1)[0])]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def redirect_addresses(url: str, target: str, origin: Sequence[IPAddress],
                       proxied: bool) -> list[IPAddress]:
    """The addresses a redirect to `target` may connect to (public ones, and the configured
    host's own `origin` addresses); raises FetchError, before any connection, when none is left.

    Through a proxy a name we cannot resolve is left to the proxy (an empty list: nothing to
    pin); a literal address, or a name we can resolve, is checked all the same."""
    parts = check_url(url, target)
    try:
        found = resolve(parts.hostname or "", _port(parts))
    except (socket.gaierror, UnicodeError) as exc:
        if proxied:
            return []
        raise FetchError(url, f"cannot resolve host {safe(parts.hostname)!r} "
                         f"(redirected to {safe(target)}): {exc}") from exc
    allowed = [a for a in found if is_public(a) or a in origin]
    if not allowed:
        shown = ", ".join(str(a) for a in found)
        raise FetchError(url, f"refused redirect to {safe(target)!r}: {shown} is not a public "
                         "address, and not the configured host's own")
    return allowed


def origin_addresses(parts: SplitResult) -> list[IPAddress]:
    """The configured host's addresses; none when it cannot be resolved here (a proxied feed)."""
    try:
        return resolve(parts.hostname or "", _port(parts))
    except (socket.gaierror, UnicodeError):
        return []


# -- proxies ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    authorization: str | None      # a Proxy-Authorization header value, from user:password@

    def describe(self) -> str:
        return f"proxy {self.host}:{self.port}"


def proxy_for(parts: SplitResult, proxies: dict[str, str] | None = None) -> Proxy | None:
    """The proxy the standard variables name for this URL, or None (no proxy, or NO_PROXY).

    `proxies` is urllib.request.getproxies() read once for many URLs (fetch_many): reading the
    environment again for every request was a fifth of the cost of a 304."""
    proxies = urllib.request.getproxies() if proxies is None else proxies
    chosen = proxies.get(parts.scheme.lower())
    if not chosen:
        return None
    host = parts.hostname or ""
    if urllib.request.proxy_bypass_environment(f"{host}:{parts.port}" if parts.port else host,
                                               proxies):
        return None
    if "://" not in chosen:
        chosen = "http://" + chosen
    p = urlsplit(chosen)
    if not p.hostname:
        return None
    auth = None
    if p.username is not None:
        token = f"{unquote(p.username)}:{unquote(p.password or '')}".encode()
        auth = "Basic " + base64.b64encode(token).decode("ascii")
    return Proxy(p.hostname, p.port or 80, auth)


def open_connection(parts: SplitResult, timeout: float, proxy: Proxy | None,
          pinned: list[IPAddress]) -> http.client.HTTPConnection:
    """The connection for one attempt: to the proxy when one is set (an HTTPS URL tunnelled
    with CONNECT), else to the host, pinned to the addresses a redirect check let through."""
    https = parts.scheme.lower() == "https"
    host, port = (proxy.host, proxy.port) if proxy is not None else (parts.hostname, parts.port)
    conn: http.client.HTTPConnection
    if https:
        conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    if proxy is not None:
        if https:
            extra = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            conn.set_tunnel(parts.hostname or "", parts.port or 443, headers=extra)
    elif pinned:
        def connect_pinned(address, *args, **kwargs):
            last: OSError | None = None
            for ip in pinned:
                try:
                    return socket.create_connection((str(ip), address[1]), *args, **kwargs)
                except OSError as exc:
                    last = exc
            raise last or OSError("no address to connect to")
        conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    return conn
