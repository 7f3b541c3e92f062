"""ownerless running jobs by due time (a claim's look for expired locks)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OWNERLESS_RUNNING_JOBS = "status = 'running' AND locked_by IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_jobs_ownerless_running",
        "jobs",
        ["status", "locked_by", "run_at", "id"],
        postgresql_where=sa.text(OWNERLESS_RUNNING_JOBS),
        sqlite_where=sa.text(OWNERLESS_RUNNING_JOBS),
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_ownerless_running", table_name="jobs")
