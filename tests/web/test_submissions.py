"""Issue 11: the two reproduced losses, as a browser posts the forms (pre-filled values back as they are)."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pipeline.models import FigureSubmission, FiscalYear, Reminder
from pipeline.services import firms as firm_service
from tests.conftest import client_for
from tests.web.conftest import TODAY, fresh, last_year

FIELDS = FiscalYear.FIELDS


def _form_values(html: str, action_marker: str = 'method="post"') -> dict:
    """What a browser posts back from the page's POST form: every input and its pre-filled value."""
    form = html[html.index(action_marker) :]
    form = form[: form.index("</form>")]
    out = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox":
            if "checked" in tag:
                out[name.group(1)] = "y"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        out[name.group(1)] = value.group(1) if value else ""
    return out


def _year(db, firm_id, year):
    db.session.expire_all()
    return db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == firm_id, FiscalYear.year == year)
    ).one()


def _snapshot(fy):
    return {k: getattr(fy, k) for k in FIELDS}


def test_partial_submission_accepted_changes_only_what_the_firm_changed(app, world, db):
    year = last_year()
    before = _snapshot(_year(db, world.own.id, year))
    firm_c = client_for(app, world.firm_user)
    html = fresh(app, firm_c, "get", f"/portal/figures?year={year}").get_data(as_text=True)
    data = _form_values(html, 'method="post" novalidate')
    assert Decimal(data["sales"]) == before["sales"]  # pre-filled with the year's current values
    data.update(rd_total="320", rd_domestic="320")
    resp = fresh(app, firm_c, "post", "/portal/figures", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    sub = db.session.scalars(select(FigureSubmission)).one()
    assert set(sub.data) == {"rd_total", "rd_domestic"}

    # the officer is notified in-app
    assert db.session.scalar(
        select(Reminder.id).where(Reminder.rule == "submission", Reminder.user_id == world.officer.id)
    )

    off = client_for(app, world.officer)
    page = fresh(app, off, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    assert "changed" in page or "已修改" in page
    review = _form_values(page, f'action="/firms/{world.own.id}/submissions/{sub.id}/review"')
    # accept one field only: untick rd_domestic
    resp = fresh(
        app,
        off,
        "post",
        f"/firms/{world.own.id}/submissions/{sub.id}/review",
        data={
            "csrf_token": review.get("csrf_token", ""),
            "decision": "accept_selected",
            "fields": ["rd_total"],
            "review_note": "",
        },
    )
    assert resp.status_code == 302
    after = _snapshot(_year(db, world.own.id, year))
    assert after["rd_total"] == Decimal("320")
    assert {k: v for k, v in after.items() if k != "rd_total"} == {
        k: v for k, v in before.items() if k != "rd_total"
    }
    db.session.expire_all()
    sub = db.session.get(FigureSubmission, sub.id)
    assert sub.status == "partial" and sub.accepted_fields == ["rd_total"]
    # the firm sees the decision with the field's label, never its key
    portal = fresh(app, client_for(app, world.firm_user), "get", "/portal/").get_data(as_text=True)
    row = portal[portal.index('id="submissions"') :]
    assert "部分采纳（研发费用（万元））" in row.replace(" (", "（").replace(")</td>", "）</td>") or (
        "部分采纳" in row and "研发费用（万元）" in row
    )
    assert "rd_total" not in row
    assert db.session.scalar(
        select(Reminder.id).where(
            Reminder.rule == "submission_decision", Reminder.user_id == world.firm_user.id
        )
    )


def test_unchanged_submission_is_refused(app, world, db):
    c = client_for(app, world.firm_user)
    html = fresh(app, c, "get", f"/portal/figures?year={last_year()}").get_data(as_text=True)
    resp = fresh(app, c, "post", "/portal/figures", data=_form_values(html, 'method="post" novalidate'))
    assert resp.status_code == 422 and "没有修改任何数据" in resp.get_data(as_text=True)
    assert db.session.scalars(select(FigureSubmission)).first() is None


def test_return_needs_a_reason_and_changes_nothing(app, world, db):
    year = last_year()
    before = _snapshot(_year(db, world.own.id, year))
    sub = firm_service.submit_figures(world.firm_user, world.own, {"year": year, "sales": "1"})
    db.session.commit()  # services flush; the caller commits (issue 13)
    off = client_for(app, world.officer)
    page = fresh(app, off, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    review = _form_values(page, f'action="/firms/{world.own.id}/submissions/{sub.id}/review"')
    fresh(
        app,
        off,
        "post",
        f"/firms/{world.own.id}/submissions/{sub.id}/review",
        data={"csrf_token": review.get("csrf_token", ""), "decision": "reject", "review_note": ""},
    )
    db.session.expire_all()
    assert db.session.get(FigureSubmission, sub.id).status == "pending"
    fresh(
        app,
        off,
        "post",
        f"/firms/{world.own.id}/submissions/{sub.id}/review",
        data={
            "csrf_token": review.get("csrf_token", ""),
            "decision": "reject",
            "review_note": "销售收入与审计报告不符",
        },
    )
    db.session.expire_all()
    assert db.session.get(FigureSubmission, sub.id).status == "rejected"
    assert _snapshot(_year(db, world.own.id, year)) == before


def test_new_year_for_an_existing_year_is_refused_with_a_link(app, world, db):
    year = last_year()
    before = _snapshot(_year(db, world.own.id, year))
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", f"/firms/{world.own.id}/years/new").get_data(as_text=True)
    data = _form_values(html, 'method="post" novalidate')
    data.update(year=str(year), sales="100")
    resp = fresh(app, c, "post", f"/firms/{world.own.id}/years/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and f"{year}年的数据已存在" in page
    assert f"/firms/{world.own.id}/years/{year}/edit" in page
    assert _snapshot(_year(db, world.own.id, year)) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changed=st.sets(st.sampled_from(FIELDS), min_size=1), accept=st.data())
def test_accepting_changes_exactly_the_accepted_subset(app, world, db, changed, accept):
    year = last_year()
    db.session.rollback()
    for s in db.session.scalars(select(FigureSubmission)):
        db.session.delete(s)
    db.session.commit()
    fy = _year(db, world.own.id, year)
    before = _snapshot(fy)
    new = {k: str((before[k] or 0) + 7) for k in changed}
    if "tech_staff" in new or "staff" in new:  # keep tech staff ≤ staff as the form demands
        new["staff"] = str((before["staff"] or 0) + 100)
    sub = firm_service.submit_figures(world.firm_user, world.own, {"year": year, **new})
    chosen = accept.draw(st.sets(st.sampled_from(sorted(sub.data)), min_size=1))
    firm_service.review_submission(
        world.officer, world.own, sub, "accept", None, TODAY, fields=sorted(chosen)
    )
    after = _snapshot(_year(db, world.own.id, year))
    touched = {k for k in FIELDS if after[k] != before[k]}
    assert touched == set(chosen)
    # restore for the next example
    fy = _year(db, world.own.id, year)
    for k, v in before.items():
        setattr(fy, k, v)
    db.session.commit()
