"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from .accounts import ReadingMode, Role, SignupSource, User
from .audit import AuditEntry
from .billing import (
    AttemptStatus,
    OfflineMethod,
    Payment,
    PaymentAttempt,
    PaymentKind,
    PaymentStatus,
    Refund,
    WebhookEvent,
)
from .content import Article, ArticleRelated, Section, Tag, article_tags
from .figures import (
    FigureMark,
    MembershipFact,
    MemberSum,
    Payer,
    PayerCount,
    PaymentDay,
    RefundDay,
    SourceDay,
    SourceTotal,
    Standing,
    StartSum,
    WeekMove,
)
from .gifts import Gift, GiftState
from .mail import JobRun, MailState, OutboxMessage
from .membership import Membership, MembershipChange, MembershipStatus
from .notices import AccountEmail, Notice, NoticeKind
from .prompt_tests import PromptTest, PromptTestStatus, PromptVariant, PromptVariantStat
from .prompts import Prompt, PromptStat
from .retention import Cancellation, CancellationOutcome, CancellationReason, RaiseAsk
from .sign_in_codes import SignInCode
from .two_factor import RecoveryCode

__all__ = [
    "AccountEmail",
    "Article",
    "ArticleRelated",
    "AttemptStatus",
    "AuditEntry",
    "Cancellation",
    "CancellationOutcome",
    "CancellationReason",
    "FigureMark",
    "Gift",
    "GiftState",
    "JobRun",
    "MailState",
    "MemberSum",
    "Membership",
    "MembershipChange",
    "MembershipFact",
    "MembershipStatus",
    "Notice",
    "NoticeKind",
    "OfflineMethod",
    "OutboxMessage",
    "Payer",
    "PayerCount",
    "Payment",
    "PaymentAttempt",
    "PaymentDay",
    "PaymentKind",
    "PaymentStatus",
    "Prompt",
    "PromptStat",
    "PromptTest",
    "PromptTestStatus",
    "PromptVariant",
    "PromptVariantStat",
    "RaiseAsk",
    "ReadingMode",
    "RecoveryCode",
    "Refund",
    "RefundDay",
    "Role",
    "Section",
    "SignInCode",
    "SignupSource",
    "SourceDay",
    "SourceTotal",
    "Standing",
    "StartSum",
    "Tag",
    "User",
    "WebhookEvent",
    "WeekMove",
    "article_tags",
]
