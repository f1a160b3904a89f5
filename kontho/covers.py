"""A book's cover image: a JPEG or PNG that decodes, of bounded size, whatever brought it.

Pillow decodes the image's header and checks the file's structure, so a file named .jpg that is not one,
or a truncated image, is refused here rather than written into an audiobook a player cannot show.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

COVER_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
_MAX_PIXELS = 100_000_000  # a cover larger than this is a decompression bomb, not a cover


class CoverInvalid(ValueError):
    """The bytes are not a usable cover; the message says why, for a person."""


@dataclass(frozen=True)
class CoverImage:
    data: bytes
    content_type: str
    """image/jpeg or image/png."""
    extension: str
    width: int
    height: int


def check_cover(data: bytes, max_bytes: int) -> CoverImage:
    """``data`` as a cover, or ``CoverInvalid`` saying what is wrong with it."""
    if len(data) > max_bytes:
        raise CoverInvalid(f"the cover has {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, size = image.format, image.size
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise CoverInvalid("the cover is not a JPEG or PNG image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CoverInvalid(f"the cover image is damaged ({exc!s:.120})") from exc
    if kind not in COVER_TYPES:
        raise CoverInvalid(f"the cover is a {kind} image; only JPEG and PNG are accepted")
    if size[0] * size[1] > _MAX_PIXELS:
        raise CoverInvalid(f"the cover has {size[0]}x{size[1]} pixels; the limit is {_MAX_PIXELS:,} pixels")
    content_type, extension = COVER_TYPES[kind]
    return CoverImage(data, content_type, extension, size[0], size[1])
