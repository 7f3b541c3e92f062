"""change-notification subscriptions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("resource_key", sa.String(length=256), nullable=False),
        sa.Column("expiration", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_app", "subscriptions", ["app_id"], unique=False)
    op.create_index(
        "ix_subscriptions_tenant_resource",
        "subscriptions",
        ["tenant_id", "resource_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_tenant_resource", table_name="subscriptions")
    op.drop_index("ix_subscriptions_app", table_name="subscriptions")
    op.drop_table("subscriptions")
