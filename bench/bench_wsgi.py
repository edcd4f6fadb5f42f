"""The app as gunicorn serves it, plus one bench-only page: ``/_bench/empty``.

That page is the fixed-cost line of bench_pages.py: logged in, the full layout (navigation, bell,
banner, user menu, CSRF token), no content. Never imported by the app itself.
"""

from __future__ import annotations

from flask import render_template
from flask_login import login_required
from jinja2 import ChoiceLoader, DictLoader

from app import app

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
