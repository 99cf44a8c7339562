"""Render: Stories -> Drafts (the digest e-mail as HTML and text parts, its message built by mail.py
when it is sent; one post per network)."""
