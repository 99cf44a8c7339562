"""Newsdesk: feeds and article files in, one reviewed email digest and short social posts out."""

__version__ = "0.1.0"
USER_AGENT = f"Newsdesk/{__version__} (+https://pypi.org/project/newsdesk/; feed reader)"
