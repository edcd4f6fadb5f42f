"""The department tree (city → county → town/street/park) and the industry chains (issue 18).

Design: the ``county`` table stays as it is (every existing query, target, snapshot and report keyed
by ``county_id`` keeps working); each county is *linked* to one ``dept_node`` of kind ``county``.
Towns, streets and parks are nodes below it. Every node carries its county (``county_id``,
denormalised, so "is this town in that county" needs no walk) and its ``path`` of ids
(``/1/4/37/``), so "this node and everything below it" is one ``LIKE 'path%'``.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from pipeline.extensions import db
from pipeline.models.base import Versioned
from pipeline.vocabulary import DEPT_KINDS, TOWN_KINDS


class DeptNode(db.Model):
    __tablename__ = "dept_node"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_dept_node_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dept_node.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(50))
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200), default="/", index=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)

    parent = relationship("DeptNode", remote_side=[id])
    county = relationship("County")

    @property
    def is_town(self) -> bool:
        return self.kind in TOWN_KINDS

    @property
    def kind_label(self) -> str:
        return DEPT_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:  # pragma: no cover
        return f"<DeptNode {self.kind} {self.name}>"


class IndustryChain(db.Model):
    """An industry chain (产业链) of the city: data, not code."""

    __tablename__ = "industry_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class TargetSplit(Versioned, db.Model):
    """A year's target split below the county target: for one town (``town_id``), or for one industry
    chain within a county (``county_id`` + ``chain_id``) or within the city (``county_id`` NULL).

    ``key`` makes each split unique per year whatever the NULLs: ``t<town>`` or ``c<county|0>-<chain>``.
    """

    __tablename__ = "target_split"
    __table_args__ = (UniqueConstraint("year", "key", name="uq_target_split_year_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("dept_node.id", ondelete="CASCADE"), index=True)
    chain_id: Mapped[int | None] = mapped_column(
        ForeignKey("industry_chain.id", ondelete="CASCADE"), index=True
    )
    hnte_target: Mapped[int] = mapped_column(Integer, default=0)
    tsme_target: Mapped[int] = mapped_column(Integer, default=0)
    # The row version is the ``Versioned`` mixin's (issue 11: one mechanism for every versioned row);
    # ``row_version`` is its old name, kept so the split service reads as before.
    row_version = synonym("version")

    @staticmethod
    def make_key(
        town_id: int | None = None, county_id: int | None = None, chain_id: int | None = None
    ) -> str:
        return f"t{town_id}" if town_id is not None else f"c{county_id or 0}-{chain_id}"
