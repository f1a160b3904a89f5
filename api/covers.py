"""A job's cover: the upload it names as ``cover_upload``, else its EPUB's own cover, else none.

The explicit ``cover_upload`` wins: a client that names a cover means that one, whatever the EPUB holds.
Every way it can be unusable is refused at submit, naming ``cover_upload``: no such upload, nothing PUT
yet, not a JPEG or PNG upload, larger than ``KONTHO_MAX_COVER_BYTES``, or bytes that do not decode.
"""

from __future__ import annotations

from api.deps import Services
from api.errors import ApiError
from api.ingest import find_upload
from api.models import ErrorBody
from kontho import keys
from kontho.covers import CoverImage, CoverInvalid, check_cover
from kontho.schemas import COVER_CONTENT_TYPES

FIELD = "cover_upload"


def _refuse(code: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, ErrorBody(code=code, field=FIELD, message=message))


def job_cover(
    services: Services, cover_upload: str | None, tenant: str, book_cover: CoverImage | None
) -> CoverImage | None:
    """The cover the job's audio carries, or an ``ApiError`` naming ``cover_upload``."""
    if cover_upload is None:
        return book_cover
    upload = find_upload(services, cover_upload, tenant)
    if upload is None:
        raise _refuse("unknown_upload", f"cover_upload: no upload with id {cover_upload[:64]!r}")
    if upload.content_type not in COVER_CONTENT_TYPES:
        raise _refuse(
            "cover_not_an_image",
            f"cover_upload: the upload is {upload.content_type}; a cover is image/jpeg or image/png",
        )
    key = keys.upload_file(upload.tenant, upload.id)
    size = services.store.size_of(key)
    if size is None:
        raise _refuse("upload_not_received", "cover_upload: nothing has been PUT to this upload's URL yet")
    limit = services.settings.max_cover_bytes
    if size > limit:
        raise _refuse(
            "cover_too_large", f"cover_upload: the image has {size:,} bytes; the limit is {limit:,}", 413
        )
    try:
        return check_cover(services.store.get_bytes(key) or b"", limit)
    except CoverInvalid as exc:
        raise _refuse("invalid_cover", f"cover_upload: {exc}") from exc
