"""Static sites the pipeline publishes (the Data Docs, the dashboards): a local folder or S3.

A site is always built in a local folder first. When its home is ``s3://bucket/prefix``, the
folder is then mirrored there, uploading only the files whose content changed, so a rebuild that
changes one page uploads one page.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from olist_pipeline.lake.partitions import Lake, S3Storage


def location(site_uri: str) -> str:
    """Where a person opens the site: the index's S3 URI or local file path."""
    if site_uri.startswith("s3://"):
        return f"{site_uri.rstrip('/')}/index.html"
    return str(Path(site_uri.removeprefix("file://")).resolve() / "index.html")


def default_s3_client(lake: Lake | None = None):
    """The lake's own S3 client when the lake is on S3 (one set of credentials), else boto3's."""
    if lake is not None and isinstance(lake.storage, S3Storage):
        return lake.storage.client
    import boto3

    return boto3.client("s3")


def mirror_to_s3(local_site: Path, site_uri: str, client) -> int:
    """Mirror the local site to ``site_uri``; the number of files uploaded. Hidden files (a name
    starting with a dot, such as the Data Docs build's ``.self_contained`` stamp) are the local
    build's bookkeeping, not the site's, and stay local."""
    bucket, _, prefix = site_uri.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    existing: dict[str, str] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for item in page.get("Contents", []):
            existing[item["Key"]] = item["ETag"].strip('"')
    uploaded = 0
    for path in sorted(p for p in local_site.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        relative = path.relative_to(local_site).as_posix()
        key = f"{prefix}/{relative}" if prefix else relative
        body = path.read_bytes()
        if existing.get(key) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            continue
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        uploaded += 1
    return uploaded
