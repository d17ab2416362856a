"""The audit log of staff actions."""

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, User


def record(
    actor: User | None, action: str, target: str = "", subject: User | None = None, **details
) -> None:
    """Note that `actor` (None: someone at the shell) did `action` (committed with the change it
    describes)."""
    db.session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, target=target[:255],
                              subject_id=subject.id if subject else None, details=details))  # fmt: skip


def recent(limit: int = 200, before_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))
