"""Uploaded files into the spool: size limits, SHA-256, type from the bytes, safe names.

The name a client gives a file is display text only: it is cleaned (no folders, no control
characters, bounded length) and never used for a path. Spool files are named by their SHA-256
and the type sniffed from their first bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, UploadFile

from pipeline.ingest import detect_kind
from pipeline.model import InputError

EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def display_name(raw: str | None) -> str:
    """A file name fit for display and the archive record (never for a path)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any folder part
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name or "upload"


@dataclass
class StagedFile:
    name: str  # cleaned display name
    sha256: str
    size: int
    kind: str  # pdf, tiff, jpeg, png
    path: Path  # spool path: <sha256>.<ext>


class TooLarge(HTTPException):
    def __init__(self, detail: str):
        super().__init__(413, detail)


async def stage(upload: UploadFile, spool: Path, max_bytes: int) -> StagedFile:
    """Copy one upload into the spool while hashing it; 413 past ``max_bytes``, 415 for a type
    we do not read. Nothing is left behind on failure."""
    spool.mkdir(parents=True, exist_ok=True)
    name = display_name(upload.filename)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=spool)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"{name}: file is larger than the limit of {max_bytes} bytes")
                if len(head) < 1024:
                    head += chunk[: 1024 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        try:
            kind = detect_kind(head)
        except InputError as exc:
            raise HTTPException(415 if exc.code == "unsupported_type" else 422,
                                f"{name}: {exc.message}") from None
        sha = digest.hexdigest()
        final = spool / f"{sha}.{EXTENSIONS[kind.value]}"
        if final.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, final)
        return StagedFile(name, sha, size, kind.value, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
