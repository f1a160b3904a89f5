"""Small XML documents that clients send (PLS lexicons, SSML), parsed strictly and safely.

Unlike an EPUB's XHTML (kontho/text/xhtml.py, which recovers from broken books), a lexicon or an SSML
document is short and written for us: malformed XML is the client's mistake, reported with its line and
column. A document that declares a DOCTYPE or entities is refused outright, before anything expands: no
DTD is loaded, no entity resolved, nothing fetched from the network.
"""

from __future__ import annotations

from typing import Any

from lxml import etree


class XmlRefused(ValueError):
    """The document is not well-formed XML, or uses what we never parse (a DOCTYPE, entities).

    ``line`` and ``column`` (1-based) say where, when the parser knows.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}" + (f", column {column}" if column else "") if line else ""
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message
        self.line = line
        self.column = column


def _parser() -> Any:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def parse_strict(document: str | bytes) -> Any:
    """The root element of ``document``; ``XmlRefused`` for malformed XML, a DOCTYPE or an entity.

    A ``str`` must not carry an encoding declaration that contradicts it; bytes are read as the
    declaration (or UTF-8) says.
    """
    data = document.encode("utf-8") if isinstance(document, str) else document
    if isinstance(document, str) and data.lstrip().startswith(b"<?xml"):
        # lxml refuses a str with an encoding declaration; the text is already decoded, so read UTF-8.
        _, sep, rest = data.partition(b"?>")
        data = b'<?xml version="1.0" encoding="UTF-8"' + sep + rest if sep else data
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        message = str(exc.msg or exc).split(", line ")[0]
        raise XmlRefused(message, line, column) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlRefused("a DOCTYPE (and any entity it declares) is not accepted", 1)
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise XmlRefused(f"entity &{node.name}; is not accepted", node.sourceline)
    return root


def local_name(element: Any) -> str:
    """An element's tag without its namespace."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
