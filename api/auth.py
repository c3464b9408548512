"""Who is calling: bearer tokens that name a person, their role and (scanners) their branch.

Identity is a chain of small providers, each ``token -> Principal | None`` (the
:class:`IdentityProvider` protocol), so that OIDC or LDAP can be added as one more provider:

- :class:`DatabaseTokens`: tokens made with ``sohoa token create NAME --role ROLE [--branch B]``,
  stored as SHA-256 digests in the database (``storage.identity``), revocable at once;
- :class:`StaticTokens`: ``SOHOA_API_TOKENS="Nguyễn Văn An=tok1:qa, Trần Bình=tok2:scanner@CN07:
  2027-01-01T00:00:00Z, tok3:archivist"`` (``[NAME=]token:role[@branch][:expiry]``; without a
  name the person is recorded as ``role#fingerprint``);
- without ``SOHOA_API_TOKENS`` (embedded default) a random admin token is written once to
  ``SOHOA_HOME/api-admin-token`` (mode 0600, never printed); it is replaced after
  ``SOHOA_ADMIN_TOKEN_DAYS`` (30) days.

Roles are scanner, intake, archivist, qa and admin (admin may do everything). Tokens are looked
up by digest only. The check itself runs before the request body is read, in
``api.security.Gatekeeper``; the route dependencies (``allow``) check again and hand the
handler its :class:`Principal`.

Browsers send the token in the ``Authorization`` header from ``localStorage``; the pages also
keep it in a ``SameSite=Strict`` cookie, which is accepted for GET requests only (so a
cross-site form can never change anything).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

from fastapi import HTTPException, Request

from pipeline.config import value

ROLES = ("scanner", "intake", "archivist", "qa", "admin")
COOKIE = "sohoa_token"
EMBEDDED_ADMIN = "embedded admin"


@dataclass(frozen=True)
class Principal:
    """The authenticated person. ``who`` (their name) is the actor of everything they do."""

    name: str
    role: str
    branch: str | None = None  # scanners: the one branch they upload for and read
    token_id: str = ""
    expires: datetime | None = None

    @property
    def who(self) -> str:
        return self.name

    @property
    def fingerprint(self) -> str:  # kept for older callers: the token's id
        return self.token_id

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or datetime.now(UTC)) >= self.expires


class IdentityProvider(Protocol):
    """``principal(token)``: the person behind a token, or None if this provider does not know
    it. Raise :class:`Refused` for a token it knows but refuses (expired, revoked)."""

    def principal(self, token: str) -> Principal | None: ...


class Refused(Exception):
    """A known token that may not be used (expired, revoked)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Kept for compatibility: the parsed static tokens are Principals keyed by digest.
Token = Principal


def _parse_expiry(raw: str) -> datetime:
    expires = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


def parse_tokens(spec: str) -> dict[str, Principal]:
    """``[NAME=]token:role[@branch][:expiry]`` items separated by commas ->
    {sha256(token): Principal}."""
    from storage.identity import check_person

    out: dict[str, Principal] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, eq, rest = item.partition("=")
        if not eq:
            name, rest = "", item
        parts = rest.split(":", 2)
        if len(parts) < 2 or not parts[0]:
            raise ValueError("SOHOA_API_TOKENS: expected [NAME=]token:role[@branch][:expiry], "
                             f"got {parts[0][:4]}…")
        token, role_branch = parts[0].strip(), parts[1].strip()
        role, _, branch = role_branch.partition("@")
        if role not in ROLES:
            raise ValueError(f"SOHOA_API_TOKENS: unknown role {role!r} (one of {ROLES})")
        if len(token) < 16:
            raise ValueError("SOHOA_API_TOKENS: tokens must be at least 16 characters")
        expires = _parse_expiry(parts[2]) if len(parts) == 3 and parts[2].strip() else None
        d = _digest(token)
        token_id = "env-" + d[:8]
        if name.strip() or branch:
            person, branch_ok = check_person(name.strip() or f"{role}#{d[:8]}", role,
                                             branch or None)
        else:  # the old form: a role only (scanners then cannot upload: no branch)
            person, branch_ok = f"{role}#{d[:8]}", None
        out[d] = Principal(person, role, branch_ok, token_id, expires)
    if not out:
        raise ValueError("SOHOA_API_TOKENS is set but holds no token")
    return out


class StaticTokens:
    """Tokens from configuration (``SOHOA_API_TOKENS``) or the embedded admin token."""

    def __init__(self, tokens: dict[str, Principal]):
        self.tokens = tokens

    def principal(self, token: str) -> Principal | None:
        d = _digest(token)
        p = self.tokens.get(d)
        if p is None:
            return None
        if p.expired():
            raise Refused("the token has expired")
        return p


class DatabaseTokens:
    """People's tokens in the database (``sohoa token create``); looked up by digest, with a
    short cache so that a burst of requests costs one query (revocation takes effect within
    ``ttl`` seconds)."""

    def __init__(self, database, ttl: float = 5.0):
        self._database = database  # a callable returning storage.db.Database (opened lazily)
        self.ttl = ttl
        self._cache: dict[str, tuple[float, object]] = {}

    def principal(self, token: str) -> Principal | None:
        from storage.identity import lookup

        d = _digest(token)
        hit = self._cache.get(d)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            info = hit[1]
        else:
            info = lookup(self._database(), d)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[d] = (now, info)
        if info is None:
            return None
        if info.revoked_at is not None:
            raise Refused("the token has been revoked")
        if not info.usable():
            raise Refused("the token has expired")
        return Principal(info.name, info.role, info.branch, info.id, info.expires_at)


class Identity:
    """The chain of providers: the first that knows the token decides."""

    def __init__(self, providers: list[IdentityProvider]):
        self.providers = providers

    def principal(self, token: str) -> Principal | None:
        for provider in self.providers:
            p = provider.principal(token)
            if p is not None:
                return p
        return None


def admin_token_file(home: Path) -> Path:
    return Path(home) / "api-admin-token"


def embedded_admin_token(home: Path, max_age_days: float | None = None) -> str:
    """The generated admin token of the embedded default: written once (mode 0600), read from
    the file afterwards, replaced when older than ``max_age_days``. Never printed."""
    if max_age_days is None:
        max_age_days = float(value("SOHOA_ADMIN_TOKEN_DAYS"))
    path = admin_token_file(home)
    try:
        token = path.read_text().strip()
        age = time.time() - path.stat().st_mtime
        if token and age < max_age_days * 86400:
            return token
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    os.replace(tmp, path)
    return token


def embedded_admin_expiry(home: Path) -> datetime:
    days = float(value("SOHOA_ADMIN_TOKEN_DAYS"))
    mtime = admin_token_file(home).stat().st_mtime
    return datetime.fromtimestamp(mtime, UTC) + timedelta(days=days)


def load_tokens(spec: str | None, home: Path) -> dict[str, Principal]:
    if spec:
        return parse_tokens(spec)
    token = embedded_admin_token(home)
    d = _digest(token)
    return {d: Principal(EMBEDDED_ADMIN, "admin", None, "embedded-" + d[:8],
                         embedded_admin_expiry(home))}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="sohoa"'})


def bearer(headers: dict[str, str], method: str, cookie_header: str | None) -> str | None:
    """The token a request carries: the Authorization header, or (GET/HEAD only) the pages'
    cookie. ValueError for a malformed Authorization header."""
    header = headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ValueError("use 'Authorization: Bearer <token>'")
        return value.strip()
    if method in ("GET", "HEAD") and cookie_header:
        for part in cookie_header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == COOKIE and value:
                return unquote(value.strip('"')) or None
    return None


def token_from(request: Request) -> str | None:
    try:
        return bearer({"authorization": request.headers.get("authorization", "")},
                      request.method, request.headers.get("cookie"))
    except ValueError as exc:
        raise _unauthorized(str(exc)) from None


def resolve(identity: Identity, token: str | None) -> Principal:
    """The principal of ``token``, or HTTPException 401 saying why not."""
    if not token:
        raise _unauthorized("a bearer token is required")
    try:
        p = identity.principal(token)
    except Refused as exc:
        raise _unauthorized(str(exc)) from None
    if p is None:
        raise _unauthorized("unknown token")
    return p


def authenticate(request: Request) -> Principal:
    """The request's principal (already resolved by the gatekeeper when it ran)."""
    known = request.scope.get("state", {}).get("principal")
    if known is not None:
        return known
    return resolve(request.app.state.identity, token_from(request))


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
