"""``sohoa serve`` (the HTTP API and pages), ``sohoa token create|list|revoke`` (people's
tokens) and ``sohoa access-log`` (who read or changed what)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime, timedelta


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="the HTTP API and web pages (OpenAPI at /docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    t = subparsers.add_parser("token", help="people's API tokens: create, list, revoke")
    tsub = t.add_subparsers(dest="token_command", required=True)
    c = tsub.add_parser("create", help="a token for a person (printed once, stored hashed)")
    c.add_argument("name", help="the person, e.g. 'Nguyễn Văn An'")
    c.add_argument("--role", required=True,
                   choices=("scanner", "intake", "archivist", "qa", "admin"))
    c.add_argument("--branch", help="the scanner's branch, e.g. CN07 (scanners only)")
    c.add_argument("--expires", help="ISO date/time (e.g. 2027-06-30) or a number of days "
                                     "(e.g. 90d); default: 365 days")
    c.add_argument("--json", action="store_true", help="print the record as JSON")
    c.set_defaults(func=cmd_token_create)
    ls = tsub.add_parser("list", help="every token's person, role, branch and state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_token_list)
    r = tsub.add_parser("revoke", help="revoke a token at once (by its id, t-...)")
    r.add_argument("id")
    r.set_defaults(func=cmd_token_revoke)

    a = subparsers.add_parser("access-log", help="who read or changed what, newest first")
    a.add_argument("--document", help="one document id")
    a.add_argument("--person", help="one person's name")
    a.add_argument("--limit", type=int, default=50)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_access_log)


def _db():
    from pipeline.config import Settings
    from storage.db import init_db

    return init_db(Settings.from_env().effective_database_url)


def _operator() -> str:
    """Who runs the command (the actor of token changes made on the server's console)."""
    try:
        return f"console:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "console"


def parse_expiry(raw: str | None, now: datetime | None = None) -> datetime | None:
    now = now or datetime.now(UTC)
    if raw is None:
        return now + timedelta(days=365)
    raw = raw.strip()
    if raw.lower() in ("never", "none"):
        return None
    if raw.endswith("d") and raw[:-1].isdigit():
        return now + timedelta(days=int(raw[:-1]))
    t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def cmd_token_create(args: argparse.Namespace) -> int:
    from storage.identity import create_token

    try:
        expires = parse_expiry(args.expires)
        token, info = create_token(_db(), args.name, args.role, branch=args.branch,
                                   expires=expires, created_by=_operator())
    except ValueError as exc:
        print(f"sohoa token create: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**info.to_dict(), "token": token}, ensure_ascii=False))
    else:
        print(f"token {info.id} for {info.name} ({info.role}"
              f"{', ' + info.branch if info.branch else ''}), expires "
              f"{info.expires_at.isoformat() if info.expires_at else 'never'}.\n"
              f"Give it to the person now; it is not stored and cannot be shown again:\n"
              f"  {token}")
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from storage.identity import list_tokens

    rows = [t.to_dict() for t in list_tokens(_db())]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    now = datetime.now(UTC).isoformat()
    for t in rows:
        state = ("revoked" if t["revoked_at"] else
                 "expired" if t["expires_at"] and t["expires_at"] <= now else "active")
        print(f"{t['id']}  {state:8} {t['role']:9} {t['branch'] or '-':8} {t['name']}  "
              f"(expires {t['expires_at'] or 'never'}, by {t['created_by']})")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from storage.identity import revoke_token

    info = revoke_token(_db(), args.id, actor=_operator())
    if info is None:
        print(f"sohoa token revoke: no token {args.id!r}", file=sys.stderr)
        return 1
    print(f"revoked {info.id} ({info.name}, {info.role}); refused from now on "
          "(within 5 s by a running server)")
    return 0


def cmd_access_log(args: argparse.Namespace) -> int:
    from storage.identity import access_log

    rows = access_log(_db(), document_id=args.document, actor=args.person,
                      limit=max(1, min(args.limit, 10_000)))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"{r['at']}  {r['actor']} ({r['role']}{', ' + r['branch'] if r['branch'] else ''})"
              f"  {r['action']}  {r['document_id'] or ''} {r['target'] or ''}  -> {r['status']}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.auth import admin_token_file
    from api.settings import ApiSettings
    from pipeline.config import Settings

    settings = Settings.from_env()
    api_settings = ApiSettings.from_env(settings)
    app = create_app(settings, api_settings)
    if not api_settings.tokens:  # the token itself is never printed
        print(f"sohoa: no SOHOA_API_TOKENS configured; the admin token is in "
              f"{admin_token_file(settings.home)} (mode 0600); make people's tokens with "
              f"'sohoa token create NAME --role ROLE'", file=sys.stderr, flush=True)
    print(f"sohoa: serving on http://{args.host}:{args.port}/ (API docs at /docs, pages at "
          f"/ui/search, /ui/review, /ui/batches)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=False, timeout_graceful_shutdown=10, server_header=False)
    return 0
