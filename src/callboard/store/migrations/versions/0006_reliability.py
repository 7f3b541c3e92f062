"""process registry (heartbeats), job owners, delivery request and response details, faults

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=256), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
    )
    op.create_table(
        "faults",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faults")),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("request_headers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("response_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("fault", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("fault")
        batch.drop_column("response_body")
        batch.drop_column("request_headers")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("locked_by")
    op.drop_table("faults")
    op.drop_table("processes")
