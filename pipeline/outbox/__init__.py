"""Outbox: Drafts -> files for review (atomic writes, the manifest, review actions)."""
