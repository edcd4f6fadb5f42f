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
