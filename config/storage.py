"""Where uploaded files live: the local filesystem (MEDIA_ROOT), or an
S3-compatible bucket when the environment names one (issue 6, Production).

Files are private either way: attachments and scans are served only through
the portal's own views, which check who asks, so the bucket is written with
a private ACL and the portal never hands out an object URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


def default_storage_from(environ: Mapping[str, str]) -> dict[str, Any]:
    """``STORAGES["default"]`` for this environment: S3 when ``S3_BUCKET`` is
    set (with ``S3_ENDPOINT_URL``, ``S3_REGION``, ``S3_ACCESS_KEY_ID``,
    ``S3_SECRET_ACCESS_KEY``, ``S3_PREFIX``), the filesystem otherwise."""
    bucket = environ.get("S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": FILESYSTEM_BACKEND}
    endpoint = environ.get("S3_ENDPOINT_URL", "").strip()
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ImproperlyConfigured("S3_ENDPOINT_URL must be an http:// or https:// address")
    access_key = environ.get("S3_ACCESS_KEY_ID", "")
    secret_key = environ.get("S3_SECRET_ACCESS_KEY", "")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (to use the machine's role)"
        )
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": environ.get("S3_REGION", "").strip() or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": environ.get("S3_PREFIX", "").strip().strip("/"),
            # Private objects, never a public or pre-signed URL handed out:
            # the download views read the bytes through the storage API.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            # Names are random (services.models); an existing name is never replaced.
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
