"""Bearer tokens with roles.

``SOHOA_API_TOKENS="tok1:scanner,tok2:qa:2026-12-31T00:00:00Z,..."``; roles are scanner,
intake, archivist, qa and admin (admin may do everything). Without configuration a random admin
token is generated once into ``SOHOA_HOME/api-admin-token`` (mode 0600).

Browsers send the token in the ``Authorization`` header from ``localStorage``; the pages also
keep it in a ``SameSite=Strict`` cookie, which is accepted for GET requests only (so a
cross-site form can never change anything).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from fastapi import HTTPException, Request

ROLES = ("scanner", "intake", "archivist", "qa", "admin")
COOKIE = "sohoa_token"


@dataclass(frozen=True)
class Token:
    role: str
    expires: datetime | None
    fingerprint: str  # first hex digits of the token's SHA-256: safe to log and record

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or datetime.now(UTC)) >= self.expires


@dataclass(frozen=True)
class Principal:
    role: str
    fingerprint: str

    @property
    def who(self) -> str:
        return f"{self.role}#{self.fingerprint}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_tokens(spec: str) -> dict[str, Token]:
    """``token:role[:expiry]`` items separated by commas -> {sha256(token): Token}."""
    out: dict[str, Token] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        parts = item.split(":", 2)
        if len(parts) < 2 or not parts[0]:
            raise ValueError(f"SOHOA_API_TOKENS: expected token:role[:expiry], got {item[:8]}…")
        token, role = parts[0], parts[1].strip()
        if role not in ROLES:
            raise ValueError(f"SOHOA_API_TOKENS: unknown role {role!r} (one of {ROLES})")
        if len(token) < 16:
            raise ValueError("SOHOA_API_TOKENS: tokens must be at least 16 characters")
        expires = None
        if len(parts) == 3 and parts[2].strip():
            expires = datetime.fromisoformat(parts[2].strip().replace("Z", "+00:00"))
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
        d = _digest(token)
        out[d] = Token(role, expires, d[:8])
    if not out:
        raise ValueError("SOHOA_API_TOKENS is set but holds no token")
    return out


def admin_token_file(home: Path) -> Path:
    return Path(home) / "api-admin-token"


def embedded_admin_token(home: Path) -> str:
    """The generated admin token of the embedded default (created on first use)."""
    path = admin_token_file(home)
    try:
        token = path.read_text().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token


def load_tokens(spec: str | None, home: Path) -> dict[str, Token]:
    if spec:
        return parse_tokens(spec)
    return parse_tokens(f"{embedded_admin_token(home)}:admin")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="sohoa"'})


def token_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip()
    if request.method in ("GET", "HEAD"):
        return unquote(request.cookies.get(COOKIE) or "") or None
    return None


def authenticate(request: Request) -> Principal:
    token = token_from(request)
    if not token:
        raise _unauthorized("a bearer token is required")
    tokens: dict[str, Token] = request.app.state.tokens
    entry = tokens.get(_digest(token))
    if entry is None or not secrets.compare_digest(entry.fingerprint, _digest(token)[:8]):
        raise _unauthorized("unknown token")
    if entry.expired():
        raise _unauthorized("the token has expired")
    return Principal(entry.role, entry.fingerprint)


def allow(*roles: str):
    """A dependency: the caller's principal, when its role is one of ``roles`` (or admin)."""
    allowed = frozenset(roles) | {"admin"}

    def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal.role not in allowed:
            raise HTTPException(403, f"role {principal.role!r} may not use this endpoint")
        return principal

    dependency.roles = allowed  # for the docs and the tests
    return dependency
