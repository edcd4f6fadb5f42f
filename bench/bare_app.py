"""The baseline for bench_web.py: a bare Flask app whose one endpoint runs one SELECT count(*).

Same database, same gunicorn settings; the difference to the real pages is what the app itself costs.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify
from sqlalchemy import create_engine, text

from pipeline.config import normalise_db_url

app = Flask("bare")
engine = create_engine(normalise_db_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)


@app.get("/count")
def count():
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM firm")).scalar_one()
    return jsonify({"firms": n})
