"""Persistence: SQLAlchemy models, the engine, and the Alembic migrations shipped in the package."""
