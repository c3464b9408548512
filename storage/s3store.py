"""S3 object store via the ``minio`` SDK (MinIO in production, moto's server in tests).

- The bucket is created on first use, with object lock when the server supports it (which also
  turns versioning on); otherwise versioning is switched on explicitly.
- With object lock, each put carries a retention (``retention_days``, mode GOVERNANCE by default)
  and the flexible-checksum headers ``x-amz-sdk-checksum-algorithm: SHA256`` /
  ``x-amz-checksum-sha256``: S3 requires an integrity header on puts with retention, and
  minio-py only sends Content-MD5 over HTTPS. The server then checks the body's SHA-256 itself.
- The SHA-256 is also stored as user metadata (``x-amz-meta-sha256``); after each put the store
  stats the new version and checks size, recorded SHA-256 and (single-part) ETag = MD5.
- What moto 5.x (the test server) supports: buckets with object lock, versioning, puts with
  retention + checksum headers, stat/get/list/presigned GET, refusal to delete a locked
  version. ``get_object_retention`` is broken in moto, so this module never reads retention back.
- Every call has connect/read timeouts and a bounded retry; when the server stays unreachable
  :class:`pipeline.model.TransientError` is raised.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE
from minio.error import MinioException, S3Error, ServerError
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig

from pipeline.config import value
from storage.objectstore import (
    IntegrityError,
    ObjectNotFound,
    ObjectStore,
    StoredObject,
    _clean_metadata,
    check_key,
)
from storage.retry import RetryPolicy, retry_call

if TYPE_CHECKING:
    from pipeline.config import Settings

_MISSING = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"}
_SINGLE_PUT_LIMIT = 512 * 1024 * 1024  # above this, multipart (ETag is then not the MD5)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, S3Error):
        return exc.code in {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}
    return True


class S3ObjectStore(ObjectStore):
    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str = "sohoa",
        *,
        secure: bool = False,
        region: str | None = None,
        retention_days: int | None = None,
        retention_mode: str = GOVERNANCE,
        object_lock: bool = True,
        stat_after_put: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        policy: RetryPolicy | None = None,
    ):
        if retention_mode not in (GOVERNANCE, COMPLIANCE):
            raise ValueError(f"retention_mode must be GOVERNANCE or COMPLIANCE: {retention_mode}")
        self.endpoint = endpoint
        self.bucket = bucket
        self.retention_days = retention_days if retention_days and retention_days > 0 else None
        self.retention_mode = retention_mode
        self.want_object_lock = object_lock
        # False (the work store's temporaries): a put is verified by the server's answer alone
        # (its ETag is the MD5 of the bytes it received, and it checked the SHA-256 header),
        # without a second request; every get still checks the recorded SHA-256.
        self.stat_after_put = stat_after_put
        self.policy = policy or RetryPolicy()
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            # Never a PUT or POST at this level: a write whose answer was lost may have landed,
            # and sending it again would make a second version (``put`` retries it knowing that).
            retries=urllib3.Retry(total=1, backoff_factor=0.1, status_forcelist=[502, 503, 504],
                                  allowed_methods=frozenset({"GET", "HEAD", "DELETE"})),
            maxsize=10,
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        self._ready = False
        self._lock_enabled = False
        self._init_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        return cls(
            settings.s3_endpoint or "",
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            retention_days=settings.retention_years * 365 if settings.retention_years else None,
            retention_mode=(value("SOHOA_S3_RETENTION_MODE") or GOVERNANCE).upper(),
        )

    @property
    def description(self) -> str:
        return f"s3://{self.endpoint}/{self.bucket}"

    @property
    def object_lock_enabled(self) -> bool:
        self._ensure_bucket()
        return self._lock_enabled

    def _call(self, what: str, fn):
        def attempt():
            return retry_call(
                fn,
                what=f"S3 {self.endpoint} ({what})",
                retry_on=(urllib3.exceptions.HTTPError, OSError, ServerError, S3Error),
                is_transient=_transient,
                policy=self.policy,
            )

        try:
            return attempt()
        except S3Error as exc:
            # The bucket vanished under us (a test server restarted empty, an operator):
            # create it again once, then repeat the call.
            if exc.code != "NoSuchBucket" or not self._ready:
                raise
            self._ready = False
            self._ensure_bucket()
            return attempt()

    def _ensure_bucket(self) -> None:
        if self._ready:
            return
        with self._init_lock:
            if self._ready:
                return
            if not self._call("bucket_exists", lambda: self.client.bucket_exists(self.bucket)):
                created_locked = False
                if self.want_object_lock:
                    try:
                        self._call(
                            "make_bucket",
                            lambda: self.client.make_bucket(self.bucket, object_lock=True),
                        )
                        created_locked = True
                    except S3Error as exc:
                        if exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                            created_locked = True  # a concurrent creator won the race
                if not created_locked:
                    try:
                        self._call("make_bucket", lambda: self.client.make_bucket(self.bucket))
                    except S3Error as exc:
                        if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                            raise
            self._lock_enabled = False
            if self.want_object_lock:
                try:
                    cfg = self._call(
                        "get_object_lock_config",
                        lambda: self.client.get_object_lock_config(self.bucket),
                    )
                    self._lock_enabled = cfg is not None
                except S3Error:
                    self._lock_enabled = False
            if not self._lock_enabled:
                self._call(
                    "set_bucket_versioning",
                    lambda: self.client.set_bucket_versioning(
                        self.bucket, VersioningConfig(ENABLED)
                    ),
                )
            self._ready = True

    def put(self, key, data, content_type="application/octet-stream", metadata=None):
        check_key(key)
        self._ensure_bucket()
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
        else:
            payload = Path(data).read_bytes()
        if len(payload) > _SINGLE_PUT_LIMIT:
            raise ValueError(f"{key}: objects above {_SINGLE_PUT_LIMIT} bytes are not supported")
        digest = hashlib.sha256(payload)
        sha_hex = digest.hexdigest()
        md5_hex = hashlib.md5(payload, usedforsecurity=False).hexdigest()
        headers: dict[str, Any] = dict(_clean_metadata(metadata))
        headers["sha256"] = sha_hex
        headers["x-amz-sdk-checksum-algorithm"] = "SHA256"
        headers["x-amz-checksum-sha256"] = base64.b64encode(digest.digest()).decode()
        retention = None
        if self._lock_enabled and self.retention_days:
            until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=self.retention_days)
            retention = Retention(self.retention_mode, until)

        tries = 0

        def landed() -> StoredObject | None:
            """The object, if an earlier try of this put reached the server and only its answer
            was lost (a proxy or the server went down mid-answer): then it holds these bytes."""
            try:  # one request: this runs inside the put's own bounded retry
                obj = self.client.stat_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return None
                raise
            current = self._stored(key, obj)
            if current.sha256 == sha_hex and current.size == len(payload):
                return current
            return None

        def do_put():
            nonlocal tries
            tries += 1
            if tries > 1 and (current := landed()) is not None:
                return current
            return self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(payload),
                len(payload),
                content_type=content_type,
                metadata=headers,
                retention=retention,
                part_size=_SINGLE_PUT_LIMIT,
            )

        result = self._call(f"put {key}", do_put)
        if isinstance(result, StoredObject):
            return result
        answered = (result.etag or "").strip('"')
        if not self.stat_after_put and answered and "-" not in answered:
            if answered != md5_hex:
                raise IntegrityError(f"{key}: the server's ETag {answered} after put is not the "
                                     f"MD5 of the bytes sent")
            return StoredObject(key=key, sha256=sha_hex, size=len(payload),
                                version_id=result.version_id, content_type=content_type,
                                metadata={**_clean_metadata(metadata), "etag": answered})
        stored = self.stat(key, version_id=result.version_id)
        if stored.size != len(payload) or stored.sha256 != sha_hex:
            raise IntegrityError(
                f"{key}: after put the server reports size {stored.size}, sha256 {stored.sha256}"
            )
        etag = (stored.metadata.get("etag") or "").strip('"')
        if etag and "-" not in etag and etag != md5_hex:
            raise IntegrityError(f"{key}: after put the server's ETag {etag} is not the MD5")
        return stored

    def stat(self, key, version_id: str | None = None):
        check_key(key)
        self._ensure_bucket()
        try:
            obj = self._call(
                f"stat {key}",
                lambda: self.client.stat_object(self.bucket, key, version_id=version_id),
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectNotFound(f"no object {key!r} in {self.description}") from None
            raise
        return self._stored(key, obj)

    @staticmethod
    def _stored(key: str, obj) -> StoredObject:
        meta = {k.lower(): v for k, v in (obj.metadata or {}).items()}
        user = {
            k[len("x-amz-meta-") :]: v
            for k, v in meta.items()
            if k.startswith("x-amz-meta-") and k != "x-amz-meta-sha256"
        }
        user["etag"] = obj.etag or ""
        return StoredObject(
            key=key,
            sha256=meta.get("x-amz-meta-sha256", ""),
            size=int(obj.size or 0),
            version_id=obj.version_id,
            content_type=obj.content_type or "application/octet-stream",
            metadata=user,
            last_modified=obj.last_modified,
        )

    def get(self, key, expected_sha256=None, *, verify=True):
        check_key(key)
        self._ensure_bucket()

        def fetch():
            resp = self.client.get_object(self.bucket, key)
            try:
                return resp.data, resp.headers.get("x-amz-meta-sha256")
            finally:
                resp.close()
                resp.release_conn()

        try:
            data, recorded = self._call(f"get {key}", fetch)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectNotFound(f"no object {key!r} in {self.description}") from None
            raise
        if not verify:
            return data
        return self._check(key, data, recorded, expected_sha256)

    def exists(self, key):
        try:
            self.stat(key)
            return True
        except ObjectNotFound:
            return False

    def list(self, prefix=""):
        self._ensure_bucket()

        def collect():
            return sorted(
                o.object_name
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if not o.is_dir
            )

        keys: list[str] = self._call(f"list {prefix}", collect)
        return iter(keys)

    def delete(self, key):
        check_key(key)
        self._ensure_bucket()
        self._call(f"delete {key}", lambda: self.client.remove_object(self.bucket, key))

    def delete_many(self, keys):
        from minio.deleteobjects import DeleteObject

        keys = [check_key(k) for k in keys]
        if not keys:
            return
        self._ensure_bucket()
        for start in range(0, len(keys), 1000):
            chunk = [DeleteObject(k) for k in keys[start:start + 1000]]

            def remove(chunk=chunk):
                # remove_objects is lazy: the request runs, and errors come, as it is read
                return [e for e in self.client.remove_objects(self.bucket, chunk)]

            errors = self._call(f"delete {len(chunk)} objects", remove)
            if errors:
                raise OSError(f"S3 {self.endpoint}: could not delete {errors[0].name}: "
                              f"{errors[0].code} {errors[0].message}")

    def presigned_url(self, key, expires=3600):
        check_key(key)
        self._ensure_bucket()
        return self._call(
            f"presign {key}",
            lambda: self.client.presigned_get_object(
                self.bucket, key, expires=timedelta(seconds=int(expires))
            ),
        )

    def versions(self, key: str) -> Iterator[str]:
        """Version ids of ``key``, newest first (for audits)."""
        self._ensure_bucket()
        objs = self._call(
            f"versions {key}",
            lambda: list(self.client.list_objects(self.bucket, prefix=key, include_version=True)),
        )
        return iter([o.version_id for o in objs if o.object_name == key])


__all__ = ["S3ObjectStore", "MinioException"]
