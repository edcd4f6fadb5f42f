"""Fixtures for the PDF tests: a county with an officer, two firms with figures, users of each role."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from tests import factories as f
from tests.reports.helpers import make_assessment, make_roadmap

TODAY = date(2026, 11, 26)  # fixed so that the documents do not change with the calendar


def pdftext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdffonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(autouse=True)
def _need_poppler():
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")


@pytest.fixture
def world(db):
    """Two counties; firm A (with roadmap) and B in 海州区, firm C in 连云区; users of every role."""
    hz = f.county("320706", "海州区")
    ly = f.county("320703", "连云区")
    officer = f.user("officer_hz", "officer", county=hz, display_name="王专员", phone="0518-85551234")
    other_officer = f.user("officer_ly", "officer", county=ly)
    admin = f.user("admin", "admin")
    a = f.firm(hz, name="连云港海蓝智能装备有限公司", officer_id=officer.id, stage="coaching")
    b = f.firm(hz, name="连云港北辰新材料有限公司", stage="pool")
    c = f.firm(ly, name="连云港港城软件有限公司", stage="pool")
    for firm in (a, b, c):
        for y in range(TODAY.year - 3, TODAY.year):
            f.year(firm, y)
        f.ip(firm)
    firm_user = f.user("firm_a", "firm", firm=a)
    make_assessment(a, TODAY, verdict="marginal")
    make_roadmap(a, TODAY, overdue=1)
    db.session.commit()
    return {
        "hz": hz,
        "ly": ly,
        "officer": officer,
        "other_officer": other_officer,
        "admin": admin,
        "a": a,
        "b": b,
        "c": c,
        "firm_user": firm_user,
    }
