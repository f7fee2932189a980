"""`DATADIVE_STORAGE_URL` → a FileStore. Called by `create_app`, never at import time."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from datadive.config import Settings, env_name
from datadive.errors import ConfigurationError
from datadive.storage.base import FileStore
from datadive.storage.local import LocalFileStore
from datadive.storage.read_cache import ReadCache
from datadive.storage.s3 import S3FileStore

DEFAULT_FOLDER = "files"
CACHE_FOLDER = "cache/blobs"
S3_OPTIONS = {"endpoint_url", "region"}
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _refuse(url: str, reason: str) -> ConfigurationError:
    return ConfigurationError(f"{env_name('storage_url')}={url!r}: {reason}")


def build_file_store(settings: Settings) -> FileStore:
    url = settings.storage_url
    if not url:
        return LocalFileStore(settings.resolved_data_dir / DEFAULT_FOLDER)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise _refuse(url, "write a local folder as file:///absolute/path")
        return LocalFileStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        return _s3_store(url, cache=_read_cache(settings))
    raise _refuse(url, "use file:///path/to/folder or s3://bucket/prefix?endpoint_url=…")


def _read_cache(settings: Settings) -> ReadCache | None:
    if settings.storage_cache_bytes == 0:
        return None
    return ReadCache(
        settings.resolved_data_dir / CACHE_FOLDER, max_bytes=settings.storage_cache_bytes
    )


def _s3_store(url: str, *, cache: ReadCache | None) -> S3FileStore:
    parts = urlsplit(url)
    bucket = parts.netloc
    if not BUCKET_NAME.match(bucket):
        raise _refuse(url, "the bucket name (s3://<bucket>/…) is missing or not a valid name")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _refuse(url, "the query string cannot be read") from None
    unknown = set(query) - S3_OPTIONS
    if unknown:
        raise _refuse(url, f"unknown option {sorted(unknown)[0]!r}; known: endpoint_url, region")
    options = {name: values[-1] for name, values in query.items()}
    endpoint = options.get("endpoint_url") or None
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise _refuse(url, "endpoint_url must be an http:// or https:// address")
    return S3FileStore(
        bucket=bucket,
        prefix=unquote(parts.path),
        endpoint_url=endpoint,
        region=options.get("region") or None,
        cache=cache,
    )
