"""Two test clients logged in as two users stay two users (each request loads its own user)."""

from tests import factories as f
from tests.conftest import login


def test_two_clients_are_two_users(app, db):
    c = f.county()
    f2 = f.firm(c)
    f3 = f.firm(c)
    u1 = f.user("fu1", "firm", firm=f2)
    u2 = f.user("fu2", "firm", firm=f3)
    db.session.commit()
    a, b = app.test_client(), app.test_client()
    login(a, u1)
    login(b, u2)
    assert a.get(f"/firms/{f2.id}/roadmap.pdf").status_code in (200,)
    assert b.get(f"/firms/{f2.id}/roadmap.pdf").status_code == 404
