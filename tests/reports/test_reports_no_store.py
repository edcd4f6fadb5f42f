"""Issue 12, item 8: every download with firm data (PDFs, zips, Excel) says ``Cache-Control: no-store``.

The list of download routes is taken from the URL map, so a new download route without a case here
fails this test until it is checked too."""

from __future__ import annotations

import re

from pipeline.models import Job
from tests.reports.test_reports_web import login

DOWNLOAD = re.compile(r"\.(pdf|xlsx|xls|zip|csv)$|/download$")


def test_every_download_route_is_no_store(world, client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_RENDER_INLINE", True)  # rendering itself is tested elsewhere
    from pathlib import Path

    export_dir = Path(app.config["EXPORT_DIR"])
    export_dir.mkdir(parents=True, exist_ok=True)
    zip_path = export_dir / "job-901-roadmaps-320706-2026-11-26.zip"
    zip_path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    job = Job(kind="roadmaps_county", status="done", county_id=world["hz"].id, result_path=str(zip_path))
    db.session.add(job)
    db.session.commit()
    urls = {
        "imports.template": "/pool/import/template.xlsx",
        "imports.export": "/pool/export.xlsx",
        "reports.roadmap_pdf": f"/firms/{world['a'].id}/roadmap.pdf",
        "reports.county_briefing_pdf": f"/reports/briefing/county/{world['hz'].id}.pdf",
        "reports.city_briefing_pdf": "/reports/briefing/city.pdf",
        "reports.download": f"/reports/jobs/{job.id}/download",
    }
    routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and DOWNLOAD.search(r.rule)}
    assert routes == set(urls), routes ^ set(urls)  # a new download route needs a case here
    login(client, world["admin"])
    for endpoint, url in urls.items():
        r = client.get(url)
        assert r.status_code == 200, (endpoint, r.status_code)
        assert "no-store" in r.headers.get("Cache-Control", ""), (endpoint, r.headers.get("Cache-Control"))
