"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from .accounts import ReadingMode, Role, SignupSource, User
from .audit import AuditEntry
from .billing import (
    AttemptStatus,
    Payment,
    PaymentAttempt,
    PaymentKind,
    PaymentStatus,
    Refund,
    WebhookEvent,
)
from .content import Article, ArticleRelated, Section, Tag, article_tags
from .mail import JobRun, MailState, OutboxMessage
from .membership import Membership, MembershipChange, MembershipStatus
from .notices import Notice, NoticeKind
from .prompts import Prompt, PromptStat
from .two_factor import RecoveryCode

__all__ = [
    "Article",
    "ArticleRelated",
    "AttemptStatus",
    "AuditEntry",
    "JobRun",
    "MailState",
    "Membership",
    "MembershipChange",
    "MembershipStatus",
    "Notice",
    "NoticeKind",
    "OutboxMessage",
    "Payment",
    "PaymentAttempt",
    "PaymentKind",
    "PaymentStatus",
    "Prompt",
    "PromptStat",
    "ReadingMode",
    "RecoveryCode",
    "Refund",
    "Role",
    "Section",
    "SignupSource",
    "Tag",
    "User",
    "WebhookEvent",
    "article_tags",
]
