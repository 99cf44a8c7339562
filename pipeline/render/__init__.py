"""Render: Stories -> Drafts (the digest as HTML, text and .eml; one post per network)."""
