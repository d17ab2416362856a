"""notices: the messages sent about a supporter's support, at most one per object and kind

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=255), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notices_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"], ["outbox.id"], name="fk_notices_outbox_message_id_outbox",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("kind", "object_id", name="uq_notices_kind_object_id"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_user_id", ["user_id"], unique=False)


def downgrade():
    op.drop_table("notices")
