"""The data stamp row (issue 15): see ``pipeline/services/stamp.py``."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.extensions import db


class DataStamp(db.Model):
    """One row (id 1); ``n`` grows with every committed write. Only the engine event writes it."""

    __tablename__ = "data_stamp"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)
