"""Audit log: every write records who, when and what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # what changed a row since version N (issue 11): entity, id, then the versions after N
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id", "entity_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))  # create | update | delete | import | stage | ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    # The version of the changed row after this write (issue 11; versioned rows only): a form filled
    # from version N reads the rows with ``entity_version > N`` to say what changed since, and by whom.
    entity_version: Mapped[int | None] = mapped_column(Integer)

    user = relationship("User")
