"""Bluesky's link card with the story's picture: the API takes a thumbnail only as a blob, so
`deliver` fetches the picture (https, from the loopback picture server with a throwaway CA) and
uploads it (com.atproto.repo.uploadBlob) before creating the record; the loopback PDS checks the
thumbnail as the lexicon does. A picture that cannot be had leaves the card without one."""
from __future__ import annotations

import json
import logging

import pytest

from conftest import DIGEST, ENV, settings, write_config, write_outbox
from pictures import png, picture_server
from pipeline.deliver import deliver
from pipeline.deliver.thumb import THUMB_MAX_BYTES, sniff

PICTURE = png(320, 180, 2)


@pytest.fixture
def pictures(tmp_path, monkeypatch):
    with picture_server(tmp_path, {"/lead.png": PICTURE, "/big.png": b"\x89PNG\r\n\x1a\n" + b"0" * THUMB_MAX_BYTES,
                                   "/page.png": b"<!DOCTYPE html><p>not a picture</p>"}) as (server, ca):
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))     # the system's trust, plus the test's CA
        yield server


def with_picture(box, url: str) -> None:
    """The story of the outbox's digest with `url` as its lead image, as a run records it."""
    path = box / DIGEST / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["stories"][0]["image"] = {"url": url, "alt": None, "credit": "AP", "width": 320, "height": 180}
    path.write_text(json.dumps(manifest))


def send(tmp_path, bluesky):
    return deliver(settings(write_config(tmp_path, bluesky=bluesky)), env=ENV, channel="bluesky")


def test_the_card_carries_the_picture_uploaded_as_a_blob(tmp_path, bluesky, pictures):
    write_outbox(tmp_path / "outbox")
    with_picture(tmp_path / "outbox", pictures.url("/lead.png"))
    (o,) = send(tmp_path, bluesky).outcomes
    assert o.result == "sent", o.detail
    ((_, record),) = bluesky.records.items()
    thumb = record["embed"]["external"]["thumb"]
    ((cid, (kind, data)),) = bluesky.blobs.items()
    assert thumb == {"$type": "blob", "ref": {"$link": cid}, "mimeType": "image/png", "size": len(PICTURE)}
    assert (kind, data) == ("image/png", PICTURE)
    assert len(pictures.requests_to("/lead.png")) == 1


@pytest.mark.parametrize("path,why", [("/missing.png", "HTTP 404"), ("/page.png", "not a JPEG, PNG"),
                                      ("/big.png", "exceeds the limit")])
def test_a_picture_that_cannot_be_had_leaves_the_card_without_one(tmp_path, bluesky, pictures, caplog, path, why):
    write_outbox(tmp_path / "outbox")
    with_picture(tmp_path / "outbox", pictures.url(path))
    # The sending module's own logger: a CLI test run before may have quietened "pipeline".
    with caplog.at_level(logging.WARNING, logger="pipeline.deliver.thumb"):
        (o,) = send(tmp_path, bluesky).outcomes
    assert o.result == "sent", o.detail
    ((_, record),) = bluesky.records.items()
    assert "thumb" not in record["embed"]["external"] and bluesky.blobs == {}
    assert why in caplog.text


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/lead.png", "https://127.0.0.2:9/lead.png",
                                 "https://169.254.169.254/latest/meta-data.png"])
def test_a_picture_is_fetched_over_https_from_a_public_address_only(tmp_path, bluesky, caplog, url):
    """127.0.0.1 is the loopback PDS's own address (allowed, as for a PDS on a private network);
    another loopback address or the cloud metadata service is not reached at all."""
    write_outbox(tmp_path / "outbox")
    with_picture(tmp_path / "outbox", url)
    with caplog.at_level(logging.WARNING, logger="pipeline.deliver.thumb"):
        (o,) = send(tmp_path, bluesky).outcomes
    assert o.result == "sent" and bluesky.blobs == {}
    assert "https only" in caplog.text or "not a public address" in caplog.text


def test_sniff_knows_pictures_from_their_first_bytes():
    assert sniff(PICTURE) == "image/png" and sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp" and sniff(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
