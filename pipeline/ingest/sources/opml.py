"""OPML subscription lists -> feed sources."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.config import SourceSpec
from pipeline.errors import SourceReadError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def read_opml(path: Path) -> list[SourceSpec]:
    """Every outline with an http(s) xmlUrl, in document order, named by its title or text."""
    try:
        tree = etree.parse(str(path), _PARSER)
    except (OSError, etree.XMLSyntaxError) as e:
        raise SourceReadError(str(path), f"cannot read OPML: {e}") from None
    root = tree.getroot() if tree is not None else None
    if root is None or root.tag.lower() != "opml":
        raise SourceReadError(str(path), "not an OPML file (no <opml> root)")
    specs, seen = [], set()
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if not url.lower().startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        name = (node.get("title") or node.get("text") or url).strip()
        specs.append(SourceSpec(name=name, url=url))
    return specs
