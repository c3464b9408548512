"""``sohoa serve``: the HTTP API and the web pages with uvicorn (embedded default)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="the HTTP API and web pages (OpenAPI at /docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.auth import admin_token_file, embedded_admin_token
    from api.settings import ApiSettings
    from pipeline.config import Settings

    settings = Settings.from_env()
    api_settings = ApiSettings.from_env(settings)
    if not api_settings.tokens:
        token = embedded_admin_token(settings.home)
        print(f"sohoa: no SOHOA_API_TOKENS configured; admin token (also in "
              f"{admin_token_file(settings.home)}):\n  {token}", file=sys.stderr, flush=True)
    app = create_app(settings, api_settings)
    print(f"sohoa: serving on http://{args.host}:{args.port}/ (API docs at /docs, pages at "
          f"/ui/search, /ui/review, /ui/batches)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=False, timeout_graceful_shutdown=10)
    return 0
