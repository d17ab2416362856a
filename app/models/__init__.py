"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from .accounts import ReadingMode, Role, User
from .content import Article, ArticleRelated, Section, Tag, article_tags
from .mail import OutboxMessage
from .membership import Membership, MembershipChange, MembershipStatus
from .prompts import Prompt, PromptStat

__all__ = [
    "Article",
    "ArticleRelated",
    "Membership",
    "MembershipChange",
    "MembershipStatus",
    "OutboxMessage",
    "Prompt",
    "PromptStat",
    "ReadingMode",
    "Role",
    "Section",
    "Tag",
    "User",
    "article_tags",
]
