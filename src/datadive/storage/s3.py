"""Blobs in an S3-compatible bucket (AWS, MinIO, Ceph, moto …) through boto3.

boto3 blocks, so every call runs in a thread. A blob is uploaded only once its hash is known,
under its final key: S3 makes an object visible only when its upload is complete, so readers
never see half a blob."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from datadive.storage.base import CHUNK_SIZE, FileStore, check_key, hash_file, key_for
from datadive.storage.read_cache import ReadCache

MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING_CODES


class S3FileStore(FileStore):
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        cache: ReadCache | None = None,
    ) -> None:
        self.bucket = bucket
        self.cache = cache
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID …, profiles, roles).
        # Creating a client does not connect.
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def object_name(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, source: Path, *, sha256: str | None = None) -> str:
        if sha256 is None:
            sha256 = await asyncio.to_thread(hash_file, source)
        key = key_for(sha256)
        if await self.exists(key):
            return key
        await asyncio.to_thread(
            self.client.upload_file, str(source), self.bucket, self.object_name(key)
        )
        return key

    async def read(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        name = self.object_name(key)
        try:
            response = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if is_missing(exc):
                raise FileNotFoundError(key) from None
            raise
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, chunk_size):
                yield chunk
        finally:
            body.close()

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str, *, suffix: str = "") -> AsyncIterator[Path]:
        """A downloaded copy; with a cache, downloaded once and kept for the next reader."""
        if self.cache is None:
            async with super().local_copy(key, suffix=suffix) as copy:
                yield copy
            return
        async with self.cache.local_copy(
            key, size_of=self.size, download=self.copy_to, suffix=suffix
        ) as copy:
            yield copy

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(
            self.client.delete_object, Bucket=self.bucket, Key=self.object_name(key)
        )

    async def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self.object_name(key)
            )
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return head

    async def exists(self, key: str) -> bool:
        return await self._head(key) is not None

    async def size(self, key: str) -> int:
        head = await self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)
