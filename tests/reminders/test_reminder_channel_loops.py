"""Issue 12, item 4: a mail server that accepts and never answers delays e-mail only.

Each channel has its own loop (its own scheduler job and thread); the SMTP timeout is short; a channel
that keeps failing stops for the run instead of timing out row after row; webhook calls and e-mails
carry a key that is the same on every attempt of one delivery.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select

from pipeline import clock
from pipeline.models import Delivery, DeliveryAttempt
from pipeline.models.base import utcnow
from pipeline.reminders.deliver import deliver_pending, idempotency_key
from pipeline.reminders.scan import run_scan
from tests.reminders.helpers import milestone
from tests.reminders.test_reminder_delivery import Robot, robot  # noqa: F401 (fixture)
from tests.reminders.test_reminder_processes import FLASK, ROOT, _count, _env, _wait


class HungSmtp:
    """Accepts TCP connections and never says a word (no greeting): every SMTP read times out."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def hung_smtp(app, monkeypatch):
    server = HungSmtp()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    yield server
    server.close()


def _overdue(db, city, n: int):
    today = clock.today()
    city.officer_a.notify_email = False
    for i in range(n):
        milestone(city.firm_a1, today - timedelta(days=i + 1), title=f"逾期任务{i}")
    db.session.commit()
    run_scan(today)


def _inapp(db, status=None) -> int:
    q = select(func.count()).select_from(Delivery).where(Delivery.channel == "inapp")
    if status:
        q = q.where(Delivery.status == status)
    return db.session.scalar(q)


def test_hung_smtp_stops_the_email_run_after_three_timeouts_and_in_app_is_all_sent(
    app, db, city, hung_smtp, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
    _overdue(db, city, 20)
    started = time.monotonic()
    r = deliver_pending()
    took = time.monotonic() - started
    assert _inapp(db) >= 40 and _inapp(db, "sent") == _inapp(db)  # every in-app delivery went out
    emails = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).all()
    tried = [d for d in emails if d.attempts]
    assert len(tried) == 3 and all(d.status == "failed" and "连接超时" in d.last_error for d in tried)
    assert all(d.status == "pending" for d in emails if not d.attempts)  # untouched, next run
    assert r.failed == 3 and took < 3 * 1 + 3  # three 1-second timeouts, not twenty


def test_scheduler_delivers_in_app_while_the_mail_server_hangs(app, db, city, hung_smtp):
    """The real scheduler process: 2 × 40 in-app deliveries all done in seconds while every e-mail hangs
    for MAIL_TIMEOUT (before: one loop, each e-mail blocked the next in-app delivery)."""
    _overdue(db, city, 40)
    total = _inapp(db)
    assert total >= 80
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    proc = subprocess.Popen(
        FLASK + ["reminders", "run", "--max-seconds", "40"],
        cwd=ROOT,
        env=_env(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(hung_smtp.port), MAIL_TIMEOUT="4"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait(lambda: _count(engine, "SELECT count(*) FROM scheduler_lease WHERE holder != ''"), 30, "lease")
        t0 = time.monotonic()
        sql = "SELECT count(*) FROM delivery WHERE channel = 'inapp' AND status = 'sent'"
        _wait(lambda: _count(engine, sql) == total, 10, f"{total} in-app deliveries")
        took = time.monotonic() - t0
        _wait(lambda: hung_smtp.accepted >= 1, 10, "the mail loop to reach the hung server")
        assert (
            _count(engine, "SELECT count(*) FROM delivery WHERE channel = 'email' AND status = 'sent'") == 0
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        engine.dispose()
    assert took < 8, (took, out)


def test_webhook_and_email_keys_are_the_same_on_every_attempt_of_a_delivery(app, db, city, robot):  # noqa: F811
    from pipeline.reminders.channels import build_email

    city.a.webhook_url = robot
    _overdue(db, city, 2)
    Robot.reply = {"errcode": 45009, "errmsg": "api freq out of limit"}
    now = utcnow()
    assert deliver_pending(now=now, channels_only=("webhook",)).failed == 2
    Robot.reply = {"errcode": 0, "errmsg": "ok"}
    assert deliver_pending(now=now + timedelta(minutes=5), channels_only=("webhook",)).sent == 2
    keys = [h["Idempotency-Key"] for h in Robot.headers_seen]
    ids = db.session.scalars(
        select(Delivery.id).where(Delivery.channel == "webhook").order_by(Delivery.id)
    ).all()
    assert sorted(keys) == sorted([idempotency_key(i) for i in ids] * 2)  # two attempts each, one key each
    assert len(set(keys)) == 2
    assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 4
    m1 = build_email(app.config, to_addr="a@b.cn", to_name=None, subject="s", text="t", message_key="k-1")
    m2 = build_email(app.config, to_addr="a@b.cn", to_name=None, subject="s", text="t", message_key="k-1")
    assert m1["Message-ID"] == m2["Message-ID"] and "k-1@" in m1["Message-ID"]
