"""Why a cell's status is what it is (`status_reason`), and what Datadive last wrote to each
notebook's `.ipynb` (`file_base`: the base of the JupyterLab round trip).

Revision ID: 0005_status_reasons_file_base
Revises: 0004_one_active_run
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_status_reasons_file_base"
down_revision = "0004_one_active_run"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cells") as batch:
        batch.add_column(sa.Column("status_reason", sa.String(length=80), nullable=True))
    with op.batch_alter_table("notebooks") as batch:
        batch.add_column(sa.Column("file_base", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notebooks") as batch:
        batch.drop_column("file_base")
    with op.batch_alter_table("cells") as batch:
        batch.drop_column("status_reason")
