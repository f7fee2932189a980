"""Notebook events (for the live event stream) and run heartbeats (runs shared by processes).

Revision ID: 0003_events
Revises: 0002_workspace
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_events"
down_revision = "0002_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notebooks") as batch:
        batch.add_column(sa.Column("event_seq", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("worker_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "notebook_events",
        sa.Column("notebook_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["notebook_id"],
            ["notebooks.id"],
            name=op.f("fk_notebook_events_notebook_id_notebooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notebook_id", "seq", name=op.f("pk_notebook_events")),
    )
    op.create_index(op.f("ix_notebook_events_created_at"), "notebook_events", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notebook_events_created_at"), table_name="notebook_events")
    op.drop_table("notebook_events")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker_id")
    with op.batch_alter_table("notebooks") as batch:
        batch.drop_column("event_seq")
