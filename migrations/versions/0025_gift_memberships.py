"""gift memberships bought for someone

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 15:10:00

Payment kinds, notice kinds and signup sources are stored as strings (no CHECK constraint), so the
new values "gift" (a payment for a gift membership, an account made by redeeming one) and the
notices "gift_receipt" and "gift_received" need no change to those columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("giver_id", sa.Integer(), nullable=True),
        sa.Column("giver_name", sa.String(length=80), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("deliver_on", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("redeem_hash", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by_id", sa.Integer(), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comp_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comp_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["giver_id"], ["users.id"], name="fk_gifts_giver_id_users",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["redeemed_by_id"], ["users.id"],
                                name="fk_gifts_redeemed_by_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_gifts"),
        sa.UniqueConstraint("key", name="uq_gifts_key"),
        sa.UniqueConstraint("payment_intent_id", name="uq_gifts_payment_intent_id"),
        sa.UniqueConstraint("redeem_hash", name="uq_gifts_redeem_hash"),
    )
    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.create_index("ix_gifts_giver_id", ["giver_id"], unique=False)
        batch_op.create_index("ix_gifts_redeemed_by_id", ["redeemed_by_id"], unique=False)
        batch_op.create_index("ix_gifts_recipient_email", ["recipient_email"], unique=False)
        batch_op.create_index("ix_gifts_state_deliver_on", ["state", "deliver_on"], unique=False)


def downgrade():
    op.drop_table("gifts")
    # Code before gift memberships knows no "gift" kind: their money stays counted, as donations.
    op.execute("DELETE FROM notices WHERE kind IN ('gift_receipt', 'gift_received')")
    op.execute("DELETE FROM payment_attempts WHERE kind = 'gift'")
    op.execute("UPDATE payments SET kind = 'donation' WHERE kind = 'gift'")
