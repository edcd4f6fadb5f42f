"""The app as gunicorn serves it, plus one bench-only page: ``/_bench/empty``, and ``?_cold=1``.

That page is the fixed-cost line of bench_pages.py: logged in, the full layout (navigation, bell,
banner, user menu, CSRF token), no content. Any URL with ``_cold`` in its query string is served
with this worker's stamp cache emptied first: what the first request after a write costs (a write
changes the data stamp, so every cached fragment and count misses). Never imported by the app itself.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required
from jinja2 import ChoiceLoader, DictLoader

from app import app
from pipeline.services import stamp

app.jinja_env.loader = ChoiceLoader(
    [
        DictLoader({"bench/empty.html": '{% extends "base.html" %}{% block content %}{% endblock %}'}),
        app.jinja_env.loader,
    ]
)


@app.get("/_bench/empty")
@login_required
def bench_empty():
    return render_template("bench/empty.html")


@app.before_request
def bench_cold():
    if "_cold" in request.args:
        stamp.clear()
