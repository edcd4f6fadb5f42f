"""Screenshots of the running app for the README: `python scripts/screenshots.py http://127.0.0.1:5000 OUTDIR`.

Logs in as the demo officer of 海州区 and the city admin (password Demo@2345) in headless Debian
chromium and saves the pool, a firm page, the dashboard and the portal.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def login(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "Demo@2345")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def main(base: str, out: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN").new_page()
        login(page, base, "officer_haizhou")
        page.goto(f"{base}/pool/?verdict=marginal")
        page.screenshot(path=str(out_dir / "pool.png"))
        page.click("table a[href*='/firms/']")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out_dir / "firm.png"), full_page=False)
        page.screenshot(path=str(out_dir / "firm-full.png"), full_page=True)
        page.goto(f"{base}/dashboard/")
        page.wait_for_timeout(800)
        page.screenshot(path=str(out_dir / "dashboard-officer.png"), full_page=True)
        ctx = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        admin = ctx.new_page()
        login(admin, base, "admin")
        admin.goto(f"{base}/dashboard/")
        admin.wait_for_timeout(800)
        admin.screenshot(path=str(out_dir / "dashboard.png"), full_page=True)
        for path, name in (
            ("/reminders/health", "health"),
            ("/admin/planning/", "planning"),
            ("/reports/", "reports"),
        ):
            admin.goto(base + path)
            admin.screenshot(path=str(out_dir / f"{name}.png"), full_page=True)
        firm = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN").new_page()
        login(firm, base, "firm_haizhou")
        firm.screenshot(path=str(out_dir / "portal.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000",
        sys.argv[2] if len(sys.argv) > 2 else "/tmp/shots-readme",
    )
