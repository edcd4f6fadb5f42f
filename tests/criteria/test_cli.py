def test_fractional_amounts_are_read_exactly_by_the_cli_door():
    """JSON numbers with decimals (4400.5) are amounts like any other, read without float error."""
    import json
    import subprocess
    import sys

    profile = {
        "application_date": "2026-06-15",
        "registered_on": "2021-03-10",
        "tech_domain": "10101",
        "years": {
            str(y): {
                "sales": 4400.5,
                "rd_total": 220.03,
                "staff": 50,
                "tech_staff": 8,
                "hightech_income": 3000,
                "net_assets": 100,
                "total_assets": 2000,
                "total_cost": 3000,
            }
            for y in (2023, 2024, 2025)
        },
    }
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.assess", "-"],
        input=json.dumps(profile),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    h5 = json.loads(out.stdout)["conditions"]["H5"]
    # 3 × 220.03 / 3 × 4400.5 = 0.0500011… ≥ 5%: passes, exactly computed.
    assert h5["status"] == "pass" and h5["value"] == 0.05
