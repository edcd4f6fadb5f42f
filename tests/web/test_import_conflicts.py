"""Issue 11: re-importing an old export never reverts edits made after it unseen.

An officer exports the pool; another officer then edits two firms' phone and e-mail through the
profile form; the first imports the old file: both rows are conflicts (at export / current / in
the file), nothing is applied unless the row is ticked, and ticking one applies only that row.
"""

from __future__ import annotations

import html as html_lib
import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from pipeline.models import Firm, User
from pipeline.services.exports import VERSION_HEADER, parse_stamp
from tests import factories as f
from tests.conftest import client_for
from tests.web.conftest import fresh
from tests.web.formdata import form_data

SELF = "/__no_action__"


def _export(app, c) -> bytes:
    resp = fresh(app, c, "get", "/pool/export.xlsx")
    assert resp.status_code == 200
    return resp.data


def _edit_contact(app, c, firm_id, phone, email):
    url = f"/firms/{firm_id}/edit"
    form = form_data(fresh(app, c, "get", url).get_data(as_text=True), SELF)
    resp = fresh(app, c, "post", url, data={**form, "contact_phone": phone, "contact_email": email})
    assert resp.status_code == 302


def _upload(app, c, data: bytes, **extra):
    return fresh(
        app,
        c,
        "post",
        "/pool/import",
        data={"file": (BytesIO(data), "pool.xlsx"), **extra},
        content_type="multipart/form-data",
    )


def _contacts(db, *firms):
    db.session.expire_all()
    return [
        (db.session.get(Firm, x.id).contact_phone, db.session.get(Firm, x.id).contact_email) for x in firms
    ]


def _setup(app, world, db):
    for firm, phone in ((world.own, "0518-80000001"), (world.same, "0518-80000002")):
        firm.contact_phone, firm.contact_email = phone, f"old{firm.id}@example.cn"
    other = f.user("officer_a2", "officer", county=world.county_a, display_name="海州专员乙")
    db.session.commit()
    c1, c2 = client_for(app, world.officer), client_for(app, other)
    old_file = _export(app, c1)
    _edit_contact(app, c2, world.own.id, "0518-81111111", "new1@example.cn")
    _edit_contact(app, c2, world.same.id, "0518-82222222", "new2@example.cn")
    return c1, old_file


def test_the_export_stamps_every_row_with_its_firm_version(app, world, db):
    c = client_for(app, world.officer)
    ws = load_workbook(BytesIO(_export(app, c))).active
    rows = list(ws.iter_rows(values_only=True))
    col = list(rows[0]).index(VERSION_HEADER)
    stamps = [parse_stamp(r[col]) for r in rows[1:]]
    assert stamps and all(s is not None and s.version == 1 for s in stamps)


def test_old_export_reimported_shows_conflicts_and_applies_nothing_unticked(app, world, db):
    c1, old_file = _setup(app, world, db)
    resp = _upload(app, c1, old_file)
    assert resp.status_code == 200
    page = html_lib.unescape(resp.get_data(as_text=True))
    assert "2 行" in page or "2 rows" in page
    for value in ("0518-80000001", "0518-81111111", "new1@example.cn", "old%s@example.cn" % world.own.id):
        assert value in page  # at export / current / in the file
    assert "海州专员乙" in page and "联系电话" in page and "联系邮箱" in page

    confirm = form_data(resp.get_data(as_text=True), "/pool/import/confirm")
    assert "confirm_row" not in confirm  # nothing ticked unless the officer ticks it
    done = fresh(app, c1, "post", "/pool/import/confirm", data=confirm, follow_redirects=True)
    assert done.status_code == 200
    assert "跳过" in html_lib.unescape(done.get_data(as_text=True))
    assert _contacts(db, world.own, world.same) == [
        ("0518-81111111", "new1@example.cn"),
        ("0518-82222222", "new2@example.cn"),
    ]


def test_ticking_one_conflict_row_applies_only_that_row(app, world, db):
    c1, old_file = _setup(app, world, db)
    resp = _upload(app, c1, old_file)
    body = resp.get_data(as_text=True)
    ticks = re.findall(r'name="confirm_row" value="([^"]+)"', body)
    assert len(ticks) == 2
    own_code = db.session.get(Firm, world.own.id).credit_code
    ws = load_workbook(BytesIO(old_file)).active
    own_row = next(i for i, r in enumerate(ws.iter_rows(values_only=True), start=1) if r[0] == own_code)
    tick = next(t for t in ticks if t.startswith(f"{own_row}:"))
    confirm = {**form_data(body, "/pool/import/confirm"), "confirm_row": tick}
    assert fresh(app, c1, "post", "/pool/import/confirm", data=confirm).status_code == 302
    assert _contacts(db, world.own, world.same) == [
        ("0518-80000001", f"old{world.own.id}@example.cn"),  # ticked: the file's values, deliberately
        ("0518-82222222", "new2@example.cn"),  # not ticked: the other officer's edit stays
    ]


def test_a_tick_for_a_firm_changed_again_after_the_preview_is_not_applied(app, world, db):
    c1, old_file = _setup(app, world, db)
    body = _upload(app, c1, old_file).get_data(as_text=True)
    ticks = re.findall(r'name="confirm_row" value="([^"]+)"', body)
    other = client_for(app, db.session.scalars(select(User).where(User.username == "officer_a2")).one())
    _edit_contact(app, other, world.own.id, "0518-83333333", "new3@example.cn")
    _edit_contact(app, other, world.same.id, "0518-84444444", "new4@example.cn")
    confirm = {**form_data(body, "/pool/import/confirm"), "confirm_row": ticks}
    fresh(app, c1, "post", "/pool/import/confirm", data=confirm)
    assert _contacts(db, world.own, world.same) == [
        ("0518-83333333", "new3@example.cn"),
        ("0518-84444444", "new4@example.cn"),
    ]


def test_update_only_mode_never_adds_a_firm(app, world, db):
    c = client_for(app, world.officer)
    wb = load_workbook(BytesIO(_export(app, c)))
    ws = wb.active
    headers = [cell.value for cell in ws[1]]
    new_row = {"统一社会信用代码": f.credit_code(990001), "企业名称": "新来的科技有限公司", "县区": "海州区"}
    ws.append([new_row.get(h) for h in headers])
    out = BytesIO()
    wb.save(out)
    count = db.session.scalar(select(func.count(Firm.id)))

    resp = _upload(app, c, out.getvalue(), update_only="y")
    page = html_lib.unescape(resp.get_data(as_text=True))
    assert "仅更新" in page
    done = fresh(
        app,
        c,
        "post",
        "/pool/import/confirm",
        data=form_data(resp.get_data(as_text=True), "/pool/import/confirm"),
        follow_redirects=True,
    )
    assert "跳过" in html_lib.unescape(done.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Firm.id))) == count
    assert db.session.scalar(select(Firm.id).where(Firm.name == "新来的科技有限公司")) is None
