"""The archive layer: object store, database, signing, search, and the service tying them.

Modules (one concern each):

- ``storage.objectstore``: ``ObjectStore`` interface, ``LocalObjectStore`` (embedded default,
  ``SOHOA_HOME/objects``), ``open_object_store(settings)``; ``IntegrityError``.
- ``storage.s3store``: ``S3ObjectStore`` via the ``minio`` SDK (versioning, object lock).
- ``storage.keys``: object key layout (``originals/YYYY/MM/<sha256>.<ext>``,
  ``archive/YYYY/MM/<dossier|nodossier>/<sha256>.pdf``, ``.json`` sidecars).
- ``storage.models`` / ``storage.db``: SQLAlchemy models, ``init_db(url)`` (Alembic upgrade
  head; SQLite WAL by default, PostgreSQL when ``SOHOA_DATABASE_URL`` says so).
- ``storage.signing``: PAdES B-B with pyHanko keeping PDF/A-2b; ``verify_pdf``.
- ``storage.search``: diacritic-insensitive full text (SQLite FTS5 | PostgreSQL tsvector).
- ``storage.archive``: ``Archive(settings)``, the facade: ``archive_document`` (the write path;
  duplicates and ``reprocess``), ``archive_stack``, ``decide`` (review), ``show``, ``dossier``,
  ``get_pdf``, ``verify``, ``search``, ``record_event``; over the modules
  ``storage.locks`` (per-document locks), ``storage.records`` (the database records),
  ``storage.review`` (QA's decisions, append-only; the queue), ``storage.reads`` (read
  queries), ``storage.verification`` (signature and checksum).
- ``storage.commands``: ``register(subparsers)`` for ``sohoa search|get|show|verify``.
- ``storage.retry``: bounded retry; unreachable servers raise ``TransientError``.

Environment: ``SOHOA_HOME``, ``SOHOA_DATABASE_URL``, ``SOHOA_S3_ENDPOINT`` / ``_ACCESS_KEY`` /
``_SECRET_KEY`` / ``_BUCKET`` / ``_SECURE`` / ``_REGION``, ``SOHOA_RETENTION_YEARS`` (object-lock
retention; 0 disables), ``SOHOA_S3_RETENTION_MODE`` (GOVERNANCE, default, or COMPLIANCE),
``SOHOA_SIGNING_KEY`` (+ ``_PASSWORD``; without it a development key is made under
``SOHOA_HOME/keys/``).
"""
