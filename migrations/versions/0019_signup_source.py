"""how each account came to be (registered, on the support form, by staff), for the supporters list

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signup_source", sa.String(length=16), nullable=False, server_default="register")
        )
    # Accounts made before: staff and admins were made by staff; readers who never set a password
    # and have a payment attempt were made by the support form.
    op.execute("UPDATE users SET signup_source = 'staff' WHERE role IN ('staff', 'admin')")
    op.execute(
        "UPDATE users SET signup_source = 'support_form' WHERE role = 'reader' "
        "AND password_hash IS NULL AND id IN (SELECT user_id FROM payment_attempts)"
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("signup_source")
