"""Counties and functional districts (县区/功能板块) and their yearly targets."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import Versioned
from pipeline.vocabulary import COUNTY_KINDS  # noqa: F401


class County(db.Model):
    __tablename__ = "county"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="district")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    # Optional WeCom/DingTalk group robot for reminders of this county.
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # issue 17: how often the robot gets the county digest (weekly | daily | off); urgent ones go at once
    webhook_digest: Mapped[str] = mapped_column(String(10), default="weekly", server_default="weekly")
    # The county has a 知识产权保护中心 预审 fast track (快速预审): the planner then uses the
    # fast-track lead times for its firms (issue 14). Set by the city admin on the planning page.
    ip_fast_track: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    targets: Mapped[list[Target]] = relationship(back_populates="county", cascade="all, delete-orphan")

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<County {self.code} {self.name}>"


class Target(Versioned, db.Model):
    """Target for a year: per county, or for the whole city when ``county_id`` is NULL.

    Set by the city admin; nothing in the code assumes a year.
    """

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("county_id", "year", name="uq_target_county_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    hnte_target: Mapped[int] = mapped_column(Integer, default=0)
    tsme_target: Mapped[int] = mapped_column(Integer, default=0)
    plan_name: Mapped[str | None] = mapped_column(String(100))

    county: Mapped[County | None] = relationship(back_populates="targets")
