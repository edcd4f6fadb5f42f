"""Issue 13: a unique violation at flush is a Conflict on the right field, in Chinese, with
nothing half-written, found by the constraint (not its message text) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.errors import Conflict
from pipeline.extensions import db as _db
from pipeline.models import ApplicationBatch, Target, User
from pipeline.services import planning
from pipeline.services.integrity import CONFLICTS, flush_or_conflict
from tests import factories


def _count(model):
    return _db.session.query(model).count()


def test_a_duplicate_batch_code_is_a_conflict_on_code_and_keeps_the_first(db):
    _db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=date(2027, 6, 30)))
    _db.session.commit()
    with pytest.raises(Conflict) as err, flush_or_conflict():
        _db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=date(2027, 9, 30)))
    assert err.value.field == "code"
    assert err.value.message == "该批次编号已存在"
    assert err.value.status == 409
    _db.session.commit()  # the session is usable: only the clashing write was undone
    assert _count(ApplicationBatch) == 1


def test_two_columns_target_county_year_is_a_conflict_on_year(db):
    county = factories.county()
    _db.session.add(Target(county_id=county.id, year=2027, hnte_target=10))
    _db.session.commit()
    with pytest.raises(Conflict) as err, flush_or_conflict():
        _db.session.add(Target(county_id=county.id, year=2027, hnte_target=20))
    assert (err.value.field, err.value.message) == ("year", "该县区本年度已有目标")
    _db.session.commit()
    assert [t.hnte_target for t in _db.session.query(Target)] == [10]


def test_a_duplicate_user_name_is_a_conflict_on_username(db):
    factories.user("zhang", "admin")
    _db.session.commit()
    with pytest.raises(Conflict) as err, flush_or_conflict():
        factories.user("zhang", "admin")
    assert err.value.field == "username"
    _db.session.rollback()
    assert _count(User) == 1


def test_save_batch_raced_past_its_pre_check_still_gets_the_conflict(db, monkeypatch):
    """The pre-check saw no clash (another request committed just after): the flush catches it."""
    _db.session.add(ApplicationBatch(code="2027-2", year=2027, cutoff=date(2027, 6, 30)))
    _db.session.commit()
    admin = factories.user("admin1", "admin")
    real_select = planning.select
    monkeypatch.setattr(planning, "select", lambda *a: real_select(ApplicationBatch).where(False))
    with pytest.raises(Conflict) as err:
        planning.save_batch(admin, {"code": "2027-2", "year": 2027, "cutoff": date(2027, 10, 1)})
    assert err.value.field == "code"
    _db.session.rollback()
    assert _count(ApplicationBatch) == 1


def test_every_mapped_constraint_exists_in_the_models(app):
    tables = _db.metadata.tables
    for (table, columns), _clash in CONFLICTS.items():
        uniques = [
            tuple(c.name for c in con.columns)
            for con in (*tables[table].constraints, *tables[table].indexes)
            if getattr(con, "unique", True) and con.__class__.__name__ != "PrimaryKeyConstraint"
        ] + [(c.name,) for c in tables[table].columns if c.unique]
        assert columns in uniques, (table, columns)
