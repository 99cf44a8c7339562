"""Pictures for the tests: small PNG files made here (no image library), and an https server on
127.0.0.1 that serves them with a certificate from a throwaway CA (trustme), as a feed's image
host would. Nothing here reaches beyond loopback."""
from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import trustme

from loopback import LoopbackServer, Response


def png(width: int, height: int, hue: int = 0) -> bytes:
    """A width x height RGB PNG: a diagonal gradient tinted by `hue` (0-5), with a frame, so a
    screenshot shows where each picture's box begins and ends."""
    tints = [(40, 90, 160), (160, 60, 40), (40, 140, 80), (120, 60, 150), (170, 130, 30), (30, 130, 140)]
    r0, g0, b0 = tints[hue % len(tints)]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if x < 4 or y < 4 or x >= width - 4 or y >= height - 4:
                row += b"\xff\xff\xff"
                continue
            t = (x + y) * 255 // (width + height)
            row += bytes(((r0 + t) % 256, (g0 + t // 2) % 256, (b0 + t // 3) % 256))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


@contextlib.contextmanager
def picture_server(tmp: Path, pictures: dict[str, bytes]) -> Iterator[tuple[LoopbackServer, Path]]:
    """An https server on 127.0.0.1 serving `pictures` ({path: PNG bytes}); yields it and the
    file of the CA that signed its certificate."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp / "pictures-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    with LoopbackServer(tls=context) as server:
        for path, data in pictures.items():
            server.route(path, Response(200, data, (("Content-Type", "image/png"),
                                                    ("Cache-Control", "max-age=3600"))))
        yield server, ca_file
