"""A million supporters on PostgreSQL in a few minutes: set-based SQL (generate_series over a plan
per membership), into the schema `flask db upgrade` made.

Shapes: accounts signed up over three years (more of them lately), most of whom never paid;
a third with a membership: paying monthly or yearly since they started until they stopped (about
3.5% a month leave), some ending, past due, lapsed, come back, complimentary or abandoned at the
first payment; every payment of that history (a few failed, refunded in full or in part,
disputed, or recovered after a decline), one-time gifts, the attempts that started each, the
membership history rows the MRR history reads, the webhook events each payment and change came
in by (the payments' of the last year: older events change nothing the pages read, and a seed of
every one took a minute more), the emails sent about them (outbox and notices: receipts of the last
45 days) and the staff's audit log.

The tables' other indexes and their unique and foreign-key constraints are dropped while the rows
go in and made again after, so every one of them is checked against the data once, at the end.
`seed` neither commits nor vacuums: the caller does (the bench in its own database, a test inside
its rolled-back transaction).
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

# Bump when the shapes below change: a database seeded by another version is seeded again.
VERSION = "2026-12-01.4"
# The kind of a one-time payment, as app/services/checkout.py names it.
ONE_TIME_KIND = "gift"
TABLES = ("users", "memberships", "membership_changes", "payment_attempts", "payments", "refunds",
          "webhook_events", "outbox", "notices", "audit_log")  # fmt: skip
# The figures' summaries (app/models/figures.py) of the rows replaced: made again after the seed.
SUMMARIES = ("figure_marks", "payment_days", "source_days", "source_totals", "refund_days",
             "payers", "payer_counts", "membership_facts", "member_sums", "start_sums",
             "standings", "week_moves")  # fmt: skip
STAFF = 4  # staff accounts who wrote the audit log (ids after the readers')

FIRST = ("lina", "omar", "sara", "ahmad", "rania", "khaled", "maya", "yusuf", "nour", "karim",
         "huda", "samir", "dana", "tarek", "layla", "fadi", "reem", "bilal", "hala", "majd",
         "emma", "james", "sophie", "daniel", "claire", "lucas", "anna", "peter", "julia", "mark")  # fmt: skip
LAST = ("haddad", "khoury", "nasser", "saleh", "hamdan", "aziz", "darwish", "hussein", "mansour",
        "qasim", "taha", "yassin", "zein", "rahman", "sabbagh", "halabi", "shami", "idlibi",
        "smith", "jones", "brown", "miller", "wilson", "moore", "taylor", "martin", "weber",
        "schmidt", "dubois", "rossi")  # fmt: skip

_USERS = """
CREATE TEMP TABLE s_users AS
SELECT g AS id,
       %(start)s::timestamptz + (%(now)s::timestamptz - %(start)s::timestamptz)
           * power(g::float8 / %(n)s, 0.75) AS created_at,
       random() AS r_member, random() AS r_gift, random() AS r_lang, random() AS r_source,
       random() AS r_declined
FROM generate_series(1, %(n)s) AS g
"""

# One row per membership, with the whole of its story decided here.
_PLAN = """
CREATE TEMP TABLE s_plan AS
WITH base AS (
    SELECT row_number() OVER (ORDER BY u.id) AS mid, u.id AS user_id,
           least(u.created_at + random() * interval '10 days', %(now)s::timestamptz - interval '1 hour') AS s,
           random() AS r_kind, random() AS r_sub, random() AS r_change, random() AS r_back,
           CASE WHEN random() < 0.15 THEN 'year' ELSE 'month' END AS interval,
           (ARRAY[100, 100, 100, 300, 500, 500, 500, 1000, 1000, 2000, 5000])[1 + floor(random() * 11)::int] AS unit,
           random() AS r_life
    FROM s_users u WHERE u.r_member < 0.35
), sized AS MATERIALIZED (
    SELECT b.*, CASE WHEN interval = 'year' THEN interval '1 year' ELSE interval '1 month' END AS step,
           CASE WHEN interval = 'year' THEN unit * 12 ELSE unit END AS amount,
           greatest(1, ceil(ln(1 - r_life) / ln(CASE WHEN interval = 'year' THEN 0.7 ELSE 0.965 END)))::int AS life,
           CASE WHEN interval = 'year' THEN extract(year FROM age(%(now)s::timestamptz, s))::int + 1
                ELSE (extract(year FROM age(%(now)s::timestamptz, s)) * 12
                      + extract(month FROM age(%(now)s::timestamptz, s)))::int + 1 END AS due
    FROM base b
), typed AS (
    SELECT z.*,
           CASE WHEN r_kind < 0.05 THEN 'abandoned'
                WHEN r_kind < 0.06 THEN 'comp'
                WHEN r_kind < 0.065 AND s > %(now)s::timestamptz - interval '1 day' THEN 'pending'
                WHEN r_kind < 0.065 THEN 'abandoned'
                WHEN life >= due AND r_sub < 0.04 THEN 'ending'
                WHEN life >= due AND due >= 2 AND r_sub < 0.30
                     AND s + (due - 1) * step > %(now)s::timestamptz - interval '7 days' THEN 'past_due'
                WHEN life >= due THEN 'active'
                WHEN r_back < 0.04 AND s + life * step < %(now)s::timestamptz - interval '20 days' THEN 'back'
                WHEN r_back < 0.64 THEN 'canceled'
                ELSE 'failed' END AS kind
    FROM sized z
)
SELECT t.*, least(t.life, t.due) AS paid,
       CASE WHEN t.kind = 'canceled' OR (t.kind = 'back' AND t.r_back < 0.025) THEN 'cancel'
            WHEN t.kind IN ('failed', 'back') THEN 'failure' END AS lapse,
       t.s + least(t.life, t.due) * t.step AS period_end,
       t.interval = 'month' AND least(t.life, t.due) >= 3 AND t.r_change < 0.06 AS changed,
       CASE WHEN t.kind = 'back' THEN t.s + t.life * t.step
            + interval '8 days' + (%(now)s::timestamptz - (t.s + t.life * t.step) - interval '8 days')
              * (0.2 + 0.6 * t.r_change) END AS back_at
FROM typed t
"""

# The paying stretches: each membership's first subscription, and the second of those who came
# back. `fail_at` is the index of the one renewal that failed (or none).
_SEGMENTS = """
CREATE TEMP TABLE s_seg AS
SELECT p.mid, p.user_id, 1 AS seg, 'sub_b' || p.mid AS sub_id, p.s AS first_at, p.step,
       p.interval, p.amount, CASE WHEN p.changed THEN p.amount * 2 ELSE p.amount END AS amount0,
       p.changed,
       CASE WHEN p.lapse = 'failure' THEN p.paid + 1 ELSE p.paid END AS rows,
       CASE WHEN p.lapse = 'failure' THEN p.paid WHEN p.kind = 'past_due' THEN p.paid - 1 ELSE -1 END AS fail_at,
       random() AS r_prompt, random() AS r_article, random() AS r_fee
FROM s_plan p WHERE p.kind IN ('active', 'ending', 'past_due', 'canceled', 'failed', 'back')
UNION ALL
SELECT p.mid, p.user_id, 2, 'sub_b' || p.mid || 'r', p.back_at, interval '1 month', 'month',
       p.amount, p.amount, false,
       (extract(year FROM age(%(now)s::timestamptz, p.back_at)) * 12
        + extract(month FROM age(%(now)s::timestamptz, p.back_at)))::int + 1,
       -1, random(), random(), random()
FROM s_plan p WHERE p.kind = 'back'
"""

_ATTEMPTS = """
INSERT INTO payment_attempts (key, user_id, kind, amount, currency, interval, covers_fee, status,
    failure_code, declines, last_declined_at, subscription_id, payment_intent_id, prompt_id,
    article_id, lang, ip, created_at)
SELECT md5('attempt-' || g.mid || '-' || g.seg), g.user_id, 'subscription', g.amount0, %(currency)s,
       g.interval, g.r_fee < 0.3, 'succeeded', NULL::text, 0, NULL::timestamptz, g.sub_id, NULL::text,
       CASE WHEN g.r_prompt < 0.75 THEN (SELECT id FROM prompts WHERE lang = u.language ORDER BY id LIMIT 1) END,
       CASE WHEN g.r_article < 0.6 AND %(articles)s::int[] <> '{}'
            THEN (%(articles)s::int[])[1 + floor(g.r_article / 0.6 * cardinality(%(articles)s::int[]))::int] END,
       u.language, '10.' || (g.user_id / 65536) %% 256 || '.' || (g.user_id / 256) %% 256 || '.' || g.user_id %% 256,
       g.first_at - interval '2 minutes'
FROM s_seg g JOIN users u ON u.id = g.user_id
UNION ALL
SELECT md5('attempt-' || p.mid || '-x'), p.user_id, 'subscription', p.amount, %(currency)s, p.interval,
       false, CASE WHEN p.kind = 'pending' THEN 'started' ELSE 'expired' END, NULL, 0, NULL,
       'sub_b' || p.mid || 'x', NULL, NULL::int, NULL::int, 'en', NULL, p.s
FROM s_plan p WHERE p.kind IN ('abandoned', 'pending')
UNION ALL
SELECT md5('attempt-declined-' || u.id), u.id, 'subscription', 500, %(currency)s, 'month', false,
       'failed', 'card_declined', 1 + (u.id %% 3), u.created_at + interval '3 minutes',
       'sub_b' || u.id || 'd', NULL, NULL, NULL, 'en', '10.9.' || (u.id / 256) %% 256 || '.' || u.id %% 256,
       u.created_at + interval '2 minutes'
FROM s_users u WHERE u.r_declined < 0.03
"""

_MEMBERSHIPS = """
INSERT INTO memberships (id, user_id, status, paid_status, amount, currency, interval,
    current_period_end, cancel_at_period_end, grace_until, comp_granted, comp_until, subscription_id,
    article_id, prompt_id, snapshot_at, updated_at)
SELECT p.mid, p.user_id, m.status, m.paid_status,
       CASE WHEN p.kind <> 'comp' THEN p.amount END, CASE WHEN p.kind <> 'comp' THEN %(currency)s END,
       CASE WHEN p.kind <> 'comp' THEN p.interval END,
       CASE p.kind WHEN 'comp' THEN NULL WHEN 'past_due' THEN p.s + (p.paid - 1) * p.step
            WHEN 'back' THEN p.back_at + (g2.rows) * interval '1 month'
            WHEN 'abandoned' THEN NULL WHEN 'pending' THEN NULL ELSE p.period_end END,
       p.kind IN ('ending', 'canceled'),
       CASE WHEN p.kind = 'past_due' THEN %(now)s::timestamptz + interval '3 days' END,
       p.kind = 'comp', CASE WHEN p.kind = 'comp' THEN %(now)s::timestamptz + interval '180 days' END,
       CASE WHEN p.kind = 'comp' THEN NULL WHEN p.kind = 'back' THEN g2.sub_id
            WHEN p.kind IN ('abandoned', 'pending') THEN 'sub_b' || p.mid || 'x' ELSE 'sub_b' || p.mid END,
       a.article_id, a.prompt_id, w.written, w.written
FROM s_plan p
JOIN (VALUES ('active', 'active', 'active'), ('ending', 'ending', 'ending'),
             ('past_due', 'past_due', 'past_due'), ('canceled', 'lapsed', 'lapsed'),
             ('failed', 'lapsed', 'lapsed'), ('back', 'active', 'active'),
             ('comp', 'complimentary', NULL), ('abandoned', 'none', 'none'),
             ('pending', 'pending', 'pending')) AS m(kind, status, paid_status) ON m.kind = p.kind
LEFT JOIN s_seg g2 ON g2.mid = p.mid AND g2.seg = 2
LEFT JOIN payment_attempts a ON a.subscription_id = coalesce(g2.sub_id, 'sub_b' || p.mid)
CROSS JOIN LATERAL (SELECT least(%(quiet)s::timestamptz, CASE
    WHEN p.kind = 'back' THEN p.back_at + greatest(g2.rows - 1, 0) * interval '1 month'
    WHEN p.kind IN ('canceled', 'failed') THEN p.period_end + interval '7 days'
    ELSE p.s + greatest(p.paid - 1, 0) * p.step END) AS written) AS w
"""

# Each row: the membership as it stood after the change (what the MRR history reads).
_CHANGES = """
INSERT INTO membership_changes (membership_id, from_status, to_status, cause, at, amount, currency,
    interval, period_end)
SELECT c.mid, c.from_status, c.to_status, c.cause, c.at,
       CASE WHEN c.to_status <> 'complimentary' THEN c.amount END,
       CASE WHEN c.to_status <> 'complimentary' THEN %(currency)s END,
       CASE WHEN c.to_status <> 'complimentary' THEN c.interval END, c.period_end
FROM (
    SELECT mid, 'none' AS from_status, 'active' AS to_status, 'customer.subscription.created' AS cause,
           s AS at, CASE WHEN changed THEN amount * 2 ELSE amount END AS amount, interval, s + step AS period_end
    FROM s_plan WHERE kind IN ('active', 'ending', 'past_due', 'canceled', 'failed', 'back')
    UNION ALL
    SELECT mid, 'active', 'active', 'customer.subscription.updated', s + 2 * step - interval '1 day',
           amount, interval, s + 2 * step
    FROM s_plan WHERE changed AND kind IN ('active', 'ending', 'past_due', 'canceled', 'failed', 'back')
    UNION ALL
    SELECT mid, 'active', 'ending', 'customer.subscription.updated',
           s + (paid - 1) * step + (least(%(now)s::timestamptz, period_end) - (s + (paid - 1) * step)) * (0.1 + 0.8 * r_sub),
           amount, interval, period_end
    FROM s_plan WHERE kind = 'ending' OR lapse = 'cancel'
    UNION ALL
    SELECT mid, 'ending', 'lapsed', 'customer.subscription.deleted', period_end, amount, interval, period_end
    FROM s_plan WHERE lapse = 'cancel'
    UNION ALL
    SELECT mid, 'active', 'past_due', 'invoice.payment_failed', s + (paid - 1) * step, amount, interval,
           s + (paid - 1) * step
    FROM s_plan WHERE kind = 'past_due'
    UNION ALL
    SELECT mid, 'active', 'past_due', 'invoice.payment_failed', period_end, amount, interval, period_end
    FROM s_plan WHERE lapse = 'failure'
    UNION ALL
    SELECT mid, 'past_due', 'lapsed', 'customer.subscription.deleted',
           least(period_end + interval '7 days', %(now)s::timestamptz), amount, interval, period_end
    FROM s_plan WHERE lapse = 'failure'
    UNION ALL
    SELECT mid, 'lapsed', 'active', 'customer.subscription.created', back_at, amount, 'month',
           back_at + interval '1 month'
    FROM s_plan WHERE kind = 'back'
    UNION ALL
    SELECT mid, 'none', 'complimentary', 'complimentary membership granted by staff', s, NULL, NULL, NULL
    FROM s_plan WHERE kind = 'comp'
    UNION ALL
    SELECT mid, 'none', 'pending', 'customer.subscription.created', s, amount, interval, NULL
    FROM s_plan WHERE kind IN ('abandoned', 'pending')
    UNION ALL
    SELECT mid, 'pending', 'none', 'customer.subscription.deleted',
           least(s + interval '23 hours', %(now)s::timestamptz), amount, interval, NULL
    FROM s_plan WHERE kind = 'abandoned'
) AS c
ORDER BY c.at
"""

# Every charge of every paying stretch, then the one-time gifts.
_PAYMENTS = """
INSERT INTO payments (user_id, kind, invoice_id, payment_intent_id, charge_id, subscription_id,
    amount, amount_refunded, currency, interval, status, failure_code, dispute_id, dispute_status,
    disputed_at, paid_at, receipt_url, card_brand, card_last4, created_at, updated_at)
SELECT user_id, 'subscription', 'in_b' || ref, 'pi_b' || ref, 'ch_b' || ref, sub_id, amount,
       CASE WHEN failed THEN 0 WHEN r < 0.006 THEN amount WHEN r < 0.009 THEN amount / 2 ELSE 0 END,
       %(currency)s, interval,
       CASE WHEN failed THEN 'failed' WHEN r < 0.006 THEN 'refunded' WHEN r < 0.009 THEN 'paid'
            WHEN r < 0.010 THEN 'disputed' ELSE 'paid' END,
       CASE WHEN failed THEN 'card_declined' WHEN r >= 0.010 AND r < 0.025 THEN 'insufficient_funds' END,
       CASE WHEN NOT failed AND r >= 0.009 AND r < 0.010 THEN 'dp_b' || ref END,
       CASE WHEN NOT failed AND r >= 0.009 AND r < 0.010 THEN
           CASE WHEN r < 0.0095 THEN 'lost' ELSE 'needs_response' END END,
       CASE WHEN NOT failed AND r >= 0.009 AND r < 0.010 THEN least(at + interval '12 days', %(quiet)s::timestamptz) END,
       CASE WHEN failed THEN NULL WHEN r >= 0.010 AND r < 0.025 THEN least(at + interval '2 days', %(quiet)s::timestamptz)
            ELSE at END,
       NULL, CASE WHEN r < 0.5 THEN 'visa' WHEN r < 0.8 THEN 'mastercard' END,
       CASE WHEN r < 0.8 THEN lpad(((r * 10000)::int %% 10000)::text, 4, '0') END,
       at,
       CASE WHEN failed THEN at WHEN r < 0.009 THEN least(at + interval '3 days', %(quiet)s::timestamptz)
            WHEN r < 0.025 THEN least(at + interval '12 days', %(quiet)s::timestamptz) ELSE at END
FROM (
    SELECT g.user_id, g.mid || '_' || g.seg || '_' || k AS ref, g.sub_id,
           CASE WHEN g.changed AND k < 2 THEN g.amount0 ELSE g.amount END AS amount, g.interval,
           g.first_at + k * g.step AS at, k = g.fail_at AS failed, random() AS r
    FROM s_seg g CROSS JOIN LATERAL generate_series(0, g.rows - 1) AS k
    WHERE g.first_at + k * g.step <= %(now)s::timestamptz
) AS charges
UNION ALL
SELECT o.user_id, %(one_time)s, NULL, 'pi_g' || o.user_id || '_' || k, 'ch_g' || o.user_id || '_' || k, NULL,
       (ARRAY[500, 1000, 2500, 5000, 10000])[1 + (o.user_id + k) %% 5], 0, %(currency)s, NULL, 'paid',
       NULL, NULL, NULL, NULL, o.at + k * interval '97 days', NULL, 'visa', '4242',
       o.at + k * interval '97 days', o.at + k * interval '97 days'
FROM (SELECT id AS user_id, created_at + interval '5 minutes' AS at, 1 + (id %% 3) AS times
      FROM s_users WHERE r_gift < 0.05) AS o
CROSS JOIN LATERAL generate_series(0, o.times - 1) AS k
WHERE o.at + k * interval '97 days' <= %(now)s::timestamptz
ORDER BY 20
"""

_GIFT_ATTEMPTS = """
INSERT INTO payment_attempts (key, user_id, kind, amount, currency, interval, covers_fee, status,
    declines, payment_intent_id, prompt_id, article_id, lang, created_at)
SELECT md5('attempt-' || p.payment_intent_id), p.user_id, p.kind, p.amount, p.currency, NULL, false,
       'succeeded', 0, p.payment_intent_id,
       CASE WHEN p.id %% 4 <> 0 THEN (SELECT id FROM prompts WHERE lang = u.language ORDER BY id LIMIT 1) END,
       CASE WHEN p.id %% 5 < 3 AND %(articles)s::int[] <> '{}'
            THEN (%(articles)s::int[])[1 + (p.id %% cardinality(%(articles)s::int[]))] END,
       u.language, p.created_at - interval '2 minutes'
FROM payments p JOIN users u ON u.id = p.user_id WHERE p.kind = %(one_time)s
"""

_REFUNDS = """
INSERT INTO refunds (id, payment_id, amount, currency, status, created)
SELECT 're_b' || id, id, amount_refunded, currency, 'succeeded', updated_at
FROM payments WHERE amount_refunded > 0
"""

# How each payment and change reached us, as the ledger keeps it.
_EVENTS = """
INSERT INTO webhook_events (id, type, created, customer_id, payload, state, received_at, applied_at,
    attempts, last_error)
SELECT id, type, at, customer,
       ('{"id": "' || id || '", "object": "event", "type": "' || type || '", "created": '
        || extract(epoch FROM at)::bigint || ', "livemode": false, "data": {"object": {"id": "'
        || object_id || '", "object": "' || object || '", "customer": "' || customer
        || '", "amount": ' || coalesce(amount, 0) || ', "currency": "' || %(currency)s::text || '"}}}')::json,
       CASE WHEN r < 0.975 THEN 'applied' WHEN r < 0.995 THEN 'ignored' WHEN r < 0.998 THEN 'failed'
            ELSE 'parked' END,
       at + (1 + r * 4) * interval '1 second',
       CASE WHEN r < 0.995 THEN at + (2 + r * 4) * interval '1 second' END,
       CASE WHEN r < 0.995 THEN 1 ELSE 3 END,
       CASE WHEN r >= 0.995 THEN 'no membership for customer ' || customer END
FROM (
    SELECT 'evt_bp' || p.id AS id,
           CASE WHEN p.kind <> 'subscription' THEN 'payment_intent.succeeded'
                WHEN p.status = 'failed' THEN 'invoice.payment_failed' ELSE 'invoice.paid' END AS type,
           p.created_at AS at, 'cus_b' || p.user_id AS customer,
           coalesce(p.invoice_id, p.payment_intent_id) AS object_id,
           CASE WHEN p.kind = 'subscription' THEN 'invoice' ELSE 'payment_intent' END AS object,
           p.amount, random() AS r
    FROM payments p
    WHERE p.created_at > %(now)s::timestamptz - interval '1 year'
    UNION ALL
    SELECT 'evt_bc' || c.id,
           CASE WHEN c.cause LIKE 'customer.subscription.%%' THEN c.cause ELSE 'customer.subscription.updated' END,
           c.at, 'cus_b' || m.user_id, m.subscription_id, 'subscription', c.amount, random()
    FROM membership_changes c JOIN memberships m ON m.id = c.membership_id
    WHERE c.to_status <> 'complimentary'
    UNION ALL
    SELECT 'evt_br' || r.id, 'charge.refunded', r.created, 'cus_b' || p.user_id, p.charge_id, 'charge',
           r.amount, random()
    FROM refunds r JOIN payments p ON p.id = r.payment_id
) AS raw
ORDER BY at
"""

# The emails sent about all of it: a welcome per subscription, a receipt per payment of the last
# 45 days, a notice per failed payment and per cancellation.
_MAIL = """
CREATE TEMP TABLE s_mail AS
SELECT row_number() OVER (ORDER BY m.at, m.object_id) AS id, m.*
FROM (
    SELECT g.user_id, %(welcome)s AS kind, g.sub_id AS object_id, g.first_at AS at
    FROM s_seg g
    UNION ALL
    SELECT p.user_id, CASE WHEN p.status = 'failed' THEN %(failed)s ELSE %(receipt)s END, p.invoice_id,
           p.created_at + interval '1 minute'
    FROM payments p
    WHERE p.kind = 'subscription' AND (p.status = 'failed' OR p.created_at > %(now)s::timestamptz - interval '45 days')
    UNION ALL
    SELECT m.user_id, %(cancellation)s, m.subscription_id || '-' || c.id, c.at + interval '1 minute'
    FROM membership_changes c JOIN memberships m ON m.id = c.membership_id WHERE c.to_status = 'ending'
) AS m
WHERE m.at <= %(now)s::timestamptz
"""

_OUTBOX = """
INSERT INTO outbox (id, "to", subject, body, html, headers, lang, state, attempts, last_error, sent_at,
    created_at)
SELECT s.id, u.email,
       CASE WHEN u.language = 'ar' THEN 'عنب بلدي: ' ELSE 'Enab Baladi: ' END || replace(s.kind, '_', ' '),
       'Dear reader,' || chr(10) || chr(10) || 'This is about ' || s.object_id || '.' || chr(10)
           || 'Thank you for supporting independent journalism.',
       NULL, NULL, u.language,
       CASE WHEN s.id %% 97 = 0 THEN 'failed' ELSE 'sent' END,
       CASE WHEN s.id %% 97 = 0 THEN 5 ELSE 1 END,
       CASE WHEN s.id %% 97 = 0 THEN '450 mailbox unavailable' END,
       CASE WHEN s.id %% 97 <> 0 THEN s.at + interval '4 seconds' END, s.at
FROM s_mail s JOIN users u ON u.id = s.user_id
"""

_NOTICES = """
INSERT INTO notices (user_id, kind, object_id, outbox_message_id, created_at)
SELECT user_id, kind, object_id, id, at FROM s_mail ORDER BY id
"""

# What staff did: complimentary memberships granted, exports, replays, links resent, and the
# second subscriptions noted automatically.
_AUDIT = """
INSERT INTO audit_log (actor_id, action, target, subject_id, details, at)
SELECT a.actor_id, a.action, a.target, a.subject_id, a.details, a.at
FROM (
    SELECT %(n)s + 1 + (p.mid %% %(staff)s) AS actor_id, 'grant' AS action, u.email AS target,
           p.user_id AS subject_id,
           json_build_object('until', to_char(%(now)s::timestamptz + interval '180 days', 'YYYY-MM-DD')) AS details,
           p.s AS at
    FROM s_plan p JOIN users u ON u.id = p.user_id WHERE p.kind = 'comp'
    UNION ALL
    SELECT %(n)s + 1 + (k %% %(staff)s), 'export', 'supporters.csv', NULL,
           json_build_object('filters', json_build_object('status', 'active')),
           %(start)s::timestamptz + (%(now)s::timestamptz - %(start)s::timestamptz) * (k::float8 / 3000)
    FROM generate_series(1, 3000) AS k
    UNION ALL
    SELECT %(n)s + 1 + (u.id %% %(staff)s), 'resend set-password email', u.email, u.id, '{}'::json,
           u.created_at + interval '2 days'
    FROM s_users s JOIN users u ON u.id = s.id WHERE s.r_source < 0.01 AND u.created_at < %(now)s::timestamptz - interval '2 days'
    UNION ALL
    SELECT %(n)s + 1 + (length(e.id) %% %(staff)s), 'replay', e.id, NULL, json_build_object('type', e.type),
           least(e.received_at + interval '1 hour', %(now)s::timestamptz)
    FROM webhook_events e WHERE e.state = 'failed' AND e.received_at < %(now)s::timestamptz - interval '1 hour'
    UNION ALL
    SELECT NULL, 'second subscription found', g.sub_id || 'dup', g.user_id,
           json_build_object('kept', g.sub_id, 'status', 'incomplete'), g.first_at + interval '1 day'
    FROM s_seg g WHERE g.r_fee > 0.998 AND g.first_at < %(now)s::timestamptz - interval '1 day'
) AS a
ORDER BY a.at
"""

_READERS = """
INSERT INTO users (id, key, email, password_hash, role, language, reading_mode, email_confirmed_at,
    session_version, stripe_customer_id, totp_failures, receipts_monthly, signup_source, created_at,
    deleted_at)
SELECT s.id, md5('user-' || s.id),
       (%(first)s::text[])[1 + s.id %% cardinality(%(first)s::text[])] || '.'
           || (%(last)s::text[])[1 + (s.id / 7) %% cardinality(%(last)s::text[])] || s.id || '@'
           || (ARRAY['example.org', 'example.com', 'example.net'])[1 + s.id %% 3],
       CASE WHEN paying.paid THEN NULL ELSE 'scrypt:32768:8:1$bench$' || md5('pw-' || s.id) END,
       'reader', CASE WHEN s.r_lang < 0.42 THEN 'ar' ELSE 'en' END, 'single',
       CASE WHEN s.id %% 10 < 8 THEN s.created_at + interval '5 minutes' END, 1,
       CASE WHEN paying.paid OR s.r_gift < 0.05 OR s.r_declined < 0.03 OR s.r_member < 0.35
            THEN 'cus_b' || s.id END,
       0, s.r_source > 0.2, CASE WHEN paying.paid THEN 'support_form' ELSE 'register' END,
       s.created_at,
       CASE WHEN s.r_member >= 0.35 AND s.r_gift >= 0.05 AND s.r_source > 0.997
                 AND s.created_at < %(now)s::timestamptz - interval '30 days'
            THEN s.created_at + interval '30 days' END
FROM s_users s
CROSS JOIN LATERAL (SELECT (s.r_member < 0.35 OR s.r_gift < 0.05) AND s.r_source < 0.35 AS paid) AS paying
"""

_STAFF_ACCOUNTS = """
INSERT INTO users (id, key, email, password_hash, role, language, reading_mode, email_confirmed_at,
    session_version, totp_failures, receipts_monthly, signup_source, created_at)
SELECT %(n)s + k, md5('staff-' || k), 'staff-' || k || '@example.org', 'scrypt:32768:8:1$bench$x',
       CASE WHEN k = 1 THEN 'admin' ELSE 'staff' END, CASE WHEN k %% 2 = 0 THEN 'ar' ELSE 'en' END,
       'single', %(start)s::timestamptz, 1, 0, true, 'staff', %(start)s::timestamptz
FROM generate_series(1, %(staff)s) AS k
"""

# In this order; the events and the emails need only what comes before them, so they may go in
# at the same time (from two connections: the emails need the first one's temporary tables), and
# the audit log after both (it notes replays of failed events).
ACCOUNTS = ("accounts", [_USERS, _READERS, _STAFF_ACCOUNTS])
MONEY = ("memberships and their payments", [_PLAN, _SEGMENTS, _ATTEMPTS, _MEMBERSHIPS, _CHANGES,
                                            _PAYMENTS, _GIFT_ATTEMPTS, _REFUNDS])  # fmt: skip
EVENTS = ("webhook events", [_EVENTS])
MAIL = ("emails", [_MAIL, _OUTBOX, _NOTICES])
AUDIT = ("the audit log", [_AUDIT])
STEPS = (ACCOUNTS, MONEY, EVENTS, MAIL, AUDIT)


def parameters(supporters: int, now: datetime, articles: list[int]) -> dict:
    from app.models import NoticeKind

    return {
        "n": supporters, "now": now, "start": now - timedelta(days=3 * 365), "currency": "usd",
        # Rows last written an hour or more before the seed, not all at once as it runs.
        "quiet": now - timedelta(hours=1),
        "articles": articles, "first": list(FIRST), "last": list(LAST), "staff": STAFF,
        "one_time": ONE_TIME_KIND, "welcome": NoticeKind.WELCOME.value,
        "receipt": NoticeKind.RECEIPT.value, "failed": NoticeKind.PAYMENT_FAILED.value,
        "cancellation": NoticeKind.CANCELLATION.value,
    }  # fmt: skip


def _constraints(connection: Connection) -> tuple[list[str], list[str]]:
    """(drop, create) statements for the seeded tables' foreign keys, unique constraints and
    indexes other than their primary keys."""
    tables = list(TABLES)
    rows = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%(tables)s) "
        "AND contype IN ('f', 'u') ORDER BY contype, conname",
        {"tables": tables},
    ).all()
    drop = [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"' for table, name, _, _ in rows]
    create = [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
              for table, name, definition, _ in reversed(rows)]  # fmt: skip
    indexes = connection.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%(tables)s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        {"tables": tables},
    ).all()
    drop += [f'DROP INDEX "{name}"' for name, _ in indexes]
    # Unique constraints first (foreign keys may need them), then indexes, then foreign keys.
    create = ([s for s in create if " UNIQUE " in s] + [d for _, d in indexes]
              + [s for s in create if " UNIQUE " not in s])  # fmt: skip
    return drop, create


@dataclass(frozen=True)
class Plan:
    """What a seed goes by: the statements' parameters, then the indexes and unique constraints
    to make again (any order), then the foreign keys."""

    params: dict
    indexes: list[str]
    foreign_keys: list[str]


def begin(connection: Connection, supporters: int, now: datetime | None = None) -> Plan:
    """Empty the seeded tables and take their indexes and constraints off; the caller commits."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    settings(connection)
    connection.exec_driver_sql("SELECT setseed(0.26)")
    connection.exec_driver_sql("DROP TABLE IF EXISTS s_users, s_plan, s_seg, s_mail")
    connection.exec_driver_sql(
        "TRUNCATE " + ", ".join(TABLES + SUMMARIES) + " RESTART IDENTITY CASCADE"
    )
    drop, create = _constraints(connection)
    for statement in drop:
        connection.exec_driver_sql(statement)
    articles = list(connection.exec_driver_sql("SELECT id FROM articles ORDER BY id").scalars())
    foreign = [statement for statement in create if " FOREIGN KEY " in statement]
    return Plan(parameters(supporters, now, articles),
                [statement for statement in create if statement not in foreign], foreign)  # fmt: skip


def settings(connection: Connection) -> None:
    for setting in ("maintenance_work_mem = '512MB'", "work_mem = '256MB'", "jit = off",
                    "synchronous_commit = off"):  # fmt: skip
        connection.exec_driver_sql(f"SET {setting}")


def load(connection: Connection, plan: Plan, step: tuple[str, list[str]], report=print) -> None:
    name, statements = step
    started = time.perf_counter()
    for statement in statements:
        connection.exec_driver_sql(statement, plan.params)
    report(f"  {name}: {time.perf_counter() - started:.1f} s")


def finish(connection: Connection) -> None:
    """Each id sequence past the ids given explicitly; the temporary tables gone."""
    for table in TABLES:
        sequence = connection.exec_driver_sql(
            f"SELECT pg_get_serial_sequence('{table}', 'id')"
        ).scalar()
        if sequence:
            connection.exec_driver_sql(
                f"SELECT setval('{sequence}', (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"  # noqa: S608
            )
    connection.exec_driver_sql("DROP TABLE IF EXISTS s_users, s_plan, s_seg, s_mail")


def seed(
    connection: Connection, supporters: int, now: datetime | None = None, report=print
) -> None:
    """Replace the accounts and everything about them with `supporters` readers and their
    history, one step after another in the caller's transaction."""
    plan = begin(connection, supporters, now)
    for step in STEPS:
        load(connection, plan, step, report)
    started = time.perf_counter()
    for statement in plan.indexes + plan.foreign_keys:
        connection.exec_driver_sql(statement)
    finish(connection)
    report(f"  indexes and constraints: {time.perf_counter() - started:.1f} s")
