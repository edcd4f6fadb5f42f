"""Issue 17: the readable API documentation page beside openapi.json (vendored Swagger UI, under the CSP)."""

from __future__ import annotations

from tests.conftest import login
from tests.web.conftest import fresh


def test_docs_page_serves_vendored_assets_under_the_csp_and_names_the_token_source(app, world):
    c = app.test_client()
    login(c, world.officer)
    resp = fresh(app, c, "get", "/api/v1/docs")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "<script>" not in html and "http://" not in html and "https://" not in html  # no CDN, no inline
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html and "/account/#tokens" in html
    js = fresh(app, c, "get", "/api/v1/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and b"SwaggerUIBundle" in js.data[:200000]
    assert fresh(app, c, "get", "/api/v1/docs/assets/index.html").status_code == 404  # only the listed files
    assert fresh(app, c, "get", "/api/v1/docs/assets/..%2Fswagger-ui.js").status_code == 404
    # the spec says where tokens come from
    spec = fresh(app, c, "get", "/api/v1/openapi.json").get_json()
    assert "/account/" in spec["components"]["securitySchemes"]["bearer"]["description"]
    # the account page links the docs page
    assert "/api/v1/docs" in fresh(app, c, "get", "/account/").get_data(as_text=True)
