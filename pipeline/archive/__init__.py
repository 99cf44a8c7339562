"""Archive: the digests that went out, as a static web folder any host can serve as it is.

In: the outbox's digests whose e-mail was sent (`newsdesk deliver`) or approved (`newsdesk
publish`), each with the web edition rendered beside the e-mail (web.html, approved with it).
Out: the [archive] folder (archive/ by default): <edition>/index.html (the page, every source
listed), <edition>/edition.json (what the index and the feed say of it), index.html (every
edition) and, with [archive] site_url, feed.xml (Atom). Files are written atomically and only
when their bytes change, so publishing again changes nothing.
"""
from pipeline.archive.publish import Published, publish

__all__ = ["Published", "publish"]
