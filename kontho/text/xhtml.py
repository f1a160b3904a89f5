"""XHTML and the XML around it as lxml can read them safely, whole or in pieces.

XHTML named entities other than XML's own are undefined without the DTD, and libxml2's recovery then drops
every entity after the first; numeric references mean the same and always parse, so named ones are
rewritten before the parser sees them. No parser here reads a DTD, an external entity or the network;
entities a document declares for itself expand within libxml2's bound on amplification (a "billion laughs"
stops the document there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.entities import html5
from typing import Any

from lxml import etree

_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_LONGEST_ENTITY = 34  # "&", a name of at most 32 characters, ";"
_XML_ENTITIES = frozenset([b"amp", b"lt", b"gt", b"quot", b"apos"])


def numeric_entities(content: bytes) -> bytes:
    return _ENTITY.sub(_numeric_entity, content)


def numeric_entities_in_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``numeric_entities`` over a stream, an entity cut between two pieces included."""
    carry = b""
    for piece in pieces:
        content = carry + piece
        # An entity cut at the end of a piece starts at the last "&" and has no ";" yet.
        cut = content.rfind(b"&", max(0, len(content) - _LONGEST_ENTITY))
        if cut != -1 and b";" not in content[cut:]:
            content, carry = content[:cut], content[cut:]
        else:
            carry = b""
        yield numeric_entities(content)
    if carry:
        yield numeric_entities(carry)


def parser(target: object | None = None) -> Any:
    """A recovering parser that resolves nothing from outside the document; events go to ``target``."""
    return etree.XMLParser(target=target, recover=True, resolve_entities=False, no_network=True)


def parse_tree(content: bytes) -> Any:
    """The document's root element, or None when nothing in it parses."""
    try:
        return etree.fromstring(numeric_entities(content), parser())
    except etree.XMLSyntaxError:
        return None


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    chars = None if name in _XML_ENTITIES else html5.get(name.decode("ascii") + ";")
    return b"".join(b"&#%d;" % ord(c) for c in chars) if chars else match.group(0)
