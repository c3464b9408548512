"""Object store: one interface, a local folder (embedded default) and S3 (``storage.s3store``).

Every object carries the SHA-256 of its bytes, recorded when it was written (S3: user metadata
``x-amz-meta-sha256``; local: a metadata file under ``<root>/.meta/``). ``get`` recomputes it and
raises :class:`IntegrityError` when the bytes changed behind the store's back. Every ``put`` is
verified by reading back what the server recorded.

Keys are ``/``-separated, made of ``[A-Za-z0-9._-]`` segments; see :mod:`storage.keys` for the
layout the archive uses.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.model import SohoaError

if TYPE_CHECKING:
    from pipeline.config import Settings

_KEY_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_META_DIR = ".meta"
_CHUNK = 1 << 20


class IntegrityError(SohoaError):
    """Stored bytes do not match the checksum recorded when they were written."""

    code = "integrity"


class ObjectNotFound(SohoaError):
    code = "not_found"


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    version_id: str | None = None
    content_type: str = "application/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or len(key) > 900 or key.split("/")[0] == _META_DIR:
        raise ValueError(f"invalid object key: {key!r}")
    return key


def sha256_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, str]:
    """User metadata as S3 allows it: lower-case ASCII keys, ASCII values."""
    out: dict[str, str] = {}
    for k, v in (metadata or {}).items():
        key = str(k).lower()
        if key.startswith("x-amz-meta-"):
            key = key[len("x-amz-meta-") :]
        if not re.fullmatch(r"[a-z0-9-]+", key) or key == "sha256":
            raise ValueError(f"invalid metadata key: {k!r}")
        value = str(v)
        if not value.isascii():
            raise ValueError(f"metadata values must be ASCII: {k}={value!r}")
        out[key] = value
    return out


class ObjectStore(abc.ABC):
    """Where bytes live. Implementations: :class:`LocalObjectStore`, ``S3ObjectStore``."""

    @abc.abstractmethod
    def put(
        self,
        key: str,
        data: bytes | str | os.PathLike[str],
        content_type: str = "application/octet-stream",
        metadata: dict[str, Any] | None = None,
    ) -> StoredObject:
        """Store ``data`` (bytes, or a path to a file) under ``key``; verified after writing."""

    @abc.abstractmethod
    def get(self, key: str, expected_sha256: str | None = None, *, verify: bool = True) -> bytes:
        """The bytes under ``key``, checked against the recorded SHA-256 (and
        ``expected_sha256`` when given, e.g. the one in the database). ``verify=False`` only
        for forensics (``sohoa verify`` reporting what changed)."""

    @abc.abstractmethod
    def stat(self, key: str) -> StoredObject:
        """What was recorded for ``key``; :class:`ObjectNotFound` when absent."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in lexical order."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key`` (on a versioned S3 bucket: a delete marker; old versions stay)."""

    def delete_many(self, keys: list[str]) -> None:
        """Remove every key of ``keys`` (S3: one multi-object delete request per 1000)."""
        for key in keys:
            self.delete(key)

    def presigned_url(self, key: str, expires: int = 3600) -> str | None:
        """A time-limited GET URL (S3 only); ``None`` for stores without one."""
        return None

    @property
    def description(self) -> str:
        return type(self).__name__

    @staticmethod
    def _check(key: str, data: bytes, recorded: str | None, expected: str | None) -> bytes:
        actual = sha256_bytes(data)
        if not recorded:
            raise IntegrityError(f"{key}: no SHA-256 recorded for this object")
        if actual != recorded:
            raise IntegrityError(
                f"{key}: content SHA-256 {actual} does not match the recorded {recorded}"
            )
        if expected and actual != expected:
            raise IntegrityError(
                f"{key}: content SHA-256 {actual} does not match the expected {expected}"
            )
        return data


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(target: Path, writer) -> None:
    """Write via ``writer(fileobj)`` to a temp file beside ``target``, fsync, rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; metadata (SHA-256, type) under ``root/.meta``.

    Writes go to a temp file in the same directory, are fsynced, then renamed: a crash leaves
    either the old object or the new one, never a partial file. The metadata is written first,
    so an object file never exists without its checksum.
    """

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def description(self) -> str:
        return f"local:{self.root}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / _META_DIR / (check_key(key) + ".json")

    def put(self, key, data, content_type="application/octet-stream", metadata=None):
        path = self._path(key)
        meta = _clean_metadata(metadata)
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            digest, size = sha256_bytes(payload), len(payload)

            def write(f):
                f.write(payload)
        else:
            src = Path(data)
            digest, size = sha256_file(src)

            def write(f):
                h = hashlib.sha256()
                with open(src, "rb") as s:
                    while chunk := s.read(_CHUNK):
                        h.update(chunk)
                        f.write(chunk)
                if h.hexdigest() != digest:
                    raise IntegrityError(f"{src} changed while it was being stored")

        record = {
            "key": key,
            "sha256": digest,
            "size": size,
            "content_type": content_type,
            "metadata": meta,
            "stored_at": datetime.now(UTC).isoformat(),
        }
        encoded = json.dumps(record, sort_keys=True).encode()
        _atomic_write(self._meta_path(key), lambda f: f.write(encoded))
        _atomic_write(path, write)
        # Verify: read back and hash what landed on disk.
        stored = self.stat(key)
        actual, actual_size = sha256_file(path)
        if actual != digest or actual_size != size or stored.sha256 != digest:
            raise IntegrityError(f"{key}: verification after write failed")
        return stored

    def _read_meta(self, key: str) -> dict[str, Any]:
        try:
            return json.loads(self._meta_path(key).read_text())
        except FileNotFoundError:
            return {}

    def stat(self, key):
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(f"no object {key!r} in {self.description}") from None
        meta = self._read_meta(key)
        return StoredObject(
            key=key,
            sha256=meta.get("sha256", ""),
            size=int(meta.get("size", st.st_size)),
            version_id=None,
            content_type=meta.get("content_type", "application/octet-stream"),
            metadata=meta.get("metadata", {}),
            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
        )

    def get(self, key, expected_sha256=None, *, verify=True):
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"no object {key!r} in {self.description}") from None
        if not verify:
            return data
        return self._check(key, data, self._read_meta(key).get("sha256"), expected_sha256)

    def exists(self, key):
        return self._path(key).is_file()

    def list(self, prefix=""):
        keys = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = os.path.relpath(dirpath, self.root)
            if rel_dir == ".":
                dirnames[:] = [d for d in dirnames if d != _META_DIR]
                rel_dir = ""
            for name in filenames:
                if name.startswith(".tmp-"):
                    continue
                key = f"{rel_dir}/{name}" if rel_dir else name
                key = key.replace(os.sep, "/")
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))

    def delete(self, key):
        for p in (self._path(key), self._meta_path(key)):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def open_object_store(settings: Settings) -> ObjectStore:
    """S3 when ``SOHOA_S3_ENDPOINT`` is set, else a folder under ``SOHOA_HOME/objects``."""
    if settings.s3_endpoint:
        from storage.s3store import S3ObjectStore

        return S3ObjectStore.from_settings(settings)
    return LocalObjectStore(Path(settings.home) / "objects")
