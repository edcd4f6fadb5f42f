"""Issue 12 item 7: an id, page or year beyond the integer columns' range in a query string is 404, never 500."""

import pytest

from tests.conftest import login
from tests.web.conftest import fresh

BIG = "99999999999999999999"
PATHS = [
    "/pool/?page={b}",
    "/pool/?county={b}",
    "/pool/?officer={b}",
    "/pool/?leader={b}",
    "/pool/?town={b}",
    "/pool/?chain={b}",
    "/dashboard/?county={b}",
    "/dashboard/?town={b}",
    "/inbox/?firm={b}",
    "/pool/kanban?county={b}",
    "/dashboard/workload?officer={b}",
    "/dashboard/splits?county={b}",
    "/portal/figures?year={b}",
    "/notifications/?page={b}",
    "/pool/?page=-1",
    "/pool/?year={b}",
]


@pytest.mark.parametrize("path", PATHS)
def test_an_out_of_range_integer_in_the_query_string_is_never_a_500(app, world, db, path):
    c = app.test_client()
    login(c, world.admin)
    r = fresh(app, c, "get", path.format(b=BIG))
    assert r.status_code in (200, 302, 400, 404), (path, r.status_code)
