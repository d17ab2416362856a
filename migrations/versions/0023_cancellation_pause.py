"""cancellation reasons and saves, paused memberships, raise asks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 15:10:00

The membership statuses are stored as strings (VARCHAR(16), no CHECK constraint: SQLAlchemy's
non-native Enum creates none), so the new status "paused" needs no change to the status columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paid_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("offers", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("new_amount", sa.Integer(), nullable=True),
        sa.Column("pause_months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.create_index("ix_cancellations_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_cancellations_created_at", ["created_at"], unique=False)
    op.create_table(
        "raise_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("new_amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("raise_asks", schema=None) as batch_op:
        batch_op.create_index("ix_raise_asks_user_id", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("raise_asks", schema=None) as batch_op:
        batch_op.drop_index("ix_raise_asks_user_id")
    op.drop_table("raise_asks")
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.drop_index("ix_cancellations_created_at")
        batch_op.drop_index("ix_cancellations_user_id")
    op.drop_table("cancellations")
    # A paused membership has no status to go back to but its subscription's: active.
    op.execute("UPDATE memberships SET status = 'active' WHERE status = 'paused'")
    op.execute("UPDATE memberships SET paid_status = 'active' WHERE paid_status = 'paused'")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("paid_until")
        batch_op.drop_column("paused_until")
