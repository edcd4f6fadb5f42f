"""Helpers for the reminder tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

from datetime import date

from pipeline.models import Milestone, Roadmap


def milestone(
    firm,
    due: date,
    owner: str = "firm",
    title: str = "申请发明专利",
    status: str = "todo",
    target_batch: str | None = None,
) -> Milestone:
    from pipeline.extensions import db

    rm = db.session.query(Roadmap).filter_by(firm_id=firm.id).first()
    if rm is None:
        rm = Roadmap(
            firm_id=firm.id,
            generated_for=due,
            rules_version="t",
            calendar_version="t",
            plan={},
            target_batch=target_batch,
        )
        db.session.add(rm)
        db.session.flush()
    m = Milestone(
        roadmap_id=rm.id,
        firm_id=firm.id,
        code=f"m{due.isoformat()}{title}",
        title=title,
        due=due,
        owner=owner,
        status=status,
        addresses=[],
    )
    db.session.add(m)
    db.session.flush()
    return m


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps what it receives, or answers 550 while ``reject`` is set."""

    def __init__(self):
        self.messages = []
        self.reject = False

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        if self.reject:
            return "550 5.7.1 mailbox unavailable"
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def local_smtp(app, monkeypatch, **config):
    """A real SMTP server on a free local port, the app's mail settings pointed at it (plus
    ``config``); yields its Inbox. Use as the body of a fixture: ``yield from local_smtp(...)``."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_ENABLED": True,
        "MAIL_DEFAULT_SENDER": "小升高培育平台 <noreply@lyg.example.cn>",
    }
    for key, value in (settings | config).items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield inbox
    finally:
        ctl.stop()


def _robot_handler():
    from http.server import BaseHTTPRequestHandler

    class Robot(BaseHTTPRequestHandler):
        """A WeCom/DingTalk-style group robot: keeps each post's body, path and headers; answers
        ``Robot.reply`` (set it to an errcode to make the robot refuse)."""

        received: list = []  # the posted JSON bodies
        paths: list = []
        headers_seen: list = []
        reply: dict = {"errcode": 0, "errmsg": "ok"}

        def do_POST(self):
            import json

            body = self.rfile.read(int(self.headers["Content-Length"]))
            Robot.received.append(json.loads(body))
            Robot.paths.append(self.path)
            Robot.headers_seen.append(dict(self.headers))
            data = json.dumps(Robot.reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Robot


Robot = _robot_handler()


def local_robot(app, monkeypatch):
    """A robot on 127.0.0.1 (the URL rules let it through only with the intranet switch and the host
    listed, so both are set); yields its URL. Body of a fixture: ``yield from local_robot(...)``."""
    import threading
    from http.server import ThreadingHTTPServer

    monkeypatch.setitem(app.config, "WEBHOOK_HOSTS", "127.0.0.1")
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_INTRANET", True)
    Robot.received, Robot.paths, Robot.headers_seen = [], [], []
    Robot.reply = {"errcode": 0, "errmsg": "ok"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    finally:
        server.shutdown()
        server.server_close()
