"""Bluesky against a loopback XRPC server: createSession, getRecord, createRecord with a record
key derived from the draft, facets in UTF-8 byte offsets, the link card; a timeout after the
server took the record finds it instead of posting again."""
from __future__ import annotations

import json

import pytest

from conftest import BLUESKY_TEXT, DIGEST, ENV, LINK, settings, status_of, write_config, write_outbox
from delivery_servers import TID
from pipeline import outbox
from pipeline.deliver import deliver
from pipeline.deliver.bluesky import find_facets

PATH = "posts/lupus/bluesky.txt"


def _send(tmp_path, bluesky, **kw):
    return deliver(settings(write_config(tmp_path, bluesky=bluesky, **kw)), env=ENV, channel="bluesky")


def test_the_record_carries_the_approved_text_its_facets_and_a_link_card(tmp_path, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    (o,) = _send(tmp_path, bluesky).outcomes
    assert o.result == "sent", o.detail
    ((rkey, record),) = bluesky.records.items()
    assert TID.fullmatch(rkey)
    assert record["text"] == BLUESKY_TEXT and record["langs"] == ["en"]
    data = BLUESKY_TEXT.encode("utf-8")
    spans = {data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(): f["features"][0]
             for f in record["facets"]}
    assert spans["news.example.org/lupus-car-t"]["uri"] == LINK     # a short label, the full link
    assert spans["#Lupus"]["tag"] == "Lupus"
    assert record["embed"] == {"$type": "app.bsky.embed.external", "external": {
        "uri": LINK, "title": "Lupus patients in remission after CAR T-cell therapy",
        "description": "A small study saw lupus go into remission."}}
    assert record["createdAt"] != "2026-11-22T00:00:00.000Z"      # stamped when sent
    entry = status_of(box, ids[PATH])
    assert entry.status == "sent" and entry.remote_id == bluesky.uri(rkey)
    assert entry.remote_url == f"https://bsky.app/profile/newsdesk.example.org/post/{rkey}"


def test_the_record_key_is_derived_from_the_draft(tmp_path, bluesky):
    write_outbox(tmp_path / "a" / "outbox")
    write_outbox(tmp_path / "b" / "outbox")
    for side in ("a", "b"):
        (o,) = _send(tmp_path / side, bluesky).outcomes
        assert o.result == "sent", o.detail
    # The same draft in a second outbox has the same key: the second run finds the record.
    assert len(bluesky.records) == 1 and len(bluesky.creates) == 1


def test_a_timeout_after_the_server_took_the_record_finds_it(tmp_path, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    bluesky.hang_after = 1
    (o,) = _send(tmp_path, bluesky, timeout=0.5).outcomes
    assert o.result == "sent", o.detail
    assert len(bluesky.creates) == 1 and len(bluesky.records) == 1
    assert status_of(box, ids[PATH]).remote_id == bluesky.uri(next(iter(bluesky.records)))


def test_an_edited_text_gets_its_facets_found_again(tmp_path, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    folder = box / DIGEST
    edited = "Edited: see https://news.example.org/x and #Lupus \u00e9t\u00e9"
    (folder / PATH).write_text(edited + "\n", encoding="utf-8")
    outbox.list_digests(box)                       # records the edit: back to draft
    outbox.set_status(box, [ids[PATH]], outbox.APPROVED, by="ed")
    (o,) = _send(tmp_path, bluesky).outcomes
    assert o.result == "sent", o.detail
    (record,) = bluesky.records.values()
    assert record["text"] == edited
    data = edited.encode()
    assert [data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in record["facets"]] == [
        "https://news.example.org/x", "#Lupus"]


@pytest.mark.parametrize("text,spans", [
    ("read https://a.example/x.", ["https://a.example/x"]),
    ("\U0001F9EC #CarT now", ["#CarT"]),
    ("na\u00efve (https://a.example/p?q=1) #x1", ["https://a.example/p?q=1", "#x1"]),
    ("no#tag here, #1 is not a tag", []),
])
def test_facets_are_utf8_byte_spans(text, spans):
    data = text.encode()
    assert [data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in find_facets(text)] == spans


def test_a_wrong_app_password_is_a_clear_failure(tmp_path, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    env = {**ENV, "NEWSDESK_BLUESKY_APP_PASSWORD": "nope"}
    (o,) = deliver(settings(write_config(tmp_path, bluesky=bluesky)), env=env, channel="bluesky").outcomes
    assert o.result == "failed" and "bluesky: login as newsdesk.example.org refused: HTTP 401" in o.detail
    assert status_of(box, ids[PATH]).status == outbox.APPROVED and bluesky.records == {}


def test_a_pds_that_refuses_chosen_keys_on_create_gets_the_record_by_put(tmp_path, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    bluesky.custom_post_rkeys = False
    (o,) = _send(tmp_path, bluesky).outcomes
    assert o.result == "sent", o.detail
    puts = bluesky.http.requests_to("/xrpc/com.atproto.repo.putRecord")
    assert len(bluesky.creates) == 1 and len(puts) == 1 and len(bluesky.records) == 1
    assert json.loads(puts[0].body)["rkey"] == next(iter(bluesky.records))
    assert _send(tmp_path, bluesky).outcomes == ()
    assert len(bluesky.http.requests_to("/xrpc/com.atproto.repo.putRecord")) == 1
