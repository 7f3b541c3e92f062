"""open jobs by ordering key (the claim's per-call FIFO check)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN_JOBS = "status IN ('pending', 'running')"


def upgrade() -> None:
    op.create_index(
        "ix_jobs_open_ordering_key_id",
        "jobs",
        ["ordering_key", "id"],
        postgresql_where=sa.text(OPEN_JOBS),
        sqlite_where=sa.text(OPEN_JOBS),
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_open_ordering_key_id", table_name="jobs")
