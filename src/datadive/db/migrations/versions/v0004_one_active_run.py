"""At most one unfinished run per notebook, enforced by a partial unique index.

Revision ID: 0004_one_active_run
Revises: 0003_events
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_one_active_run"
down_revision = "0003_events"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'starting', 'running')"
INDEX = "uq_runs_one_active_per_notebook"
ENDED = "Ended by an upgrade: another run of this notebook was going on."


def upgrade() -> None:
    # Only the newest unfinished run of a notebook can stay unfinished.
    connection = op.get_bind()
    runs = sa.table("runs", sa.column("id"), sa.column("notebook_id"), sa.column("status"))
    rows = connection.execute(
        sa.select(runs.c.id, runs.c.notebook_id)
        .where(runs.c.status.in_(("queued", "starting", "running")))
        .order_by(sa.text("created_at DESC"))
    ).all()
    seen: set[str] = set()
    for run_id, notebook_id in rows:
        if notebook_id in seen:
            connection.execute(
                sa.text("UPDATE runs SET status = 'error', error = :error WHERE id = :id"),
                {"error": ENDED, "id": run_id},
            )
        seen.add(str(notebook_id))
    op.create_index(
        INDEX,
        "runs",
        ["notebook_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="runs")
