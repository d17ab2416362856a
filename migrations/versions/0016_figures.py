"""figures staff can trust: each membership change keeps the plan it left the membership on (the
MRR history is read from them), and attempts and memberships keep the article and prompt they came
from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Changes recorded before this revision knew no plan: they take the membership's current one, the
# best figure there is (a plan changed since is read back as if it had always been the current one).
BACKFILL = """
UPDATE membership_changes SET
    amount = (SELECT m.amount FROM memberships m WHERE m.id = membership_changes.membership_id),
    currency = (SELECT m.currency FROM memberships m WHERE m.id = membership_changes.membership_id),
    "interval" = (SELECT m."interval" FROM memberships m WHERE m.id = membership_changes.membership_id),
    period_end = (SELECT m.current_period_end FROM memberships m
                  WHERE m.id = membership_changes.membership_id)
"""


def upgrade():
    with op.batch_alter_table("membership_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("interval", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prompt_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_memberships_article_id_articles", "articles", ["article_id"], ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_memberships_prompt_id_prompts", "prompts", ["prompt_id"], ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_payment_attempts_article_id_articles", "articles", ["article_id"], ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_payment_attempts_article_id", ["article_id"])


def downgrade():
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_article_id")
        batch_op.drop_constraint("fk_payment_attempts_article_id_articles", type_="foreignkey")
        batch_op.drop_column("article_id")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint("fk_memberships_prompt_id_prompts", type_="foreignkey")
        batch_op.drop_constraint("fk_memberships_article_id_articles", type_="foreignkey")
        batch_op.drop_column("prompt_id")
        batch_op.drop_column("article_id")
    with op.batch_alter_table("membership_changes", schema=None) as batch_op:
        batch_op.drop_column("period_end")
        batch_op.drop_column("interval")
        batch_op.drop_column("currency")
        batch_op.drop_column("amount")
