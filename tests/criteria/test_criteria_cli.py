"""The plain door: ``python -m pipeline.assess FILE|-`` (contract: shared/spec/assess-io.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.criteria.helpers import dumps, good_dict

ROOT = Path(__file__).resolve().parents[2]
CONDITION_KEYS = {"status", "value", "required", "explain"}
ITEMS = [
    "ip_advancement",
    "ip_core_support",
    "ip_quantity",
    "ip_acquisition",
    "ip_standards",
    "ip_total",
    "conversion",
    "rd_management",
    "growth_net_assets",
    "growth_sales",
]


def run(args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.assess", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def check_contract(out):
    assert set(out) == {"rules_version", "application_year", "verdict", "conditions", "score", "tsme", "gaps"}
    assert out["rules_version"] == "hnte-2016/tsme-2017"
    assert out["verdict"] in {"ready", "marginal", "not_ready", "incomplete"}
    assert list(out["conditions"]) == [f"H{i}" for i in range(1, 11)]
    for c in out["conditions"].values():
        assert set(c) == CONDITION_KEYS
        assert c["status"] in {"pass", "fail", "uncertain", "missing"}
        assert isinstance(c["explain"], str) and c["explain"]
    assert set(out["score"]) == {"min", "max", "items"}
    assert list(out["score"]["items"]) == ITEMS
    for lo, hi in out["score"]["items"].values():
        assert isinstance(lo, int) and isinstance(hi, int) and lo <= hi
    if out["tsme"] is not None:
        assert set(out["tsme"]) == {"eligible", "direct", "score", "items", "conditions"}
        assert set(out["tsme"]["items"]) == {"staff", "rd", "ip"}
        assert set(out["tsme"]["conditions"]) == {"size", "score", "staff_nonzero", "no_incident"}


def test_file(tmp_path):
    f = tmp_path / "firm.json"
    f.write_text(dumps(good_dict()), encoding="utf-8")
    r = run([str(f)])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    out = json.loads(r.stdout.decode("utf-8"))
    check_contract(out)
    assert out["application_year"] == 2026
    assert out["verdict"] == "ready"
    assert out["score"]["min"] == 86 and out["score"]["max"] == 100
    assert out["conditions"]["H5"]["value"] == 0.1 and out["conditions"]["H5"]["required"] == 0.05
    assert "《高新技术企业认定管理办法》" in r.stdout.decode("utf-8")  # ensure_ascii=False


def test_spec_example(tmp_path):
    """The contract's own input example (with Y-2, Y-3 figures filled in)."""
    d = {
        "application_date": "2026-06-15",
        "registered_on": "2021-03-10",
        "tech_domain": "10101",
        "years": {
            "2023": {
                "sales": 3000,
                "total_income": 3050,
                "hightech_income": 2100,
                "rd_total": 160,
                "rd_domestic": 150,
                "net_assets": 1200,
                "total_assets": 2800,
                "total_cost": 2600,
                "staff": 60,
                "tech_staff": 8,
            },
            "2024": {
                "sales": 3500,
                "total_income": 3550,
                "hightech_income": 2400,
                "rd_total": 180,
                "rd_domestic": 170,
                "net_assets": 1400,
                "total_assets": 3000,
                "total_cost": 3000,
                "staff": 62,
                "tech_staff": 8,
            },
            "2025": {
                "sales": 4200,
                "total_income": 4250,
                "hightech_income": 2900,
                "rd_total": 210,
                "rd_domestic": 200,
                "net_assets": 1650,
                "total_assets": 3300,
                "total_cost": 3600,
                "staff": 70,
                "tech_staff": 9,
            },
        },
        "ip": [
            {
                "kind": "invention_patent",
                "status": "granted",
                "acquired": "own",
                "core": True,
                "used_in_hnte": False,
            }
        ],
        "conversions": {"2023": 2, "2024": 3, "2025": 4},
        "grades": {"tech_advancement": "B", "core_support": "B"},
        "rd_management": {
            "rules": True,
            "accounting": True,
            "ledger": True,
            "rd_unit": True,
            "cooperation": False,
            "conversion_rules": True,
            "open_platform": False,
            "training": True,
            "skills": True,
            "recruitment": False,
            "performance_reward": True,
        },
    }
    r = run(["-"], stdin=json.dumps(d).encode())
    assert r.returncode == 0
    out = json.loads(r.stdout)
    check_contract(out)
    # by hand: H1 1923 days → 5.26; H4 9/70 = 0.1286; H5 550/10700 = 0.0514 (≤5000 → 0.05);
    # H6 520/550 = 0.9455; H7 2900/4250 = 0.6824
    c = out["conditions"]
    assert c["H1"]["value"] == 5.26
    assert (c["H4"]["value"], c["H5"]["value"], c["H5"]["required"]) == (0.1286, 0.0514, 0.05)
    assert (c["H6"]["value"], c["H7"]["value"]) == (0.9455, 0.6824)
    # ip: B,B 5–6 ×2, invention 7–8, own 1–6 → 18–26; conversion 9/3 = 3 → 13–18;
    # rdm 2+2+2+3+2+1+1+1 = 14; net assets ½(1400/1200 + 1650/1400) − 1 = 0.1726 → 5–6;
    # sales ½(3500/3000 + 4200/3500) − 1 = 0.1833 → 5–6 → total 55–70 → H8 fail
    assert out["score"]["items"]["ip_total"] == [18, 26]
    assert out["score"]["items"]["conversion"] == [13, 18]
    assert out["score"]["items"]["rd_management"] == [14, 14]
    assert out["score"]["items"]["growth_net_assets"] == [5, 6]
    assert out["score"]["items"]["growth_sales"] == [5, 6]
    assert (out["score"]["min"], out["score"]["max"]) == (55, 70)
    assert c["H8"]["status"] == "fail" and out["verdict"] == "not_ready"
    # tsme: 9/70 = 12.9 % → 4; rd 210/4200 = 5 % → 40; invention → 30 → 74
    assert out["tsme"]["score"] == 74 and out["tsme"]["items"] == {"staff": 4, "rd": 40, "ip": 30}
    assert out["tsme"]["eligible"] is True


def test_stdin_and_decimal_strings():
    d = good_dict()
    d["years"]["2025"]["sales"] = "1960.00"
    r = run(["-"], stdin=dumps(d).encode("utf-8"))
    assert r.returncode == 0
    check_contract(json.loads(r.stdout))


@pytest.mark.parametrize(
    "payload, field",
    [
        (b"{not json", "JSON"),
        (b"", "JSON"),
        (b"[1]", "必须是JSON对象"),
        ("BAD_RD", "years.2024.rd_total"),
        ("BAD_KIND", "ip[0].kind"),
        ("BAD_DATE", "application_date"),
        ("BAD_HT", "years.2025.hightech_income"),
        ("BAD_STAFF", "years.2025.tech_staff"),
        ("EARLY", "years.2019"),
        ("BAD_TYPE", "years.2023.staff"),
    ],
)
def test_bad_input_exit_2(payload, field):
    if isinstance(payload, str):
        d = good_dict()
        if payload == "BAD_RD":
            d["years"]["2024"]["rd_total"] = -5
        elif payload == "BAD_KIND":
            d["ip"][0]["kind"] = "trademark"
        elif payload == "BAD_DATE":
            d["application_date"] = "2026-13-01"
        elif payload == "BAD_HT":
            d["years"]["2025"]["hightech_income"] = 5000
        elif payload == "BAD_STAFF":
            d["years"]["2025"]["tech_staff"] = 1000
        elif payload == "EARLY":
            d["years"]["2019"] = {"sales": 1}
        elif payload == "BAD_TYPE":
            d["years"]["2023"]["staff"] = "many"
        payload = dumps(d).encode("utf-8")
    r = run(["-"], stdin=payload)
    assert r.returncode == 2
    assert r.stdout == b""
    err = r.stderr.decode("utf-8")
    assert err.endswith("\n") and err.count("\n") == 1
    assert field in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)  # Chinese


def test_missing_file():
    r = run(["/nonexistent/firm.json"])
    assert r.returncode == 2 and r.stdout == b"" and r.stderr.count(b"\n") == 1


def test_usage():
    r = run([])
    assert r.returncode == 2 and r.stdout == b""
