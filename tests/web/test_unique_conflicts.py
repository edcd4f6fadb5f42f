"""Issue 13: a value another record has (a user name, a credit code, a county's yearly target, a
department's name) is refused with one message under its field, whether the service's own check
sees the clash or the database's unique constraint does (a concurrent save got there between the
check and the write: simulated here by making the check miss). Either way the answer is not a 500,
nothing of the refused form is kept, and the next request works.

Every write goes through the form as a browser sends it: GET the page, take its CSRF token and
pre-filled fields, POST.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from pipeline.models import AuditLog, DeptNode, Firm, Target, User
from pipeline.services import accounts, departments, goals, imports
from pipeline.services import firms as firm_service
from pipeline.services.integrity import CONFLICTS
from tests import factories as f
from tests.conftest import client_for
from tests.web.conftest import fresh
from tests.web.formdata import form_data
from tests.web.workbooks import pool_xlsx

SELF = "/__no_action__"  # the form posting to its own page (no action), not the list's small forms

USERNAME_TAKEN = "该用户名已被使用"
CODE_TAKEN = "已有企业使用该统一社会信用代码"
TARGET_SET = "该县区本年度已有目标"


_FIELD = re.compile(r'<div class="field(?=[ "])([^"]*)">(.*?)(?=<div class="field(?=[ "])|</form>)', re.S)


def field_errors(html: str, name: str) -> list[str]:
    """The error notes shown under the form field ``name`` (empty when it has none)."""
    for classes, body in _FIELD.findall(html):
        if re.search(rf'<label[^>]*for="{name}"', body):
            return re.findall(r'<div class="field-error">(.*?)</div>', body) if "has-error" in classes else []
    raise AssertionError(f"no field {name} on the page")


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    """As in production: every POST carries the token its page gave."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_messages_are_the_ones_of_the_conflicts_table(app):
    """One truth for the wording: the pre-checks raise integrity.conflict(), the race path the same."""
    from pipeline.services.integrity import conflict

    with app.test_request_context():
        assert str(CONFLICTS[("user_account", ("username",))].message) == USERNAME_TAKEN
        assert str(CONFLICTS[("firm", ("credit_code",))].message) == CODE_TAKEN
        assert str(CONFLICTS[("target", ("county_id", "year"))].message) == TARGET_SET
        clash = conflict("application_batch", ("code",))
        assert (clash.field, clash.message, clash.status) == ("code", "该批次编号已存在", 409)


# ---- accounts: the user name ------------------------------------------------------------------


def _new_account(app, c, **values):
    data = form_data(fresh(app, c, "get", "/admin/").get_data(as_text=True), SELF)
    assert data.get("csrf_token") is not None and "username" in data
    data.update(display_name="新专员", role="officer", county="320706", password="Good@pass1", **values)
    return fresh(app, c, "post", "/admin/", data=data)


@pytest.mark.parametrize("name", ["officer_a", "OFFICER_A"])  # the check ignores case
def test_a_taken_user_name_is_refused_under_username(app, world, db, name):
    c = client_for(app, world.admin)
    before = _count(db, User)
    resp = _new_account(app, c, username=name)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert field_errors(html, "username") == [USERNAME_TAKEN]
    assert field_errors(html, "password") == []
    assert _count(db, User) == before
    assert _count(db, AuditLog, AuditLog.entity == "user", AuditLog.action == "create") == 0


def test_a_user_name_created_after_the_check_is_refused_under_username(app, world, db, monkeypatch):
    c = client_for(app, world.admin)
    before = _count(db, User)
    with monkeypatch.context() as m:
        m.setattr(accounts, "_name_taken", lambda username: False)
        resp = _new_account(app, c, username="officer_a", email="second@example.cn")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409  # the form again with the message, not a 500
    assert field_errors(html, "username") == [USERNAME_TAKEN]
    assert _count(db, User) == before
    assert _count(db, User, User.email == "second@example.cn") == 0
    assert _count(db, AuditLog, AuditLog.entity == "user", AuditLog.action == "create") == 0
    # the same client goes on: a free name is created
    assert _new_account(app, c, username="officer_new").status_code == 302
    assert _count(db, User, User.username == "officer_new") == 1


def test_the_cli_says_the_same_for_a_taken_name(app, world, runner):
    result = runner.invoke(
        args=["users", "create", "officer_a", "--role", "admin", "--password", "Good@pass1"]
    )
    assert result.exit_code != 0 and USERNAME_TAKEN in result.output


# ---- firms: the credit code -------------------------------------------------------------------


def _edit_firm(app, c, firm, **values):
    url = f"/firms/{firm.id}/edit"
    data = form_data(fresh(app, c, "get", url).get_data(as_text=True), SELF)
    assert data.get("csrf_token") is not None and data["credit_code"] == firm.credit_code
    return fresh(app, c, "post", url, data={**data, **values})


def _profile(db, firm):
    db.session.expire_all()
    row = db.session.get(Firm, firm.id)
    return row.credit_code, row.contact_phone, row.version


def test_a_credit_code_of_another_firm_is_refused_under_credit_code(app, world, db):
    c = client_for(app, world.officer)
    before = _profile(db, world.own)
    resp = _edit_firm(app, c, world.own, credit_code=world.same.credit_code, contact_phone="0518-1")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert field_errors(html, "credit_code") == [CODE_TAKEN]
    assert _profile(db, world.own) == before


def test_a_credit_code_taken_after_the_check_is_refused_under_credit_code(app, world, db, monkeypatch):
    monkeypatch.setattr(firm_service, "_code_taken", lambda code, firm_id: False)
    c = client_for(app, world.officer)
    before, audits = _profile(db, world.own), _count(db, AuditLog)
    resp = _edit_firm(app, c, world.own, credit_code=world.same.credit_code, contact_phone="0518-2")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert field_errors(html, "credit_code") == [CODE_TAKEN]
    assert world.same.credit_code in html  # the officer's entries stay in the form
    assert _profile(db, world.own) == before  # neither the code nor the phone, no version bump
    assert _count(db, AuditLog) == audits
    resp = _edit_firm(app, c, world.own, contact_phone="0518-3")  # the session goes on
    assert resp.status_code == 302
    assert _profile(db, world.own)[1] == "0518-3"


def test_an_imported_firm_created_by_someone_else_meanwhile_imports_nothing(app, world, db, monkeypatch):
    """The import checked the file (the codes were new); another officer adds one of its firms before
    the insert. The whole import is refused with the clash in words, not a 500."""
    codes = [f.credit_code(910000 + n) for n in range(2)]
    rows = [
        {"统一社会信用代码": code, "企业名称": f"并发企业{n}", "县区": "海州区", "阶段": "入库培育"}
        for n, code in enumerate(codes)
    ]
    c = client_for(app, world.officer)
    upload = form_data(fresh(app, c, "get", "/pool/import").get_data(as_text=True), "/pool/import")
    upload["file"] = (BytesIO(pool_xlsx(rows)), "pool.xlsx")
    preview = fresh(app, c, "post", "/pool/import", data=upload, content_type="multipart/form-data")
    assert preview.status_code == 200 and "确认导入" in preview.get_data(as_text=True)
    confirm = form_data(preview.get_data(as_text=True), "/import/confirm")
    before = _count(db, Firm)
    real_utcnow = imports.utcnow

    def someone_else_adds_the_second():  # apply() has looked its firms up; its inserts come next
        if not db.session.scalar(select(Firm.id).where(Firm.credit_code == codes[1])):
            db.session.add(Firm(credit_code=codes[1], name="别人先录入的企业", county_id=world.county_a.id))
        return real_utcnow()

    monkeypatch.setattr(imports, "utcnow", someone_else_adds_the_second)
    resp = fresh(app, c, "post", "/pool/import/confirm", data=confirm)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = fresh(app, c, "get", resp.headers["Location"])
    assert page.status_code == 200 and CODE_TAKEN in page.get_data(as_text=True)
    assert _count(db, Firm) == before  # all or nothing
    assert _count(db, Firm, Firm.credit_code.in_(codes)) == 0
    assert _count(db, AuditLog, AuditLog.action == "import") == 0


# ---- targets: a county's target for a year -----------------------------------------------------


def _target_form(app, c, county, year):
    html = fresh(app, c, "get", f"/dashboard/targets?year={year}&county={county.id}").get_data(as_text=True)
    data = form_data(html, "/dashboard/targets")
    assert data.get("csrf_token") is not None and data["year"] == str(year)
    assert data["county"] == str(county.id)
    return data


def _saved_elsewhere(db, county, year, hnte=300):
    db.session.add(Target(county_id=county.id, year=year, hnte_target=hnte, tsme_target=500))
    db.session.commit()


def _targets(db, county, year):
    db.session.expire_all()
    return db.session.scalars(
        select(Target.hnte_target).where(Target.county_id == county.id, Target.year == year)
    ).all()


def test_a_target_saved_by_another_admin_before_the_post_is_refused(app, world, db):
    """The pre-check path: the form was filled when there was no target; now there is one."""
    c = client_for(app, world.admin)
    data = _target_form(app, c, world.county_a, 2029)
    _saved_elsewhere(db, world.county_a, 2029)
    resp = fresh(app, c, "post", "/dashboard/targets", data={**data, "hnte": "999", "tsme": "1"})
    assert resp.status_code == 409
    assert "300" in resp.get_data(as_text=True)  # what the other admin saved is shown
    assert _targets(db, world.county_a, 2029) == [300]


def test_a_target_saved_between_the_check_and_the_insert_is_refused_under_year(app, world, db, monkeypatch):
    c = client_for(app, world.admin)
    data = _target_form(app, c, world.county_a, 2029)
    _saved_elsewhere(db, world.county_a, 2029)
    with monkeypatch.context() as m:
        m.setattr(goals, "target_of", lambda county_id, year: None)
        resp = fresh(app, c, "post", "/dashboard/targets", data={**data, "hnte": "999", "tsme": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert field_errors(html, "year") == [TARGET_SET]
    assert _targets(db, world.county_a, 2029) == [300]
    assert _count(db, AuditLog, AuditLog.entity == "target") == 0
    data = _target_form(app, c, world.county_a, 2029)  # the same admin, the current version
    assert fresh(app, c, "post", "/dashboard/targets", data={**data, "hnte": "999"}).status_code == 302
    assert _targets(db, world.county_a, 2029) == [999]


# ---- department nodes: a name under one parent (no form writes them: the service) ---------------


def test_a_town_added_twice_is_the_same_node(world, db):
    first = departments.add_town(world.county_a, "新海街道", "street")
    db.session.commit()
    assert departments.add_town(world.county_a, "新海街道", "street").id == first.id
    assert _count(db, DeptNode, DeptNode.name == "新海街道") == 1


def test_a_town_added_meanwhile_by_another_call_is_returned_not_a_500(world, db, monkeypatch):
    first = departments.add_town(world.county_a, "新海街道", "street")
    db.session.commit()
    real_child, calls = departments._child, []

    def missed_once(parent, name):  # the look-up ran before the other call committed
        calls.append(name)
        return None if len(calls) == 1 else real_child(parent, name)

    monkeypatch.setattr(departments, "_child", missed_once)
    assert departments.add_town(world.county_a, "新海街道", "street").id == first.id
    db.session.commit()  # the session is usable: only the clashing insert was undone
    assert _count(db, DeptNode, DeptNode.name == "新海街道") == 1


def test_a_second_node_of_the_same_name_under_one_parent_is_a_conflict_on_name(world, db):
    from pipeline.errors import Conflict

    first = departments.add_town(world.county_a, "浦南镇")
    db.session.commit()
    parent = db.session.get(DeptNode, first.parent_id)
    with pytest.raises(Conflict) as err:
        departments._add(parent, "town", "浦南镇", None, world.county_a.id)
    assert (err.value.field, err.value.message) == ("name", "此处已有同名部门")
    db.session.commit()
    assert _count(db, DeptNode, DeptNode.name == "浦南镇") == 1
