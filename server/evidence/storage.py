"""Where evidence photos are kept: behind one small interface, a folder or the database.

A folder under ``instance/`` suits one server; several app servers share the
PostgreSQL database (``PHOTO_STORE=database``). Both are content-addressed:
storing the same bytes twice keeps one copy.
"""

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from server.evidence.models import PhotoBlob
from server.extensions import db


class PhotoStore(Protocol):
    """Content-addressed bytes: kept under their SHA-256, stored once."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes | None: ...

    def has(self, sha256: str) -> bool: ...


class FolderStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a photo.
        handle, temporary = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None

    def has(self, sha256: str) -> bool:
        return self._path(sha256).exists()


class DatabaseStore:
    def put(self, sha256: str, data: bytes) -> None:
        if db.session.get(PhotoBlob, sha256) is None:
            db.session.add(PhotoBlob(sha256=sha256, data=data))

    def get(self, sha256: str) -> bytes | None:
        blob = db.session.get(PhotoBlob, sha256)
        return blob.data if blob is not None else None

    def has(self, sha256: str) -> bool:
        return db.session.scalar(select(PhotoBlob.sha256).where(PhotoBlob.sha256 == sha256)) is not None


def photo_store() -> PhotoStore:
    """The store this deployment is configured with."""
    kind = current_app.config["PHOTO_STORE"]
    if kind == "database":
        return DatabaseStore()
    if kind == "folder":
        return FolderStore(current_app.config["PHOTO_DIR"] or Path(current_app.instance_path) / "photos")
    raise RuntimeError(f"PHOTO_STORE must be 'folder' or 'database', not {kind!r}")
