"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from .accounts import ReadingMode, Role, User
from .audit import AuditEntry
from .billing import Payment, PaymentAttempt, RevenueMonth, WebhookEvent
from .content import Article, ArticleRelated, Section, Tag, article_tags
from .mail import OutboxMessage
from .membership import Membership, MembershipChange, MembershipStatus
from .prompts import Prompt, PromptStat
from .sandbox import SandboxObject

__all__ = [
    "Article",
    "ArticleRelated",
    "AuditEntry",
    "Membership",
    "MembershipChange",
    "MembershipStatus",
    "OutboxMessage",
    "Payment",
    "PaymentAttempt",
    "Prompt",
    "PromptStat",
    "ReadingMode",
    "RevenueMonth",
    "Role",
    "SandboxObject",
    "Section",
    "Tag",
    "User",
    "WebhookEvent",
    "article_tags",
]
