"""One read model: the dashboard, /api/v1/goals and the county and city briefing PDFs show the same
active certificates, pool, ready count and year-end forecast, for the city and for a county."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from pipeline import clock
from tests import factories as f
from tests.conftest import login

TODAY = date(2026, 6, 15)


def _assess(db, firm, verdict):
    return f.assessment(firm, verdict, TODAY, score_min=75, score_max=85)


def _aim(db, firm, batch, year, pmin=80, pmax=85):
    return f.roadmap(firm, TODAY, batch, year, projected_min=pmin, projected_max=pmax)


@pytest.fixture
def city(db):
    """海州区: 3 active certificates (one of them expires this September, without a roadmap), one
    certificate issued in the future (not active), 4 pool firms (2 ready, both aiming at 2026-2 with a
    solid score, 1 marginal, 1 applied); 灌云县: 1 active certificate, 2 pool firms (1 ready)."""
    hz, gy = f.county("320706", "海州区"), f.county("320723", "灌云县")
    for expiry in (date(2028, 12, 31), date(2029, 3, 1), date(2026, 9, 30)):
        f.firm(hz, stage="certified", hnte_cert_date=date(2024, 1, 1), hnte_cert_expiry=expiry)
    f.firm(hz, stage="certified", hnte_cert_date=date(2026, 7, 1), hnte_cert_expiry=date(2029, 7, 1))
    for verdict, stage in (
        ("ready", "to_apply"),
        ("ready", "coaching"),
        ("marginal", "pool"),
        ("not_ready", "applied"),
    ):
        firm = f.firm(hz, stage=stage)
        _assess(db, firm, verdict)
        if verdict == "ready":
            _aim(db, firm, "2026-2", 2026)
    f.firm(gy, stage="certified", hnte_cert_date=date(2024, 1, 1), hnte_cert_expiry=date(2027, 12, 31))
    for verdict in ("ready", "not_ready"):
        _assess(db, f.firm(gy, stage="pool"), verdict)
    f.firm(gy, stage="exited")
    admin = f.user("admin", "admin")
    db.session.commit()
    return {"hz": hz, "gy": gy, "admin": admin}


# hand-computed: active = certificates issued and not expired on TODAY; year-end forecast = those
# still valid on 31 Dec + 0.9 (the solid band's expected probability) per ready firm aiming at 2026.
EXPECTED = {
    "city": {"active": 4, "pool": 6, "ready": 3, "forecast": 5},  # 3 + 2 × 0.9 = 4.8
    "hz": {"active": 3, "pool": 4, "ready": 2, "forecast": 4},  # 2 + 1.8 = 3.8
}


@pytest.fixture
def pinned(monkeypatch):
    """The pages' date (each view's ``_today`` until the one clock is wired into them, issue 11)."""
    monkeypatch.setattr("pipeline.web.dashboard._today", lambda: TODAY)
    monkeypatch.setattr("pipeline.web.api._today", lambda: TODAY)
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def _dashboard(app, user, county_id=None) -> dict:
    c = app.test_client()
    login(c, user)
    html = c.get("/dashboard/" + (f"?county={county_id}" if county_id else "")).get_data(as_text=True)
    kpis = [int(n) for n in re.findall(r'<div class="kpi-value">(\d+)<', html)]
    ready = int(re.search(r"其中达标 (\d+)", html).group(1))
    year_row = re.search(r"<td>%d</td>.*?<strong>(\d+)</strong>" % TODAY.year, html, flags=re.S)
    return {"active": kpis[0], "pool": kpis[3], "ready": ready, "forecast": int(year_row.group(1))}


def _api(app, user, county_id=None) -> dict:
    from pipeline.services.tokens import issue_token

    token = issue_token(user, "surfaces")
    from pipeline.extensions import db

    db.session.commit()
    body = (
        app.test_client()
        .get(
            "/api/v1/goals" + (f"?county={county_id}" if county_id else ""),
            headers={"Authorization": f"Bearer {token}"},
        )
        .get_json()
    )
    this_year = next(y for y in body["forecast"]["years"] if y["year"] == TODAY.year)
    return {
        "active": body["active"],
        "pool": body["pool"],
        "ready": body["ready"],
        "forecast": int(round(this_year["active_expected"])),
    }


def _pdf(app, county, tmp_path) -> dict:
    from pipeline.reports.documents import render_briefing

    with app.test_request_context():
        pdf = render_briefing(county, TODAY)
    path = tmp_path / "brief.pdf"
    path.write_bytes(bytes(pdf))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = text.splitlines()

    def tile(label):  # a tile's number sits in the line above its label, in the same column
        at = next(n for n, line in enumerate(lines) if label in line.split())
        numbers = next(line for line in reversed(lines[:at]) if line.strip()).split()
        return int(numbers[lines[at].split().index(label)])

    return {
        "active": tile("有效高企（家）"),
        "pool": tile("在培企业（家）"),
        "ready": tile("达标"),
        "forecast": tile("年末预计有效（家）"),
    }


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_dashboard_api_and_briefing_pdfs_show_the_same_goal_figures(app, db, city, pinned, tmp_path):
    admin = city["admin"]
    surfaces_city = {
        "dashboard": _dashboard(app, admin),
        "api": _api(app, admin),
        "pdf": _pdf(app, None, tmp_path),
    }
    hz = city["hz"]
    surfaces_hz = {
        "dashboard": _dashboard(app, admin, hz.id),
        "api": _api(app, admin, hz.id),
        "pdf": _pdf(app, hz, tmp_path),
    }
    for name, got in surfaces_city.items():
        assert got == EXPECTED["city"], (name, got)
    for name, got in surfaces_hz.items():
        assert got == EXPECTED["hz"], (name, got)
