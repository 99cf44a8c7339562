"""The watchdogs of all attempts share one clock thread: each fires at its own deadline, in
deadline order whatever the order they were set, and a cancelled one never fires."""
from __future__ import annotations

import socket
import threading
import time

from loopback import wait_until as _wait_for

from pipeline.ingest.body import Watchdog


def test_watchdogs_fire_at_their_own_deadlines_and_a_cancelled_one_never():
    pairs = [socket.socketpair() for _ in range(3)]
    try:
        late = Watchdog(pairs[0][0], 0.6)
        early = Watchdog(pairs[1][0], 0.1)
        cancelled = Watchdog(pairs[2][0], 0.05)
        cancelled.cancel()
        assert _wait_for(lambda: early.fired)
        assert not late.fired                     # still well before its deadline
        pairs[1][0].settimeout(1)
        assert pairs[1][0].recv(10) == b""        # the read a stalled attempt blocks in ends
        assert _wait_for(lambda: late.fired)
        time.sleep(0.1)
        assert not cancelled.fired
        pairs[2][1].sendall(b"still open")
        assert pairs[2][0].recv(10) == b"still open"
    finally:
        for a, b in pairs:
            a.close()
            b.close()


def test_a_blocked_read_ends_at_the_deadline_while_other_attempts_run():
    a, b = socket.socketpair()
    try:
        dog = Watchdog(a, 0.2)
        others = [Watchdog(None, 30) for _ in range(50)]     # later deadlines, set after
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(a.recv(10)))
        started = time.monotonic()
        reader.start()
        reader.join(5)
        assert got == [b""] and dog.fired
        assert time.monotonic() - started < 5
        for o in others:
            o.cancel()
        assert not any(o.fired for o in others)
    finally:
        a.close()
        b.close()
