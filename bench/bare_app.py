"""The floor for bench_pages.py: the cheapest honest page a Flask app on this machine can serve.

One indexed query through the bare driver (sqlite3 or psycopg, one connection per worker process),
``SELECT … FROM firm WHERE county_id = ? ORDER BY id LIMIT 50``, rendered as a 50-row table from a
Jinja template compiled once. Same gunicorn settings as the app; the ratio page / floor is what the
app itself costs on top of "one query and a table".
"""

from __future__ import annotations

import os

from flask import Flask, request
from jinja2 import Environment

app = Flask("floor")
URL = os.environ["DATABASE_URL"]
SQL = (
    "SELECT id, name, credit_code, stage, tech_domain, hnte_cert_expiry FROM firm "
    "WHERE county_id = {p} ORDER BY id LIMIT 50"
)
TEMPLATE = Environment(autoescape=True).from_string(
    "<!doctype html><html><head><meta charset='utf-8'><title>floor</title></head><body><table>"
    "<thead><tr><th>id</th><th>name</th><th>code</th><th>stage</th><th>domain</th><th>expiry</th></tr></thead>"
    "<tbody>{% for r in rows %}<tr><td><a href='/firms/{{ r[0] }}'>{{ r[1] }}</a></td><td>{{ r[2] }}</td>"
    "<td>{{ r[3] }}</td><td>{{ r[4] or '—' }}</td><td>{{ r[5] or '—' }}</td></tr>{% endfor %}</tbody></table>"
    "</body></html>"
)
_conn = None


def _connect():
    global _conn
    if _conn is None:
        if URL.startswith("sqlite"):
            import sqlite3

            _conn = ("?", sqlite3.connect(URL.split("///", 1)[1], check_same_thread=False))
        else:
            import psycopg

            _conn = (
                "%s",
                psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True),
            )
    return _conn


@app.get("/floor")
def floor():
    p, conn = _connect()
    rows = conn.execute(SQL.format(p=p), (request.args.get("county", 1, type=int),)).fetchall()
    return TEMPLATE.render(rows=rows)
