"""money from Stripe's snapshots: refunds as rows, dispute state and payment time on payments;
cash per month is derived from them, so the running revenue totals go

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispute_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_payments_paid_at"), ["paid_at"], unique=False)
    # Payments recorded before: their best known payment time is when we recorded them.
    op.execute("UPDATE payments SET paid_at = created_at WHERE status <> 'failed'")
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_refunds_payment_id_payments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_created"), ["created"], unique=False)
        batch_op.create_index(batch_op.f("ix_refunds_payment_id"), ["payment_id"], unique=False)
    op.drop_table("revenue_months")


def downgrade():
    op.create_table(
        "revenue_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "interval", "currency", name=op.f("pk_revenue_months")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_payment_id"))
        batch_op.drop_index(batch_op.f("ix_refunds_created"))
    op.drop_table("refunds")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_paid_at"))
        batch_op.drop_column("paid_at")
        batch_op.drop_column("disputed_at")
        batch_op.drop_column("dispute_status")
