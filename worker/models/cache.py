"""Local cache of model folders, filled from S3 once and verified.

A model lives at a local folder or under ``s3://bucket/prefix/``. An S3 model is downloaded into
``{cache}/{bucket}/{prefix}`` file by file: each file goes to a temporary name, is checked against the
object's size (and ETag, where it is a plain MD5), and only then renamed into place, next to a
``.complete`` marker that records what was fetched. A crash mid-download leaves no file that a later
load could mistake for a whole model.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from kontho.errors import ModelLoadFailed, StorageUnavailable
from kontho.retry import aws_retry

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

log = structlog.get_logger(__name__)
_MARKER = ".complete"


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not bucket:
        raise ModelLoadFailed(f"not an S3 location: {uri!r}")
    return bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/"


class ModelCache:
    def __init__(self, root: Path, s3: S3Client | None) -> None:
        self.root = root
        self._s3 = s3

    def resolve(self, location: str) -> Path:
        """A local folder holding the model named by ``location``, downloading it if need be."""
        if not location.startswith("s3://"):
            folder = Path(location).expanduser()
            if not folder.is_dir():
                raise ModelLoadFailed(f"model folder {folder} does not exist")
            return folder
        bucket, prefix = split_s3_uri(location)
        target = self.root / bucket / prefix
        listing = self._list(bucket, prefix)
        if not listing:
            raise ModelLoadFailed(f"no model files under {location}")
        manifest: dict[str, tuple[int, str]] = {
            key.removeprefix(prefix): (size, etag) for key, size, etag in listing
        }
        marker = target / _MARKER
        if marker.exists() and json.loads(marker.read_text()) == {k: list(v) for k, v in manifest.items()}:
            return target
        log.info(
            "model_download",
            location=location,
            files=len(manifest),
            megabytes=round(sum(v[0] for v in manifest.values()) / 1e6, 1),
        )
        marker.unlink(missing_ok=True)
        for key, size, etag in listing:
            self._fetch(bucket, key, target / key.removeprefix(prefix), size, etag)
        marker.write_text(json.dumps(manifest))
        return target

    @aws_retry(StorageUnavailable)
    def _list(self, bucket: str, prefix: str) -> list[tuple[str, int, str]]:
        if self._s3 is None:
            raise ModelLoadFailed("this worker has no S3 client to fetch models with")
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                # Only the model folder itself: config.json and weights, no nested runs or logs.
                if "/" not in obj["Key"].removeprefix(prefix):
                    found.append((obj["Key"], obj["Size"], obj["ETag"].strip('"')))
        return found

    @aws_retry(StorageUnavailable)
    def _fetch(self, bucket: str, key: str, path: Path, size: int, etag: str) -> None:
        if self._s3 is None:
            raise ModelLoadFailed("this worker has no S3 client to fetch models with")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            self._s3.download_file(bucket, key, str(partial))
            got = partial.stat().st_size
            if got != size:
                raise StorageUnavailable(f"s3://{bucket}/{key}: got {got} bytes, expected {size}")
            # A multipart ETag ("…-N") is not an MD5 of the content; size is all it tells us.
            if "-" not in etag and _md5(partial) != etag:
                raise StorageUnavailable(f"s3://{bucket}/{key}: content does not match its ETag")
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
