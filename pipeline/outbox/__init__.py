"""Outbox: Drafts -> files for review, and the review of them.

In: a digest's Drafts and Stories (from render). Out: ``outbox/<date>-<slug>/`` with the drafts'
files and ``manifest.json`` (pipeline.outbox.drafts writes them; pipeline.outbox.manifest reads,
repairs and saves the manifest; pipeline.outbox.review changes a draft's status;
pipeline.outbox.edit saves a reviewer's edit, for `outbox edit` and the review page). The review
page (view, page, serve) needs the `review` extra and is not imported here.
"""
from pipeline.outbox.drafts import write_digest
from pipeline.outbox.manifest import (
    APPROVED, DRAFT, FAILED, ID_LENGTH, JOURNAL, MANIFEST, REJECTED, SENDING, SENT, STATUSES, TRANSITIONS,
    UNKNOWN_REVIEWER, Action, DigestInfo, DraftEntry, Event, StoryEntry, WriteResult, draft_id,
)
from pipeline.outbox.review import (
    DraftChanged, approve_all, check_edits, find_digest, find_draft, list_digests, load_digest,
    mark_sent, retry, set_status,
)

__all__ = [
    "APPROVED", "DRAFT", "FAILED", "ID_LENGTH", "JOURNAL", "MANIFEST", "REJECTED", "SENDING", "SENT", "STATUSES",
    "TRANSITIONS", "UNKNOWN_REVIEWER", "Action", "DigestInfo", "DraftEntry", "Event", "StoryEntry",
    "DraftChanged", "WriteResult", "approve_all", "check_edits", "draft_id", "find_digest",
    "find_draft", "list_digests", "load_digest", "mark_sent", "retry", "set_status", "write_digest",
]
