"""Alembic environment: runs on a connection handed over by `datadive.db.schema`."""

from alembic import context

from datadive.db import models  # noqa: F401 - registers every table
from datadive.db.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `datadive db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
