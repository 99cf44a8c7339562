"""Mastodon against a loopback server that follows its API: the instance's limit, Bearer token,
error bodies, and Idempotency-Key, so a retry after a timeout cannot post twice."""
from __future__ import annotations

import json

from conftest import ENV, MASTODON_TEXT, settings, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.deliver import deliver

PATH = "posts/lupus/mastodon.txt"


def test_one_status_with_an_idempotency_key_equal_to_the_approved_text(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    (o,) = deliver(settings(write_config(tmp_path, mastodon=mastodon)), env=ENV, channel="mastodon").outcomes
    assert o.result == "sent", o.detail
    (status,) = mastodon.statuses
    assert status["text"] == MASTODON_TEXT and status["language"] == "en"
    (post,) = mastodon.posts
    key = post.header("Idempotency-Key")
    assert key and len(key) >= 16 and post.header("Authorization") == "Bearer " + ENV["NEWSDESK_MASTODON_TOKEN"]
    entry = status_of(box, ids[PATH])
    assert (entry.status, entry.remote_id, entry.remote_url) == ("sent", status["id"], status["url"])


def test_a_timeout_after_the_server_took_the_post_is_retried_with_the_same_key(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    mastodon.hang_after = 1                        # creates the status, never answers
    cfg = write_config(tmp_path, mastodon=mastodon, timeout=0.5)
    (o,) = deliver(settings(cfg), env=ENV, channel="mastodon").outcomes
    assert o.result == "sent", o.detail
    assert len(mastodon.posts) == 2 and len(mastodon.statuses) == 1
    assert len({p.header("Idempotency-Key") for p in mastodon.posts}) == 1
    assert status_of(box, ids[PATH]).remote_url == mastodon.statuses[0]["url"]


def test_the_instance_limit_is_what_the_validator_uses(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    mastodon.max_characters = 60                   # a small instance; the text is longer
    (o,) = deliver(settings(write_config(tmp_path, mastodon=mastodon)), env=ENV, channel="mastodon").outcomes
    assert o.result == "failed" and "instance's limit of 60" in o.detail and o.draft in o.detail
    assert mastodon.posts == [] and status_of(box, ids[PATH]).status == outbox.APPROVED


def test_a_rejected_token_is_a_clear_failure_and_the_draft_stays_approved(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    env = {**ENV, "NEWSDESK_MASTODON_TOKEN": "not-the-token"}
    (o,) = deliver(settings(write_config(tmp_path, mastodon=mastodon)), env=env, channel="mastodon").outcomes
    assert o.result == "failed" and "HTTP 401: The access token is invalid" in o.detail
    assert o.detail.startswith("mastodon: ") and ids[PATH] in o.detail
    entry = status_of(box, ids[PATH])
    assert entry.status == outbox.APPROVED and entry.history[-1].reason.startswith("not sent: mastodon")
    assert mastodon.statuses == []


def test_a_thread_is_posted_in_order_as_replies(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box, mastodon_text="1/3 First part.\n\n---\n\n2/3 Second part.\n\n---\n\n3/3 Third.")
    (o,) = deliver(settings(write_config(tmp_path, mastodon=mastodon)), env=ENV, channel="mastodon").outcomes
    assert o.result == "sent", o.detail
    texts = [s["text"] for s in mastodon.statuses]
    assert texts == ["1/3 First part.", "2/3 Second part.", "3/3 Third."]
    s1, s2, s3 = mastodon.statuses
    assert (s1["in_reply_to_id"], s2["in_reply_to_id"], s3["in_reply_to_id"]) == (None, s1["id"], s2["id"])
    assert len({s["idempotency_key"] for s in mastodon.statuses}) == 3
    assert status_of(box, ids[PATH]).remote_url == s1["url"]
    assert [json.loads(p.body)["status"] for p in mastodon.posts] == texts


def test_a_thread_refused_half_way_is_left_sending_and_resumed_without_repeating_its_start(tmp_path, mastodon):
    box = tmp_path / "outbox"
    ids = write_outbox(box, mastodon_text="1/2 First part.\n\n---\n\n2/2 Second part.")
    cfg = write_config(tmp_path, mastodon=mastodon)
    mastodon.refuse_replies = True
    (o,) = deliver(settings(cfg), env=ENV, channel="mastodon").outcomes
    assert o.result == "stuck" and "parts 1-1 went out" in o.detail and mastodon.statuses[0]["url"] in o.detail
    assert status_of(box, ids[PATH]).status == outbox.SENDING      # never back to approved
    mastodon.refuse_replies = False
    (o,) = deliver(settings(cfg), env=ENV, channel="mastodon").outcomes
    assert o.result == "sent"
    assert [s["text"] for s in mastodon.statuses] == ["1/2 First part.", "2/2 Second part."]
    assert mastodon.statuses[1]["in_reply_to_id"] == mastodon.statuses[0]["id"]
