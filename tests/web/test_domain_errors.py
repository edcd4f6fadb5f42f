"""Domain errors: services raise them (no Flask in services/), one handler maps them to HTTP for
pages and the API, and a form places the message by the error's field, in any UI language."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.errors import Conflict, Forbidden, Invalid, NotFound
from pipeline.models import ApplicationBatch
from tests import factories as f
from tests.conftest import login
from tests.web.formdata import form_data

ROOT = Path(__file__).resolve().parents[2]


def test_no_flask_import_in_services():
    offenders = [
        f"{p.name}:{i}"
        for p in (ROOT / "pipeline" / "services").glob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"\s*(from flask\b|import flask\b|from flask_babel\b)", line)
    ]
    assert offenders == []


ERRORS = {
    "missing": NotFound(),
    "forbidden": Forbidden(),
    "clash": Conflict("编号重复", field="code"),
    "bad": Invalid("数量不能为负数", field="count"),
}


def _answer(app, path: str, exc):
    """What the app answers when a view under ``path`` raises ``exc`` (the registered handler)."""
    with app.test_request_context(path):
        return app.make_response(app.handle_user_exception(exc))


@pytest.mark.parametrize("kind, code", [("missing", 404), ("forbidden", 403), ("clash", 409), ("bad", 422)])
def test_one_handler_maps_each_error_for_pages_and_api(app, db, kind, code):
    page = _answer(app, "/firms/1", ERRORS[kind])
    assert page.status_code == code and page.mimetype == "text/html"
    api = _answer(app, "/api/v1/firms/1", ERRORS[kind])
    assert api.status_code == code and api.mimetype == "application/json"
    body = api.get_json()["error"]
    assert body["code"] == code and body["message"]
    if kind == "clash":
        assert body == {"code": 409, "message": "编号重复", "field": "code"}
        assert "编号重复" in page.get_data(as_text=True)


def test_out_of_scope_firm_is_the_same_404_on_pages_and_api(world, client, app):
    """scope.get_firm_or_404 raises NotFound; the handler answers 404 like any missing firm."""
    login(client, world.officer)
    other = world.other  # a firm of another county
    assert client.get(f"/firms/{other.id}").status_code == 404
    assert client.get("/firms/2147483000").status_code == 404


@pytest.mark.parametrize(
    "lang, message", [("zh", "该批次编号已存在"), ("en", "This batch code already exists")]
)
def test_duplicate_batch_code_is_placed_on_the_code_field_in_any_language(db, client, lang, message):
    admin = f.user("admin1", "admin")
    admin.locale = lang
    db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=date(2027, 5, 29)))
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/planning/batches/new").get_data(as_text=True)
    data = form_data(page)
    data.update(code="2027-1", year="2027", cutoff="2027-06-30")
    html = client.post("/admin/planning/batches/new", data=data).get_data(as_text=True)
    code_field = re.search(
        r'<div class="field[^"]*has-error[^"]*">\s*<label[^>]*for="code".*?</div>\s*</div>', html, re.S
    )
    assert code_field is not None, "the error is not under the batch code"
    assert message in code_field.group(0)
    cutoff_field = re.search(r'<label[^>]*for="cutoff".*?</div>', html, re.S).group(0)
    assert message not in cutoff_field
    assert db.session.scalar(select(func.count()).select_from(ApplicationBatch)) == 1


def test_a_batch_code_saved_by_someone_else_after_the_check_is_placed_on_code(db, client, monkeypatch):
    """Issue 13: two admins save the same code at once; the second one's pre-check ran before the
    first committed. The flush's unique violation (services/integrity) is a 409 on "code" in
    Chinese, not a 500, and nothing of the second form is kept."""
    from pipeline.services import planning

    admin = f.user("admin1", "admin")
    db.session.add(ApplicationBatch(code="2027-3", year=2027, cutoff=date(2027, 5, 29)))
    db.session.commit()
    real_select = planning.select
    monkeypatch.setattr(planning, "select", lambda *a: real_select(ApplicationBatch).where(False))
    login(client, admin)
    data = form_data(client.get("/admin/planning/batches/new").get_data(as_text=True))
    data.update(code="2027-3", year="2027", cutoff="2027-06-30", note="second")
    resp = client.post("/admin/planning/batches/new", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200  # the form is shown again (not a 500), as for the pre-check
    code_field = re.search(
        r'<div class="field[^"]*has-error[^"]*">\s*<label[^>]*for="code".*?</div>\s*</div>', html, re.S
    )
    assert code_field is not None and "该批次编号已存在" in code_field.group(0)
    db.session.expire_all()
    assert db.session.scalars(select(ApplicationBatch.note)).all() == [None]
