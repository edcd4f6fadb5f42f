"""Delivery channels: in-app (nothing to send), e-mail over SMTP, and a county group robot (webhook).

Each ``send`` returns nothing on success and raises on failure: :class:`PermanentError` for what a
retry cannot fix (no address, no robot URL), anything else is retried with back-off.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from pipeline.reminders.rules import cn


class PermanentError(Exception):
    """A delivery that can never succeed as it stands; it is given up at once."""


def full_link(base_url: str, link: str | None) -> str:
    if not link:
        return base_url.rstrip("/") + "/"
    return base_url.rstrip("/") + "/" + link.lstrip("/")


def message_text(
    *, greeting: str | None, title: str, body: str, due_on, link: str, settings_link: str
) -> str:
    lines = [f"{greeting}，您好：" if greeting else "您好：", "", title, "", body, ""]
    if due_on is not None:
        lines.append(f"截止日期：{cn(due_on)}")
    lines += [
        f"查看详情：{link}",
        "",
        "—— 连云港市科技局 小升高培育平台（系统自动发送，请勿直接回复）",
        f"如需更改提醒方式，请到“提醒设置”：{settings_link}",
    ]
    return "\n".join(lines)


def build_email(
    config, *, to_addr: str, to_name: str | None, subject: str, text: str, message_key: str | None = None
) -> MIMEText:
    """``message_key`` (stable per delivery) makes the Message-ID the same on every retry, so a mail
    client or gateway that drops duplicate Message-IDs shows a repeat once (issue 12)."""
    msg = MIMEText(text, "plain", "utf-8")
    msg["Subject"] = Header(subject, "utf-8").encode()
    sender_name, sender_addr = parseaddr(config["MAIL_DEFAULT_SENDER"])
    msg["From"] = formataddr((str(Header(sender_name, "utf-8")) if sender_name else "", sender_addr))
    msg["To"] = formataddr((str(Header(to_name, "utf-8")) if to_name else "", to_addr))
    msg["Date"] = formatdate(localtime=True)
    domain = sender_addr.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    return msg


class Mailer:
    """One SMTP connection reused for a delivery run; reconnects after an error."""

    def __init__(self, config) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        timeout = c.get("MAIL_TIMEOUT", 5)  # connect and every send/read: a hung server costs seconds
        if c.get("MAIL_USE_SSL"):
            conn = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
            if c.get("MAIL_USE_TLS"):
                conn.starttls(context=ssl.create_default_context())
        if c.get("MAIL_USERNAME"):
            conn.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
        return conn

    def send(self, msg: MIMEText, to_addr: str) -> None:
        if not to_addr:
            raise PermanentError("收件人没有填写邮箱地址")
        try:
            if self.conn is None:
                self.conn = self._connect()
            refused = self.conn.sendmail(
                parseaddr(self.config["MAIL_DEFAULT_SENDER"])[1], [to_addr], msg.as_string()
            )
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise PermanentError(f"邮件服务器拒收该地址：{to_addr}（{exc.recipients}）") from exc
        except Exception:
            self.close()
            raise
        if refused:
            raise PermanentError(f"邮件服务器拒收：{refused}")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:
                try:
                    self.conn.close()
                except Exception:
                    pass
            self.conn = None


def post_webhook(url: str | None, text: str, timeout: float = 5, idempotency_key: str | None = None) -> None:
    """Post a text message to a WeCom (企业微信) or DingTalk (钉钉) group robot; both accept this JSON.

    ``idempotency_key`` goes out as the ``Idempotency-Key`` header, the same on every retry of one delivery.
    """
    if not url:
        raise PermanentError("县区未配置群机器人地址")
    if not url.startswith(("https://", "http://")):
        raise PermanentError("群机器人地址必须以 http:// 或 https:// 开头")
    data = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    req = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (admin-set URL, http(s) only)
            raw = resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"群机器人返回 HTTP {exc.code}") from exc
    try:
        reply = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        reply = {}
    code = reply.get("errcode", 0)
    if code not in (0, "0"):
        raise RuntimeError(f"群机器人拒绝：errcode={code} {reply.get('errmsg', '')}".strip())
