"""The console's response headers: a strict Content-Security-Policy and the usual hardening.

The console is a page that holds an API key, so the policy allows nothing but its own files, the API
beside it and the storage origin that presigned URLs point to (audio, marks, uploads). No inline script
or style, no plug-ins, no framing, no <base>: a string that slipped into the DOM as markup still could
not run.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from kontho.settings import Settings


def storage_origins(settings: Settings) -> list[str]:
    """The origins the API's presigned S3 URLs name, for this deployment's settings.

    With an endpoint (the local stack's moto, a MinIO, a VPC endpoint) URLs are path-style on it (kontho.aws).
    On AWS botocore signs virtual-hosted URLs on the global name ``{bucket}.s3.amazonaws.com``; the
    regional name is allowed too, since a botocore that signs regionally must not break the console.
    A bucket with a dot cannot be a TLS host name, so botocore signs those path-style on the region.
    """
    if settings.aws_endpoint_url:
        return [origin_of(settings.aws_endpoint_url)]
    bucket, region = settings.bucket, settings.aws_region
    if "." in bucket:
        return [f"https://s3.{region}.amazonaws.com", "https://s3.amazonaws.com"]
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, as a browser compares origins."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port not in (None, default_port) else ""
    return f"{parts.scheme}://{host}{port}"


def content_security_policy(settings: Settings) -> str:
    storage = " ".join(storage_origins(settings))
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "font-src": "'self'",
        # fetch() to the API (same origin), the presigned PUT of an upload and the GET of marks.json.
        "connect-src": f"'self' {storage}",
        # The <audio> player streams the presigned audio straight from storage.
        "media-src": f"'self' {storage}",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def console_headers(settings: Settings) -> dict[str, str]:
    """Headers every console response carries (the page and its assets alike)."""
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        # The page's address never travels to storage or anywhere else with a request.
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        # Revalidate every time (the ETag makes that cheap), so a deploy's new files are what runs.
        "Cache-Control": "no-cache",
    }
