"""People behind the API: their tokens (stored as SHA-256 digests only) and the access log.

A token names one person, their role and, for scanners, their branch. The plain token is shown
once, when it is created; the database keeps its digest, so a copy of the database lets nobody
in. ``access_log`` records who read or changed what and when (documents, PDFs, searches,
uploads, decisions): the write events themselves stay on the documents' timeline (``events``).

The tables are created by migration ``0004_identity``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Database
from storage.models import Base, JsonType, TZDateTime

ROLES = ("scanner", "intake", "archivist", "qa", "admin")
BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TOKEN_ID_RE = re.compile(r"^t-[0-9a-f]{12}$")
MAX_NAME = 120


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class AccessEntry(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_document", "document_id", "at"),
        Index("ix_access_actor", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(TZDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    token_id: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: str
    branch: str | None
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "branch": self.branch,
                "created_at": _iso(self.created_at), "created_by": self.created_by,
                "expires_at": _iso(self.expires_at), "revoked_at": _iso(self.revoked_at)}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.role, row.branch, row.created_at, row.created_by,
                     row.expires_at, row.revoked_at)


def check_person(name: str, role: str, branch: str | None) -> tuple[str, str | None]:
    """A clean (name, branch), or ValueError saying what is wrong."""
    import unicodedata

    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not name or len(name) > MAX_NAME or any(c in name for c in ":,\x00"):
        raise ValueError(f"a person's name is 1 to {MAX_NAME} characters, without ':' or ','")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if branch is not None and not BRANCH_RE.match(branch):
        raise ValueError("a branch code holds letters, digits, '.', '_' and '-' only")
    if role == "scanner" and not branch:
        raise ValueError("a scanner token names its branch (--branch)")
    if role != "scanner" and branch:
        raise ValueError("only scanner tokens belong to a branch")
    return name, branch


def create_token(db: Database, name: str, role: str, *, branch: str | None = None,
                 expires: datetime | None = None, created_by: str) -> tuple[str, TokenInfo]:
    """A new token for a person: (the plain token, shown only now, its record)."""
    name, branch = check_person(name, role, branch)
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    token = "sohoa_" + secrets.token_urlsafe(32)
    row = ApiToken(id="t-" + secrets.token_hex(6), digest=digest(token), name=name, role=role,
                   branch=branch, created_at=datetime.now(UTC), created_by=created_by,
                   expires_at=expires)

    def run(s):
        s.add(row)
        s.flush()
        return _info(row)

    return token, db.run(run, "create token")


def list_tokens(db: Database) -> list[TokenInfo]:
    return db.run(lambda s: [_info(r) for r in s.scalars(
        select(ApiToken).order_by(ApiToken.created_at, ApiToken.id))], "list tokens")


def revoke_token(db: Database, token_id: str, *, actor: str) -> TokenInfo | None:
    """Revoke at once (the next request with it is refused). None: no such token."""

    def run(s):
        row = s.get(ApiToken, token_id)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            row.revoked_by = actor
        return _info(row)

    return db.run(run, "revoke token")


def lookup(db: Database, token_digest: str) -> TokenInfo | None:
    """The record of a token by its digest (whatever its state; check ``usable``)."""

    def run(s):
        row = s.scalar(select(ApiToken).where(ApiToken.digest == token_digest))
        if row is None or not secrets.compare_digest(row.digest, token_digest):
            return None
        return _info(row)

    return db.run(run, "token lookup")


# ------------------------------------------------------------------------- access log


def record_access(db: Database, *, actor: str, token_id: str, role: str, action: str,
                  status: int, branch: str | None = None, document_id: str | None = None,
                  target: str | None = None, details: dict[str, Any] | None = None) -> None:
    """One line of the access log: who (person, token, role) did ``action`` on what, when."""
    entry = AccessEntry(at=datetime.now(UTC), actor=actor[:128], token_id=token_id[:40],
                        role=role, branch=branch, action=action[:32],
                        document_id=document_id[:64] if document_id else None,
                        target=target[:512] if target else None, status=status,
                        details=details)
    db.run(lambda s: s.add(entry), "access log")


def access_log(db: Database, *, document_id: str | None = None, actor: str | None = None,
               limit: int = 200, before_id: int | None = None) -> list[dict[str, Any]]:
    """Newest first, per document and/or per person; ``before_id`` pages further back."""

    def run(s):
        q = select(AccessEntry)
        if document_id:
            q = q.where(AccessEntry.document_id == document_id)
        if actor:
            q = q.where(AccessEntry.actor == actor)
        if before_id is not None:
            q = q.where(AccessEntry.id < before_id)
        rows = s.scalars(q.order_by(AccessEntry.id.desc()).limit(limit)).all()
        return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "token_id": r.token_id,
                 "role": r.role, "branch": r.branch, "action": r.action,
                 "document_id": r.document_id, "target": r.target, "status": r.status,
                 "details": r.details} for r in rows]

    return db.run(run, "access log query")
