"""the one-time gift is called a donation: kinds, notices and outbox templates renamed

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 15:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # A one-time payment without a membership is a donation; "gift" now names memberships
    # bought for someone else.
    for table in ("payments", "payment_attempts"):
        op.execute(f"UPDATE {table} SET kind = 'donation' WHERE kind = 'gift'")
    op.execute("UPDATE notices SET kind = 'donation_receipt' WHERE kind = 'gift_receipt'")


def downgrade():
    for table in ("payments", "payment_attempts"):
        op.execute(f"UPDATE {table} SET kind = 'gift' WHERE kind = 'donation'")
    op.execute("UPDATE notices SET kind = 'gift_receipt' WHERE kind = 'donation_receipt'")
