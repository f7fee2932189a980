"""Object storage for project files: a `FileStore` interface, a local folder and S3."""

from datadive.storage.base import FileStore, is_valid_key, key_for
from datadive.storage.factory import build_file_store
from datadive.storage.local import LocalFileStore
from datadive.storage.s3 import S3FileStore

__all__ = [
    "FileStore",
    "LocalFileStore",
    "S3FileStore",
    "build_file_store",
    "is_valid_key",
    "key_for",
]
