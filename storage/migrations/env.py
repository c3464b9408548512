"""Alembic environment for sohoa's archive database.

Normally run through ``storage.db.init_db(url)``, which passes an open connection in
``config.attributes["connection"]``; ``alembic -c alembic.ini upgrade head`` also works and then
reads ``SOHOA_DATABASE_URL`` (or the ini's ``sqlalchemy.url``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from pipeline.config import value
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = value("SOHOA_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        from pipeline.config import Settings

        url = Settings.from_env().effective_database_url
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
