"""Issue 13: views parse, call one service, render. No query is written in ``pipeline/web/*.py``.

The grep of the issue (``db.session.query/execute/scalar/get``, ``.query.``, ``select(``) runs over
every view module. A hit fails unless its file is in ``ALLOWED`` with the reason it may query; shrink
the list as each owner moves its queries into a service (never grow it for a new view).
"""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "pipeline" / "web"

QUERY = re.compile(r"db\.session\.(query|execute|scalar|get)|\.query\.|select\(")

ALLOWED = {
    "loader.py": "the scoped loader: turning URL ids into the rows the user may see is its job",
}


def query_lines(path: Path) -> list[str]:
    return [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if QUERY.search(line)
    ]


def test_no_view_module_writes_a_query_outside_the_allowed_list():
    found = [
        hit for path in sorted(WEB.glob("*.py")) if path.name not in ALLOWED for hit in query_lines(path)
    ]
    assert found == [], "move these queries into the service that owns the concept:\n" + "\n".join(found)


def test_the_allowed_files_exist():
    """A renamed or deleted file leaves its entry behind: drop it rather than let it cover a new file."""
    assert sorted(name for name in ALLOWED if not (WEB / name).is_file()) == []


def test_the_pattern_catches_each_form_of_a_query(tmp_path):
    """The grep is what guards the rule: each form the issue names is caught, a service call is not."""
    caught = [
        "rows = db.session.execute(q).all()",
        "n = db.session.scalar(q)",
        "firm = db.session.get(Firm, 1)",
        "db.session.query(Firm).all()",
        "Firm.query.filter_by(id=1)",
        "q = select(County).order_by(County.sort)",
    ]
    kept = ["counties = scope.counties()", "page = planning.calendar_page(current_user, today)"]
    view = tmp_path / "view.py"
    view.write_text("\n".join(caught + kept), encoding="utf-8")
    assert [hit.split(": ", 1)[1] for hit in query_lines(view)] == caught
