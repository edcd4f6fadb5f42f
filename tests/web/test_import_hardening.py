"""Issue 12, item 1 and 8: import limits match the forms, names are normalised, previews are swept,
downloads are not cached, and a seeded firm's profile saves unedited."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select

from pipeline.models import Firm
from tests.conftest import login
from tests.web.conftest import fresh
from tests.web.formdata import form_data
from tests.web.test_excel import _officer_client, _row, _upload, _xlsx


def test_import_refuses_notes_longer_than_the_form_allows(app, world, db):
    c = _officer_client(app, world)
    html = _upload(app, c, _xlsx([_row(1, 备注="备" * 2001)])).get_data(as_text=True)
    assert "超过 2000 个字符" in html or "2000" in html
    assert "确认导入" not in html
    html = _upload(app, c, _xlsx([_row(1, 备注="备" * 2000)])).get_data(as_text=True)
    assert "确认导入" in html


def test_import_normalises_names_and_refuses_invisible_characters(app, world, db):
    c = _officer_client(app, world)
    html = _upload(
        app,
        c,
        _xlsx(
            [
                _row(1, 企业名称="恶意\u202e司公限有"),
                _row(2, 企业名称="零\u200b宽"),
                _row(3, 联系人="张三\n李四"),
            ]
        ),
    ).get_data(as_text=True)
    assert "U+202E" in html and "U+200B" in html and "不可见的控制字符" in html
    html = _upload(
        app, c, _xlsx([_row(4, 企业名称="  e\u0301公司\n（连云港）  ", 联系人="张\t三")])
    ).get_data(as_text=True)
    assert "确认导入" in html
    assert fresh(app, c, "post", "/pool/import/confirm").status_code == 302
    db.session.expire_all()
    firm = db.session.scalar(select(Firm).where(Firm.contact_name == "张 三"))
    assert firm.name == "\u00e9公司 （连云港）"


def test_profile_form_normalises_names_and_refuses_bidi(app, world, db):
    c = app.test_client()
    login(c, world.officer)
    page = fresh(app, c, "get", f"/firms/{world.own.id}/edit").get_data(as_text=True)
    data = form_data(page, f"/firms/{world.own.id}/edit")
    resp = fresh(app, c, "post", f"/firms/{world.own.id}/edit", data={**data, "name": "甲\u202e公司"})
    assert resp.status_code == 200 and "U+202E" in resp.get_data(as_text=True)
    resp = fresh(app, c, "post", f"/firms/{world.own.id}/edit", data={**data, "contact_name": " 王\n五 "})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).contact_name == "王 五"


def test_orphan_previews_are_swept(app, world, db):
    c = _officer_client(app, world)
    staging = Path(app.instance_path) / "imports"
    staging.mkdir(parents=True, exist_ok=True)
    old = staging / "deadbeef.xlsx"
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 3 * 3600,) * 2)
    recent = staging / "cafebabe.xlsx"
    recent.write_bytes(b"x")
    _upload(app, c, _xlsx([_row(1)]))
    assert not old.exists() and recent.exists()
    recent.unlink()


def test_excel_downloads_are_not_cached(app, world, db):
    c = _officer_client(app, world)
    for url in ("/pool/export.xlsx", "/pool/import/template.xlsx"):
        assert "no-store" in fresh(app, c, "get", url).headers.get("Cache-Control", ""), url


def test_a_seeded_firm_saves_unedited(app, db):
    """The demo city's e-mails are valid: the profile form posted back as pre-filled saves."""
    from datetime import date

    from pipeline.models import User
    from pipeline.services.demo import seed_demo

    seed_demo(date(2026, 11, 27), firms=20, seed=3)
    db.session.commit()
    officer = db.session.scalar(select(User).where(User.role == "officer"))
    firm = db.session.scalar(
        select(Firm).where(Firm.county_id == officer.county_id, Firm.contact_email.is_not(None))
    )
    c = app.test_client()
    login(c, officer)
    page = fresh(app, c, "get", f"/firms/{firm.id}/edit").get_data(as_text=True)
    data = form_data(page, f"/firms/{firm.id}/edit")
    assert data.get("contact_email") == firm.contact_email
    resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
