"""Uploads: large inputs go straight to S3 through a presigned URL, never through the API's body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Path, Response, status

from api.auth import TenantDep
from api.deps import Services, ServicesDep
from api.errors import ApiError
from api.ingest import find_upload
from api.models import CreateUploadRequest, ErrorBody, ErrorResponse, UploadOut
from kontho import keys
from kontho.ids import ID_LENGTH, new_job_id
from kontho.schemas import CLIP_CONTENT_TYPES, COVER_CONTENT_TYPES, UploadRecord
from kontho.settings import Settings

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])
log = structlog.get_logger(__name__)

UploadId = Annotated[
    str, Path(min_length=1, max_length=64, description=f"Upload id ({ID_LENGTH} characters).")
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 413, 422, 503)
}


def document_limits(schema: dict[str, Any], settings: Settings) -> None:
    """State this deployment's upload size limit in its OpenAPI schema, as the route enforces it."""
    size = schema["components"]["schemas"]["CreateUploadRequest"]["properties"]["bytes"]
    size["maximum"] = settings.max_upload_bytes
    cover, clip = _limit(settings, "image/png"), _limit(settings, "audio/wav")
    size["description"] = (
        f"{size.get('description', '')} At most {settings.max_upload_bytes:,} bytes; a cover image "
        f"(image/jpeg, image/png) at most {cover:,}; a voice clip (audio/wav, audio/x-wav, audio/mpeg, "
        f"audio/flac) at most {clip:,}.".strip()
    )


def _limit(settings: Settings, content_type: str) -> int:
    """A cover or a clip is held to the smaller of two limits: it is an upload, and a cover or a clip."""
    if content_type in COVER_CONTENT_TYPES:
        return min(settings.max_cover_bytes, settings.max_upload_bytes)
    if content_type in CLIP_CONTENT_TYPES:
        return min(settings.max_voice_clip_bytes, settings.max_upload_bytes)
    return settings.max_upload_bytes


def _out(services: Services, upload: UploadRecord, received: bool | None = None) -> UploadOut:
    expires = max(1, int((upload.expires_at - datetime.now(UTC)).total_seconds()))
    key = keys.upload_file(upload.tenant, upload.id)
    return UploadOut(
        id=upload.id,
        url=services.store.presign_put(key, upload.content_type, upload.bytes, expires),
        headers={"Content-Type": upload.content_type},
        expires_at=upload.expires_at,
        content_type=upload.content_type,
        bytes=upload.bytes,
        received=services.store.size_of(key) is not None if received is None else received,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UploadOut, responses=_ERRORS)
def create_upload(
    body: CreateUploadRequest, services: ServicesDep, response: Response, tenant: TenantDep
) -> UploadOut:
    """A presigned S3 URL to PUT one input file to; then name the upload's id in POST /v1/jobs."""
    limit = _limit(services.settings, body.content_type)
    if body.bytes > limit:
        raise ApiError(
            413,
            ErrorBody(
                code="upload_too_large",
                field="bytes",
                message=f"the file has {body.bytes:,} bytes; the limit is {limit:,}",
            ),
        )
    now = datetime.now(UTC)
    upload = UploadRecord(
        id=new_job_id(),
        tenant=tenant.id,
        content_type=body.content_type,
        bytes=body.bytes,
        filename=body.filename,
        created_at=now,
        expires_at=now + timedelta(seconds=services.settings.presign_expires_seconds),
    )
    services.store.put_upload(upload)
    log.info("upload_created", upload_id=upload.id, content_type=upload.content_type, bytes=upload.bytes)
    response.headers["Location"] = f"/v1/uploads/{upload.id}"
    return _out(services, upload, received=False)  # just created: nothing can have arrived yet


@router.get("/{upload_id}", response_model=UploadOut, responses=_ERRORS)
def get_upload(upload_id: UploadId, services: ServicesDep, tenant: TenantDep) -> UploadOut:
    """The upload, whether its file has arrived, and a fresh URL until it expires."""
    upload = find_upload(services, upload_id, tenant.id)
    if upload is None:
        raise ApiError(
            404,
            ErrorBody(code="upload_not_found", field="id", message=f"no upload with id {upload_id[:64]!r}"),
        )
    return _out(services, upload)
