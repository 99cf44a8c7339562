"""`newsdesk outbox serve`: the review page on 127.0.0.1, until Ctrl-C or SIGTERM.

The socket is bound before anything is printed, so `--port 0` prints the port really taken. The
link printed on the terminal carries the token (exchanged for the session cookie) and, after `#`,
the key the page's script sends with each change (pipeline.outbox.page.Guard); a browser opened for the reviewer gets it through a private
file (mode 0600), not on its command line, where other users of the machine could read it.
"""
from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path
from types import FrameType
from typing import Callable, TextIO

import uvicorn

from pipeline.errors import OutboxError
from pipeline.outbox.page import create_app

log = logging.getLogger(__name__)

HOST = "127.0.0.1"     # loopback only, never a flag


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn re-raises a caught signal once it has stopped; a review server asked to stop
        # has done what was asked, so it returns normally (exit 0) instead.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # a restart on the same --port
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise OutboxError(f"cannot serve on {HOST}:{port}: {exc.strerror} (try --port 0)") from exc
    return sock


def _open_browser(url: str, folder: Path) -> None:
    page = folder / "open-review.html"
    fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={url}">'
                f'<title>Newsdesk review</title><a href="{url}">Open the review page</a>\n')
    if not webbrowser.open(page.as_uri()):
        log.warning("no browser found; open the address above")


def serve(outbox_dir: Path, *, port: int = 0, open_browser: bool = True, by: str,
          digest: str | None = None, out: TextIO = sys.stdout,
          take_out: Callable[[str, str], str] | None = None, archive: Path | None = None) -> int:
    sock = bind(port)
    port = sock.getsockname()[1]
    token, session, key = secrets.token_urlsafe(24), secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    app = create_app(Path(outbox_dir), port=port, token=token, session=session, key=key, by=by, digest=digest,
                     take_out=take_out, archive=archive)
    url = f"http://{HOST}:{port}/?token={token}#key={key}"
    print(f"Review page: {url}", file=out, flush=True)
    print("Ctrl-C stops it.", file=out, flush=True)
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                    server_header=False))
    private = Path(tempfile.mkdtemp(prefix="newsdesk-review-"))   # mode 0700
    try:
        if open_browser:
            threading.Thread(target=_open_browser, args=(url, private), daemon=True).start()
        server.run(sockets=[sock])
    finally:
        with contextlib.suppress(OSError):
            sock.close()
        shutil.rmtree(private, ignore_errors=True)
    print("Review page stopped.", file=out, flush=True)
    return 0
