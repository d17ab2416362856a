"""count each attempt's declines: one attempt is now retried on the same page

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declines", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_declined_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_payment_attempts_user_declined", ["user_id", "last_declined_at"])
        batch_op.create_index("ix_payment_attempts_ip_declined", ["ip", "last_declined_at"])


def downgrade():
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_ip_declined")
        batch_op.drop_index("ix_payment_attempts_user_declined")
        batch_op.drop_column("last_declined_at")
        batch_op.drop_column("declines")
