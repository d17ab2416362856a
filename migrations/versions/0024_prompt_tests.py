"""prompt variants and tests: copy per variant, traffic shares, daily counts, targeting rules

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _copy_columns():
    """The copy a prompt and each variant share (models/prompts.PromptCopy), less its words."""
    return [
        sa.Column("frequency", sa.String(length=8), nullable=False, server_default="monthly"),
        sa.Column("highlighted_amount", sa.Integer(), nullable=True),
        sa.Column("article_count", sa.Boolean(), nullable=False, server_default=sa.false()),
    ]


def upgrade():
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        for column in _copy_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("max_shows", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("show_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("dismiss_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("section_ids", sa.JSON(), nullable=False, server_default="[]"))

    op.create_table(
        "prompt_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("minimum_impressions", sa.Integer(), nullable=False),
        sa.Column("adaptive", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["prompt_id"], ["prompts.id"],
                                name=op.f("fk_prompt_tests_prompt_id_prompts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_tests")),
    )
    with op.batch_alter_table("prompt_tests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompt_tests_prompt_id"), ["prompt_id"], unique=False)
        batch_op.create_index("uq_prompt_tests_running_prompt", ["prompt_id"], unique=True,
                              sqlite_where=sa.text("status = 'running'"),
                              postgresql_where=sa.text("status = 'running'"))

    op.create_table(
        "prompt_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_control", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("cta", sa.String(length=200), nullable=False),
        sa.Column("monthly_amounts", sa.JSON(), nullable=False),
        *_copy_columns(),
        sa.ForeignKeyConstraint(["test_id"], ["prompt_tests.id"],
                                name=op.f("fk_prompt_variants_test_id_prompt_tests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_variants")),
    )
    with op.batch_alter_table("prompt_variants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompt_variants_test_id"), ["test_id"], unique=False)

    op.create_table(
        "prompt_variant_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["variant_id"], ["prompt_variants.id"],
                                name=op.f("fk_prompt_variant_stats_variant_id_prompt_variants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_variant_stats")),
        sa.UniqueConstraint("variant_id", "day", name=op.f("uq_prompt_variant_stats_variant_id_day")),
    )

    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_attempts_variant_id"), ["variant_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_payment_attempts_variant_id_prompt_variants"),
                                    "prompt_variants", ["variant_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payment_attempts_variant_id_prompt_variants"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payment_attempts_variant_id"))
        batch_op.drop_column("variant_id")
    op.drop_table("prompt_variant_stats")
    with op.batch_alter_table("prompt_variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_variants_test_id"))
    op.drop_table("prompt_variants")
    with op.batch_alter_table("prompt_tests", schema=None) as batch_op:
        batch_op.drop_index("uq_prompt_tests_running_prompt")
        batch_op.drop_index(batch_op.f("ix_prompt_tests_prompt_id"))
    op.drop_table("prompt_tests")
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        for name in ("section_ids", "dismiss_days", "show_days", "max_shows",
                     "article_count", "highlighted_amount", "frequency"):
            batch_op.drop_column(name)
