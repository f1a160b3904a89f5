"""What ``kontho submit`` accepts: UTF-8 text, Markdown and EPUB files, and nothing it would misread.

A Word file, a PDF or an image read as text would become minutes of the voice spelling out binary, so
they are refused before anything is sent, with the types kontho does read.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt": "plain", ".md": "markdown", ".markdown": "markdown", ".ssml": "ssml"}
EPUB_SUFFIX = ".epub"
SUPPORTED = "kontho reads .txt (plain text), .md or .markdown (Markdown), .ssml (SSML), all UTF-8, and .epub"


class UnsupportedInput(Exception):
    """A file ``kontho submit`` will not send, and why."""


@dataclass(frozen=True)
class Input:
    path: Path
    text: str | None
    """The file's text, for text and Markdown; None for an EPUB, which goes up as a file."""
    text_format: str | None
    """plain, markdown or ssml; None lets the API decide (an EPUB)."""

    @property
    def is_epub(self) -> bool:
        return self.text is None


def read_input(path: Path, text_format: str | None = None) -> Input:
    """The file as kontho will send it; ``UnsupportedInput`` for anything it cannot mean.

    A file whose name ends otherwise is sent only when ``text_format`` says it is text, and then only if
    it is UTF-8 text.
    """
    suffix = path.suffix.lower()
    if suffix == EPUB_SUFFIX:
        if not zipfile.is_zipfile(path):
            raise UnsupportedInput(f"{path.name}: named .epub but not an EPUB (an EPUB is a zip archive)")
        return Input(path, None, text_format)
    if suffix not in TEXT_SUFFIXES and text_format is None:
        kind = f"{suffix} files" if suffix else "files without a .txt, .md or .epub suffix"
        raise UnsupportedInput(
            f"{path.name}: kontho does not read {kind}; {SUPPORTED}. Export it as one of those "
            "(a text file under another name: pass --text-format plain or markdown)"
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedInput(
            f"{path.name}: not UTF-8 text (byte {exc.start} cannot be decoded); {SUPPORTED}"
        ) from exc
    if "\x00" in text:
        raise UnsupportedInput(f"{path.name}: binary data, not text; {SUPPORTED}")
    return Input(path, text, text_format or TEXT_SUFFIXES.get(suffix, "plain"))
