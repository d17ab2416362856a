"""support Stripe cannot take: payments staff record

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reference", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("covers_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("covers_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("voided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            "fk_payments_recorded_by_id_users", "users", ["recorded_by_id"], ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_payments_voided_by_id_users", "users", ["voided_by_id"], ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offline_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("offline_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Without the period columns a membership paid offline has nothing to stand on: it lapses.
    op.execute("UPDATE memberships SET status = 'lapsed' WHERE status = 'offline'")
    op.execute(
        "UPDATE membership_changes SET to_status = 'lapsed' WHERE to_status = 'offline'"
    )
    op.execute(
        "UPDATE membership_changes SET from_status = 'lapsed' WHERE from_status = 'offline'"
    )
    # The money stays in the books as the one kind without a membership the older code knows, a
    # donation; a voided entry becomes one refunded in full, so it still counts nowhere.
    op.execute(
        "UPDATE payments SET status = 'refunded', amount_refunded = amount WHERE status = 'voided'"
    )
    op.execute("UPDATE payments SET kind = 'donation' WHERE kind = 'offline'")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("offline_until")
        batch_op.drop_column("offline_from")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_payments_voided_by_id_users", type_="foreignkey")
        batch_op.drop_constraint("fk_payments_recorded_by_id_users", type_="foreignkey")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_by_id")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("recorded_by_id")
        batch_op.drop_column("covers_until")
        batch_op.drop_column("covers_from")
        batch_op.drop_column("note")
        batch_op.drop_column("reference")
        batch_op.drop_column("method")
