"""indexes and summary rows for staff pages at a million supporters

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _summary_tables():
    op.create_table(
        "payment_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_days")),
    )
    op.create_index("ix_payment_days_day", "payment_days", ["day"])
    op.create_table(
        "source_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_days")),
    )
    op.create_index("ix_source_days_day", "source_days", ["day"])
    op.create_table(
        "source_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_totals")),
    )
    op.create_table(
        "refund_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_days")),
    )
    op.create_index("ix_refund_days_day", "refund_days", ["day"])
    op.create_table(
        "payer_counts",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("currency", name=op.f("pk_payer_counts")),
    )
    op.create_table(
        "membership_facts",
        sa.Column("membership_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paying", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("membership_id", name=op.f("pk_membership_facts")),
    )
    op.create_index("ix_membership_facts_status_until", "membership_facts", ["status", "until"])
    op.create_table(
        "member_sums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sums")),
    )
    op.create_table(
        "start_sums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("paying", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_start_sums")),
    )
    op.create_table(
        "payers",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "currency", name=op.f("pk_payers")),
    )
    op.create_table(
        "standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("interval", sa.String(length=8), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standings")),
    )
    op.create_index("ix_standings_moment", "standings", ["moment"])
    op.create_table(
        "week_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=160), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_week_moves")),
    )
    op.create_index("ix_week_moves_week", "week_moves", ["week"])
    op.create_table(
        "figure_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("looked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_figure_marks")),
    )


def _trigram_email_index():
    """PostgreSQL: searching emails for any part (LIKE '%...%') through trigrams, where the
    pg_trgm extension can be had (it ships with PostgreSQL; a database owner may create it).
    Without it the search still works, by reading every account."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("SAVEPOINT trigrams")
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        op.execute("ROLLBACK TO SAVEPOINT trigrams")
        return
    op.execute("RELEASE SAVEPOINT trigrams")
    op.execute("CREATE INDEX ix_users_email_trigrams ON users USING gin (email gin_trgm_ops)")


def upgrade():
    _summary_tables()
    postgresql = op.get_bind().dialect.name == "postgresql"
    # What changed since the figures' summaries last looked; a day's payments; disputes.
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        # Refunds already there count as written long ago: the summaries are made after this.
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.text("'1970-01-01 00:00:00'")))
    op.create_index("ix_refunds_updated_at", "refunds", ["updated_at"])
    op.create_index("ix_memberships_updated_at", "memberships", ["updated_at"])
    op.create_index("ix_payments_updated_at", "payments", ["updated_at"])
    op.create_index("ix_payments_settled", "payments", [sa.text("coalesce(paid_at, created_at)")])
    op.create_index("ix_payments_disputed", "payments", ["disputed_at"],
                    postgresql_where=sa.text("dispute_status IS NOT NULL"),
                    sqlite_where=sa.text("dispute_status IS NOT NULL"))
    # Supporters by amount within a status, the newest account first among equal amounts (the
    # list's order, which SQLite's indexes cannot spell).
    op.drop_index("ix_memberships_status_amount", table_name="memberships")
    amount = [sa.text("amount DESC NULLS LAST"), sa.text("user_id DESC")] if postgresql else ["amount"]
    op.create_index("ix_memberships_status_amount", "memberships", ["status", *amount])
    # MRR and paying supporters now, from the index alone.
    op.create_index("ix_memberships_status_plan", "memberships", ["status", "currency", "interval"],
                    postgresql_include=["amount", "current_period_end", "id"])
    # The ledger and the outbox, newest first.
    op.create_index("ix_webhook_events_received", "webhook_events", [sa.text("received_at DESC"), "id"])
    op.create_index("ix_webhook_events_type_received", "webhook_events",
                    ["type", sa.text("received_at DESC"), "id"])
    op.drop_index("ix_webhook_events_type", table_name="webhook_events")  # the one above leads with it
    op.create_index("ix_outbox_created", "outbox", [sa.text("created_at DESC"), sa.text("id DESC")])
    # New, churned and reactivated supporters in a period, counted from the index alone.
    op.drop_index("ix_membership_changes_to_at", table_name="membership_changes")
    op.create_index("ix_membership_changes_moves", "membership_changes", ["to_status", "from_status", "at"],
                    postgresql_include=["membership_id"])
    # An attempt's source beside its subscription: the figures per article and prompt join on it.
    op.drop_index("ix_payment_attempts_subscription_id", table_name="payment_attempts")
    op.create_index("ix_payment_attempts_subscription_id", "payment_attempts", ["subscription_id"],
                    postgresql_include=["article_id", "prompt_id"])
    # Payments started and completed per prompt.
    op.create_index("ix_payment_attempts_prompt_status", "payment_attempts", ["prompt_id", "status"])
    _trigram_email_index()


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_users_email_trigrams")
    op.drop_index("ix_payment_attempts_prompt_status", table_name="payment_attempts")
    op.drop_index("ix_payment_attempts_subscription_id", table_name="payment_attempts")
    op.create_index("ix_payment_attempts_subscription_id", "payment_attempts", ["subscription_id"])
    op.drop_index("ix_membership_changes_moves", table_name="membership_changes")
    op.create_index("ix_membership_changes_to_at", "membership_changes", ["to_status", "at"])
    op.drop_index("ix_outbox_created", table_name="outbox")
    op.create_index("ix_webhook_events_type", "webhook_events", ["type"])
    op.drop_index("ix_webhook_events_type_received", table_name="webhook_events")
    op.drop_index("ix_webhook_events_received", table_name="webhook_events")
    op.drop_index("ix_memberships_status_plan", table_name="memberships")
    op.drop_index("ix_memberships_status_amount", table_name="memberships")
    op.create_index("ix_memberships_status_amount", "memberships", ["status", "amount"])
    op.drop_index("ix_payments_disputed", table_name="payments")
    op.drop_index("ix_payments_settled", table_name="payments")
    op.drop_index("ix_payments_updated_at", table_name="payments")
    op.drop_index("ix_memberships_updated_at", table_name="memberships")
    op.drop_index("ix_refunds_updated_at", table_name="refunds")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
    for table in ("figure_marks", "week_moves", "standings", "payers", "start_sums", "member_sums", "membership_facts",
                  "payer_counts", "refund_days", "source_totals", "source_days", "payment_days"):
        op.drop_table(table)
