"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

# Money is 万元 as Decimal with two places (a hundred yuan): enough for every figure the rules use.
Money = Numeric(16, 2, asdecimal=True)


def utcnow() -> datetime:
    """Naive UTC now; every timestamp column stores naive UTC and pages show Asia/Shanghai."""
    from pipeline import clock

    return clock.now_utc()


def money_col(nullable: bool = True):
    return mapped_column(Money, nullable=nullable)


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


class Versioned:
    """A row version for stale-write protection (issue 11): firm, fiscal year, milestone, target,
    target split.

    ``version`` starts at 1 and goes up by one whenever the row changes: ``pipeline.services.versions``
    bumps it before every flush that changes the row, whatever code made the change, and stamps the
    audit row of the change with the new version. Every UPDATE also carries ``WHERE version = <the
    version read>`` (SQLAlchemy's ``version_id_col``), so two saves racing on the same version cannot
    both win. An edit form carries the version it was filled from in a hidden ``version`` field and
    the service calls ``versions.check(row, posted_version)`` before writing: an older version is
    refused with what changed since and by whom (issue 11, stale forms refused).

    A new versioned table (e.g. i18's targets by town or chain) inherits this mixin and adds the
    column in its migration: ``sa.Column("version", sa.Integer(), nullable=False, server_default="1")``.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}
