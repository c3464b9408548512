"""The HTTP API and the web pages: a thin shell over the pipeline, the extractors and storage.

Modules:

- ``api.app``: ``create_app(settings, api_settings)``, the FastAPI application (OpenAPI at /docs).
- ``api.settings``: ``ApiSettings.from_env()`` (tokens, upload and queue limits).
- ``api.auth``: bearer tokens with roles (scanner, intake, archivist, qa, admin).
- ``api.uploads``: streaming uploads to the spool: limits, hashing, type sniffing, safe names.
- ``api.intake``: uploads and extractions into the one batch store (``workers.submit``),
  bounded; embedded, its child process is the same drainer ``sohoa submit`` starts.
- ``api.routes``: one module per user group; ``api.web``: the server-rendered pages.
- ``api.commands``: ``sohoa serve``.
"""
