"""The FileStore contract, run against the local folder and a real S3-compatible server."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from datadive.errors import ConfigurationError
from datadive.storage import FileStore, LocalFileStore, S3FileStore, build_file_store, key_for
from tests.support.s3 import S3Server
from tests.support.world import build_world


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStore]:
    if request.param == "local":
        yield LocalFileStore(tmp_path / "blobs")
        return
    request.getfixturevalue("s3_credentials")
    server: S3Server = request.getfixturevalue("s3_server")
    s3 = S3FileStore(
        bucket=server.new_bucket(), prefix="projects/", endpoint_url=server.endpoint_url
    )
    yield s3
    await s3.close()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_put_is_content_addressed_and_read_streams_the_bytes(
    store: FileStore, tmp_path: Path
) -> None:
    data = secrets.token_bytes(3 * 1024 * 1024 + 17)
    first = await store.put(write(tmp_path, "a.bin", data))

    assert first == key_for(hashlib.sha256(data).hexdigest())
    chunks = [chunk async for chunk in store.read(first, chunk_size=1024 * 1024)]
    assert len(chunks) == 4
    assert b"".join(chunks) == data
    assert await store.size(first) == len(data)


async def test_the_same_bytes_are_stored_once(store: FileStore, tmp_path: Path) -> None:
    data = b"id,score\n1,3\n"
    digest = hashlib.sha256(data).hexdigest()

    first = await store.put(write(tmp_path, "a.csv", data))
    second = await store.put(write(tmp_path, "b.csv", data), sha256=digest)

    assert first == second
    await store.delete(first)
    assert not await store.exists(second)


async def test_delete_and_missing_blobs(store: FileStore, tmp_path: Path) -> None:
    key = await store.put(write(tmp_path, "x.txt", b"hello"))
    assert await store.exists(key)

    await store.delete(key)
    await store.delete(key)  # already gone: no error

    assert not await store.exists(key)
    with pytest.raises(FileNotFoundError):
        await store.read_bytes(key)
    with pytest.raises(FileNotFoundError):
        await store.size(key)


async def test_keys_that_are_not_content_hashes_are_refused(store: FileStore) -> None:
    for key in ("../../etc/passwd", "sha256/ab/../../x", "sha256/zz/" + "0" * 64):
        with pytest.raises(ValueError, match="not a storage key"):
            await store.exists(key)


async def test_copy_to_writes_the_blob_elsewhere(store: FileStore, tmp_path: Path) -> None:
    key = await store.put(write(tmp_path, "x.txt", b"some text\n"))
    target = tmp_path / "out" / "copy.txt"
    target.parent.mkdir()

    await store.copy_to(key, target)

    assert target.read_bytes() == b"some text\n"
    assert [p.name for p in target.parent.iterdir()] == ["copy.txt"]


async def test_concurrent_puts_of_the_same_bytes_leave_one_whole_blob(
    store: FileStore, tmp_path: Path
) -> None:
    data = secrets.token_bytes(256 * 1024)
    sources = [write(tmp_path, f"{i}.bin", data) for i in range(6)]

    keys = await asyncio.gather(*(store.put(source) for source in sources))

    assert len(set(keys)) == 1
    assert await store.read_bytes(keys[0]) == data


def test_only_the_local_store_has_local_paths(tmp_path: Path) -> None:
    local = LocalFileStore(tmp_path)
    key = key_for("ab" * 32)
    assert local.local_path(key) == tmp_path.resolve() / "sha256" / "ab" / ("ab" * 32)
    remote = S3FileStore(bucket="bucket", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    assert remote.local_path(key) is None


def settings_with(storage_url: str | None, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", storage_url=storage_url)


def test_storage_urls_build_the_right_store(tmp_path: Path) -> None:
    default = build_file_store(settings_with(None, tmp_path))
    assert isinstance(default, LocalFileStore)
    assert default.root == (tmp_path / "data" / "files").resolve()

    folder = build_file_store(settings_with(f"file://{tmp_path}/blobs", tmp_path))
    assert isinstance(folder, LocalFileStore)
    assert folder.root == (tmp_path / "blobs").resolve()

    s3 = build_file_store(
        settings_with("s3://my-bucket/datadive/files?endpoint_url=http://127.0.0.1:9000", tmp_path)
    )
    assert isinstance(s3, S3FileStore)
    assert (s3.bucket, s3.prefix) == ("my-bucket", "datadive/files/")
    assert s3.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert s3.cache is not None
    assert s3.cache.folder == (tmp_path / "data" / "cache" / "blobs").resolve()

    uncached = build_file_store(
        settings_with("s3://my-bucket", tmp_path).model_copy(update={"storage_cache_bytes": 0})
    )
    assert isinstance(uncached, S3FileStore)
    assert uncached.cache is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/files",
        "s3://",
        "s3://UPPER_case/x",
        "s3://bucket?endpoint=http://x",
        "s3://bucket?endpoint_url=file:///etc",
        "file://remote-host/path",
        "/just/a/path",
    ],
)
def test_bad_storage_urls_name_the_setting(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DATADIVE_STORAGE_URL"):
        build_file_store(settings_with(url, tmp_path))


@pytest.fixture
async def s3_app(
    settings: Settings, s3_server: S3Server, s3_credentials: None
) -> AsyncIterator[FastAPI]:
    url = s3_server.new_bucket_url()
    application = create_app(settings.model_copy(update={"storage_url": url}))
    async with application.router.lifespan_context(application):
        yield application


async def test_files_in_s3_are_reachable_through_the_api_while_no_jupyter_server_runs(
    s3_app: FastAPI,
) -> None:
    world = await build_world(s3_app)
    data = b"id,group,score\n1,a,3\n2,b,5\n"
    async with world.editor.client(s3_app) as editor:
        uploaded = await editor.post(
            f"/api/v1/projects/{world.project_id}/files",
            files={"file": ("survey.csv", data, "text/csv")},
        )
        assert uploaded.status_code == 201, uploaded.text
    store = s3_app.state.file_store
    assert isinstance(store, S3FileStore)
    gets: list[object] = []
    store.client.meta.events.register("before-call.s3.GetObject", lambda **_: gets.append(1))
    async with world.viewer.client(s3_app) as viewer:
        downloaded = await viewer.get(f"/api/v1/files/{uploaded.json()['id']}/content")
        previewed = await viewer.get(f"/api/v1/files/{uploaded.json()['id']}/preview")
        again = await viewer.get(f"/api/v1/files/{uploaded.json()['id']}/preview?rows=1")

    assert downloaded.status_code == 200
    assert downloaded.content == data
    assert previewed.status_code == 200, previewed.text
    assert previewed.json()["rows"] == [[1, "a", 3], [2, "b", 5]]
    assert again.json()["rows"] == [[1, "a", 3]]
    assert len(gets) == 2  # the download, and one preview: the second preview read the copy
    assert not (await s3_app.state.backend.status(world.project_id)).running
    assert await store.read_bytes(key_for(hashlib.sha256(data).hexdigest())) == data
    # The bytes live in the bucket: no blob folder was made on this machine.
    assert not (s3_app.state.settings.resolved_data_dir / "files").exists()
