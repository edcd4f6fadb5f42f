"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.orm import mapped_column

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
