"""Content-addressed storage for document bytes: a file system now, any store later.

A store only needs ``put``/``get``; the SHA-256 of the bytes is their name, so writing
the same bytes twice stores them once and a changed byte can never hide behind an old
name. ``QYZMET_BLOB_STORE`` names another implementation (e.g. an S3-compatible store
reached through the country's own object storage), constructed without arguments.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class BlobMissing(Exception):
    pass


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 (hex)."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``, checked against it; BlobMissing if absent."""
        ...


class FilesystemBlobStore:
    """Blobs as files ``<root>/ab/cd/<sha256>``, written atomically, read back verified."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(settings.QYZMET_HOME) / "blobs"

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(temporary).replace(path)
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if len(sha256) != 64 or not path.exists():
            raise BlobMissing(sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobMissing(f"{sha256} is damaged on disk")
        return data


@cache
def _store(path: str, home: str) -> BlobStore:
    if path:
        store: BlobStore = import_string(path)()
        return store
    return FilesystemBlobStore(Path(home) / "blobs")


def blob_store() -> BlobStore:
    return _store(settings.QYZMET_BLOB_STORE, str(settings.QYZMET_HOME))
