"""drop the payment sandbox's table: payments go through Stripe (or its emulator) everywhere

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sandbox_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_objects_kind"))
        batch_op.drop_index(batch_op.f("ix_sandbox_objects_customer_id"))
    op.drop_table("sandbox_objects")


def downgrade():
    op.create_table(
        "sandbox_objects",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_objects")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sandbox_objects_idempotency_key")),
    )
    with op.batch_alter_table("sandbox_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_objects_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sandbox_objects_kind"), ["kind"], unique=False)
