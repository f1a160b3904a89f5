"""Job records, texts and artifacts in S3: the only durable state kontho has."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from kontho import keys
from kontho.errors import StorageUnavailable
from kontho.retry import aws_retry
from kontho.schemas import JobRecord, UploadRecord

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}


_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict"}


class RecordChanged(Exception):
    """A conditional write found the record changed: another worker (or a cancel) wrote it first."""


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code", "") in _MISSING


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII name for old clients, and the real one, percent-encoded UTF-8, for the rest."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class JobStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    @aws_retry(StorageUnavailable)
    def put_text(self, tenant: str, job_id: str, text: str) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=keys.job_input(tenant, job_id),
            Body=text.encode("utf-8"),
            ContentType="text/plain; charset=utf-8",
        )

    def get_text(self, tenant: str, job_id: str) -> str | None:
        body = self._get(keys.job_input(tenant, job_id))
        return None if body is None else body.decode("utf-8")

    @aws_retry(StorageUnavailable)
    def put_record(self, record: JobRecord, if_match: str | None = None) -> str:
        """Store the record; returns its new ETag. With ``if_match``, only over that version of it
        (an S3 conditional write): ``RecordChanged`` when someone else wrote it since."""
        extra = {"IfMatch": if_match} if if_match is not None else {}
        try:
            response = self._s3.put_object(
                Bucket=self.bucket,
                Key=keys.job_record(record.tenant, record.id),
                Body=record.model_dump_json().encode(),
                ContentType="application/json",
                **extra,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            # Gone counts as changed: a job erased under a worker must not be written back.
            if if_match is not None and (
                exc.response.get("Error", {}).get("Code") in _CONFLICT or _is_missing(exc)
            ):
                raise RecordChanged(f"job {record.id}'s record changed since this worker read it") from exc
            raise
        return response["ETag"]

    def get_record(self, tenant: str, job_id: str) -> JobRecord | None:
        found = self.get_record_versioned(tenant, job_id)
        return None if found is None else found[0]

    def get_record_versioned(self, tenant: str, job_id: str) -> tuple[JobRecord, str] | None:
        """The record and its ETag, for a conditional write back."""
        found = self.get_versioned(keys.job_record(tenant, job_id))
        return None if found is None else (JobRecord.model_validate_json(found[0]), found[1])

    def put_upload(self, upload: UploadRecord) -> None:
        key = keys.upload_record(upload.tenant, upload.id)
        self.put_bytes(key, upload.model_dump_json().encode(), "application/json")

    def get_upload(self, tenant: str, upload_id: str) -> UploadRecord | None:
        body = self._get(keys.upload_record(tenant, upload_id))
        return None if body is None else UploadRecord.model_validate_json(body)

    @aws_retry(StorageUnavailable)
    def size_of(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is no such object; reads no content."""
        try:
            return self._s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    @aws_retry(StorageUnavailable)
    def last_modified(self, key: str) -> datetime | None:
        """When the object was last written, or None when there is no such object; reads no content."""
        try:
            return self._s3.head_object(Bucket=self.bucket, Key=key)["LastModified"]
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    @aws_retry(StorageUnavailable)
    def rewrite_in_place(self, key: str, content_type: str, tagging: str) -> bool:
        """Copy the object onto itself with ``tagging``: S3 counts lifecycle age from the last write, so
        this restarts the object's expiry clock. False when the object is gone."""
        try:
            self._s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
                ContentType=content_type,
                TaggingDirective="REPLACE",
                Tagging=tagging,
            )
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    @aws_retry(StorageUnavailable)
    def delete_keys(self, names: Iterable[str]) -> int:
        """Remove the named objects, a thousand per request; those already gone are no error."""
        names = list(names)
        for start in range(0, len(names), 1000):
            batch = [{"Key": name} for name in names[start : start + 1000]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})  # type: ignore[typeddict-item]
        return len(names)

    def presign_put(self, key: str, content_type: str, content_length: int, expires_seconds: int) -> str:
        """A URL that accepts one PUT of exactly ``content_length`` bytes of ``content_type``."""
        return self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": content_length,
            },
            ExpiresIn=expires_seconds,
        )

    def _get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        found = self.get_versioned(key)
        return None if found is None else found[0]

    @aws_retry(StorageUnavailable)
    def put_bytes(self, key: str, body: bytes, content_type: str, tagging: str | None = None) -> None:
        extra = {"Tagging": tagging} if tagging else {}
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **extra)  # type: ignore[arg-type]

    @aws_retry(StorageUnavailable)
    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def put_if_absent(self, key: str, body: bytes, content_type: str) -> bool:
        """Create the object unless one exists (S3 conditional write); False when it already did."""
        return self.put_conditional(key, body, None, content_type)

    def get_bytes(self, key: str) -> bytes | None:
        return self._get(key)

    @aws_retry(StorageUnavailable)
    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and ETag (for a conditional write back), or None when there is none."""
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise
        return response["Body"].read(), response["ETag"]

    @aws_retry(StorageUnavailable)
    def put_conditional(
        self, key: str, body: bytes, if_match: str | None, content_type: str = "application/json"
    ) -> bool:
        """Write over version ``if_match`` (or create, when None); False when someone wrote first."""
        condition = {"IfMatch": if_match} if if_match is not None else {"IfNoneMatch": "*"}
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                **condition,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            # 409: another conditional write to the same key is in flight; one of them wins, and the
            # caller reads which.
            if exc.response.get("Error", {}).get("Code") in _CONFLICT:
                return False
            raise
        return True

    @aws_retry(StorageUnavailable)
    def list_page(self, prefix: str, start_after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` keys under ``prefix`` in ascending order, after ``start_after``."""
        params: dict[str, object] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": limit}
        if start_after:
            params["StartAfter"] = start_after
        response = self._s3.list_objects_v2(**params)  # type: ignore[arg-type]
        return [obj["Key"] for obj in response.get("Contents", [])]

    @aws_retry(StorageUnavailable)
    def list_keys(self, prefix: str) -> set[str]:
        found: set[str] = set()
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.update(obj["Key"] for obj in page.get("Contents", []))
        return found

    @aws_retry(StorageUnavailable)
    def upload_file(self, key: str, path: Path, content_type: str) -> int:
        """Upload ``path`` (multipart above 8 MB, via boto3's transfer manager); returns its size."""
        self._s3.upload_file(str(path), self.bucket, key, ExtraArgs={"ContentType": content_type})
        return path.stat().st_size

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str:
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)

    @aws_retry(StorageUnavailable)
    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``, a thousand per request; how many there were."""
        removed = 0
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            batch = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if batch:
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})  # type: ignore[typeddict-item]
                removed += len(batch)
        return removed

    @aws_retry(StorageUnavailable, attempts=1)
    def ping(self) -> None:
        self._s3.head_bucket(Bucket=self.bucket)
