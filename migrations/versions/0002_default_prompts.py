"""The outlet's own support prompt, in English and Arabic, active by default.

Revision ID: 0002
Revises: 0001
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PROMPTS = [
    {
        "lang": "en",
        "name": "Enab Baladi: $1 a month",
        "lines": "Propaganda distorts the truth and prolongs the war..\n"
        "Syria needs free media.. We need your support to stay independent..\n"
        "Support Enab Baladi..\n"
        "$1 a month makes a difference..",
        "cta": "Click here to support",
    },
    {
        "lang": "ar",
        "name": "عنب بلدي: دولار واحد في الشهر",
        "lines": "البروباغندا تشوّه الحقيقة وتطيل أمد الحرب..\n"
        "سوريا بحاجة إلى إعلام حر.. نحتاج دعمك لنبقى مستقلين..\n"
        "ادعم عنب بلدي..\n"
        "دولار واحد في الشهر يصنع فرقًا..",
        "cta": "اضغط هنا للدعم",
    },
]


def upgrade():
    prompts = sa.table(
        "prompts",
        sa.column("lang", sa.String),
        sa.column("name", sa.String),
        sa.column("lines", sa.Text),
        sa.column("cta", sa.String),
        sa.column("monthly_amounts", sa.JSON),
        sa.column("currency", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        prompts,
        [
            {**prompt, "monthly_amounts": [100, 500, 1000], "currency": "usd", "active": True,
             "updated_at": now}
            for prompt in PROMPTS
        ],
    )


def downgrade():
    op.execute(sa.text("DELETE FROM prompts WHERE name IN (:en, :ar)").bindparams(
        en=PROMPTS[0]["name"], ar=PROMPTS[1]["name"]))
