"""S3 blobs read on this machine (previews) are downloaded once and kept within a size,
checked against a real S3-compatible server (moto), counting the downloads it serves."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from datadive.storage import S3FileStore
from datadive.storage.read_cache import ReadCache
from tests.support.s3 import S3Server

pytestmark = pytest.mark.usefixtures("s3_credentials")
CACHE_BYTES = 100


class Downloads:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


@pytest.fixture
async def store(s3_server: S3Server, tmp_path: Path) -> AsyncIterator[S3FileStore]:
    s3 = S3FileStore(
        bucket=s3_server.new_bucket(),
        endpoint_url=s3_server.endpoint_url,
        cache=ReadCache(tmp_path / "cache", max_bytes=CACHE_BYTES),
    )
    yield s3
    await s3.close()


@pytest.fixture
def downloads(store: S3FileStore) -> Downloads:
    counter = Downloads()
    store.client.meta.events.register("before-call.s3.GetObject", counter)
    return counter


async def put(store: S3FileStore, tmp_path: Path, data: bytes) -> str:
    source = tmp_path / secrets.token_hex(4)
    source.write_bytes(data)
    return await store.put(source)


async def read(store: S3FileStore, key: str) -> bytes:
    async with store.local_copy(key, suffix=".csv") as copy:
        assert copy.suffix == ".csv"
        return copy.read_bytes()


def cached_bytes(store: S3FileStore) -> int:
    assert store.cache is not None
    return sum(p.stat().st_size for p in store.cache.folder.iterdir() if p.is_file())


async def test_a_blob_read_twice_is_downloaded_once(
    store: S3FileStore, downloads: Downloads, tmp_path: Path
) -> None:
    data = b"id,score\n" + b"1,2\n" * 5
    key = await put(store, tmp_path, data)

    assert await read(store, key) == data
    assert await read(store, key) == data
    assert downloads.count == 1


async def test_the_least_recently_read_copies_make_room(
    store: S3FileStore, downloads: Downloads, tmp_path: Path
) -> None:
    blobs = [bytes([65 + n]) * 40 for n in range(3)]  # 40 bytes each, the cache holds 100
    keys = [await put(store, tmp_path, data) for data in blobs]

    assert await read(store, keys[0]) == blobs[0]
    assert await read(store, keys[1]) == blobs[1]
    assert await read(store, keys[0]) == blobs[0]  # now more recent than the second
    assert downloads.count == 2
    assert await read(store, keys[2]) == blobs[2]  # the second makes room
    assert cached_bytes(store) <= CACHE_BYTES

    assert await read(store, keys[0]) == blobs[0]
    assert downloads.count == 3
    assert await read(store, keys[1]) == blobs[1]
    assert downloads.count == 4


async def test_a_copy_being_read_stays_whole_when_it_is_dropped(
    store: S3FileStore, tmp_path: Path
) -> None:
    first, second, third = (bytes([97 + n]) * 40 for n in range(3))
    first_key = await put(store, tmp_path, first)
    others = [await put(store, tmp_path, data) for data in (second, third)]

    async with store.local_copy(first_key) as reading:
        for key in others:  # fill the cache past its size: the first copy is dropped
            await read(store, key)
        assert store.cache is not None
        assert not store.cache.path_for(first_key).exists()
        assert reading.read_bytes() == first


async def test_a_blob_bigger_than_the_cache_is_read_but_not_kept(
    store: S3FileStore, downloads: Downloads, tmp_path: Path
) -> None:
    big = b"x" * (CACHE_BYTES + 1)
    key = await put(store, tmp_path, big)

    assert await read(store, key) == big
    assert await read(store, key) == big
    assert downloads.count == 2
    assert cached_bytes(store) == 0


async def test_readers_folders_left_by_a_stopped_process_are_cleared_in_a_day(
    store: S3FileStore, tmp_path: Path
) -> None:
    assert store.cache is not None
    store.cache.folder.mkdir(parents=True)
    left, recent = (store.cache.folder / f".read-{name}" for name in ("left", "recent"))
    for folder in (left, recent):
        folder.mkdir()
        (folder / "file.csv").write_bytes(b"x" * 10)
    day_ago = time.time() - 24 * 3600 - 60
    os.utime(left, (day_ago, day_ago))

    await read(store, await put(store, tmp_path, b"a,b\n1,2\n"))  # a download trims

    assert not left.exists()
    assert (recent / "file.csv").exists()  # perhaps being read by another process


async def test_a_missing_blob_is_not_found(store: S3FileStore) -> None:
    with pytest.raises(FileNotFoundError):
        await read(store, "sha256/ab/" + "ab" * 32)
