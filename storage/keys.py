"""The object-key layout: paths a person can navigate, and that never collide.

- ``originals/YYYY/MM/<sha256>.<ext>``: a received file, named by its content (stored once).
- ``archive/YYYY/MM/<dossier-code|nodossier>/<document-sha256>.pdf``: a signed PDF/A, named by
  the SHA-256 of the unsigned PDF/A the pipeline produced (stable across re-archiving).
- ``<same path>.json``: the JSON sidecar beside each of them.

``YYYY/MM`` is the month the content was first received/archived (UTC).
"""

from __future__ import annotations

import re
from datetime import datetime

_SAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._-]+")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _month(when: datetime) -> str:
    return f"{when.year:04d}/{when.month:02d}"


def _check_sha(sha256: str) -> str:
    if not _HEX64.match(sha256):
        raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
    return sha256


def extension(name: str | None, default: str = "bin") -> str:
    if name and "." in name:
        ext = name.rsplit(".", 1)[1].lower()
        if re.fullmatch(r"[a-z0-9]{1,8}", ext):
            return {"jpg": "jpeg", "tif": "tiff"}.get(ext, ext)
    return default


def dossier_segment(dossier_code: str | None) -> str:
    if not dossier_code:
        return "nodossier"
    seg = _SAFE_SEGMENT.sub("_", dossier_code.strip()).strip("._")
    return seg[:120] or "nodossier"


def original_key(sha256: str, ext: str, when: datetime) -> str:
    return f"originals/{_month(when)}/{_check_sha(sha256)}.{ext}"


def archive_key(document_sha256: str, dossier_code: str | None, when: datetime) -> str:
    return (
        f"archive/{_month(when)}/{dossier_segment(dossier_code)}/{_check_sha(document_sha256)}.pdf"
    )


def sidecar_key(key: str) -> str:
    base = key.rsplit(".", 1)[0] if "." in key.rsplit("/", 1)[-1] else key
    return base + ".json"
