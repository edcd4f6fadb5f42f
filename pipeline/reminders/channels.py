"""Delivery channels: in-app (nothing to send), e-mail over SMTP, and a county group robot (webhook).

Each ``send`` returns nothing on success and raises on failure: :class:`PermanentError` for what a
retry cannot fix (no address, no robot URL), anything else is retried with back-off.
"""

from __future__ import annotations

import json
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import NamedTuple

from pipeline.reminders import robot_url
from pipeline.reminders.texts import cn


class PermanentError(Exception):
    """A delivery that can never succeed as it stands; it is given up at once."""


def full_link(base_url: str, link: str | None) -> str:
    if not link:
        return base_url.rstrip("/") + "/"
    return base_url.rstrip("/") + "/" + link.lstrip("/")


#: The e-mail's own lines around a reminder, per language (issue 17: the recipient's saved locale).
MAIL_TEXTS = {
    "zh": {
        "subject": "【小升高提醒】{title}",
        "hello": "{name}，您好：",
        "hello_anon": "您好：",
        "due": "截止日期：{date}",
        "link": "查看详情：{link}",
        "sign": "—— 连云港市科技局 小升高培育平台（系统自动发送，请勿直接回复）",
        "settings": "如需更改提醒方式，请到“提醒设置”：{link}",
    },
    "en": {
        "subject": "[HNTE pipeline reminder] {title}",
        "hello": "Dear {name},",
        "hello_anon": "Hello,",
        "due": "Due: {date}",
        "link": "Details: {link}",
        "sign": "— Lianyungang Science and Technology Bureau, HNTE cultivation platform (sent automatically, "
        "please do not reply)",
        "settings": "To change how you are reminded, open the reminder settings: {link}",
    },
}


def mail_subject(title: str, lang: str = "zh") -> str:
    return MAIL_TEXTS.get(lang, MAIL_TEXTS["zh"])["subject"].format(title=title)


def message_text(
    *, greeting: str | None, title: str, body: str, due_on, link: str, settings_link: str, lang: str = "zh"
) -> str:
    t = MAIL_TEXTS.get(lang, MAIL_TEXTS["zh"])
    lines = [t["hello"].format(name=greeting) if greeting else t["hello_anon"], "", title, "", body, ""]
    if due_on is not None:
        lines.append(t["due"].format(date=cn(due_on) if lang == "zh" else due_on.isoformat()))
    lines += [t["link"].format(link=link), "", t["sign"], t["settings"].format(link=settings_link)]
    return "\n".join(lines)


class Attachment(NamedTuple):
    """A file attached to a mail, e.g. a briefing pack's PDF."""

    data: bytes
    subtype: str  # of application/…, e.g. "pdf"
    filename: str


def build_email(
    config,
    *,
    to_addr: str,
    to_name: str | None,
    subject: str,
    text: str,
    message_key: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> Message:
    """The one way our mails are built (reminders, digests, briefing packs): UTF-8 headers, the
    configured sender, a plain-text body and any attachments.

    ``message_key`` (stable per delivery) makes the Message-ID the same on every retry, so a mail
    client or gateway that drops duplicate Message-IDs shows a repeat once (issue 12)."""
    msg: Message = MIMEText(text, "plain", "utf-8")
    if attachments:
        body, msg = msg, MIMEMultipart()
        msg.attach(body)
        for a in attachments:
            part = MIMEApplication(a.data, _subtype=a.subtype)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", a.filename))
            msg.attach(part)
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

    def send(self, msg: Message, to_addr: str) -> None:
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


def post_webhook(
    url: str | None,
    text: str,
    timeout: float = 5,
    idempotency_key: str | None = None,
    rules: robot_url.Rules | None = None,
) -> None:
    """Post a text message to a WeCom (企业微信) or DingTalk (钉钉) group robot; both accept this JSON.

    The URL must pass ``rules`` (``reminders/robot_url.py``: https, allowed host, public address; the
    app's config when not given), else PermanentError with the reason. ``idempotency_key`` goes out as
    the ``Idempotency-Key`` header, the same on every retry of one delivery.
    """
    if not url:
        raise PermanentError("县区未配置群机器人地址")
    if rules is None:
        from flask import current_app

        rules = robot_url.Rules.from_config(current_app.config)
    data = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        status, raw = robot_url.post(url, data, headers, rules, timeout)
    except robot_url.Refused as exc:
        raise PermanentError(f"群机器人地址不可用：{exc}") from exc
    if status >= 300:  # a redirect is not followed: the robot's own address answers 200
        raise RuntimeError(f"群机器人返回 HTTP {status}")
    try:
        reply = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        reply = {}
    code = reply.get("errcode", 0) if isinstance(reply, dict) else 0
    if code not in (0, "0"):
        raise RuntimeError(f"群机器人拒绝：errcode={code} {reply.get('errmsg', '')}".strip())


# ------------------------------------------------------------------ issue 17: failures in Chinese

_REASONS = (  # (exception class name, reason); the first class in the exception's MRO that is listed wins
    ("SMTPAuthenticationError", "邮件服务器拒绝登录：用户名或密码不对"),
    ("SMTPServerDisconnected", "邮件服务器中途断开了连接"),
    ("SMTPSenderRefused", "邮件服务器拒绝了发件人地址"),
    ("SMTPDataError", "邮件服务器拒收了邮件内容"),
    ("SMTPConnectError", "无法与邮件服务器建立连接"),
    ("SMTPNotSupportedError", "邮件服务器不支持所需的功能（如加密连接）"),
    ("SMTPException", "邮件服务器返回错误"),
    ("ConnectionRefusedError", "连接被拒绝：对方地址上没有服务在运行（服务未启动或端口不对）"),
    ("ConnectionResetError", "连接被对方重置"),
    ("ConnectionAbortedError", "连接中断"),
    ("TimeoutError", "连接超时：对方在规定时间内没有应答"),
    ("timeout", "连接超时：对方在规定时间内没有应答"),
    ("gaierror", "无法解析服务器地址（域名不存在或网络不通）"),
    ("SSLCertVerificationError", "加密连接失败：对方的证书无法验证"),
    ("SSLError", "加密连接（TLS）失败"),
    ("HTTPError", "对方返回了 HTTP 错误"),
    ("HTTPException", "对方的应答不是有效的 HTTP 应答"),
    ("URLError", "无法连接对方地址"),
    ("OSError", "网络错误"),
)
_REASON_BY_NAME = dict(_REASONS)


def failure_reason(exc: BaseException) -> str:
    """A delivery failure as a reader's sentence in Chinese (never an exception class name).

    Our own errors (``PermanentError``, the robot's ``RuntimeError`` texts) are already Chinese and
    are kept; a network error is named by what happened (connection refused, timeout, DNS, TLS ...).
    """
    import urllib.error

    if isinstance(exc, urllib.error.URLError) and isinstance(getattr(exc, "reason", None), BaseException):
        exc = exc.reason  # the socket error inside
    if type(exc) in (PermanentError, RuntimeError):  # ours: already a Chinese sentence
        return str(exc)
    if "timed out" in str(exc):  # smtplib reports a read timeout as a closed connection
        return _REASON_BY_NAME["TimeoutError"]
    for cls in type(exc).__mro__:
        if cls.__name__ in _REASON_BY_NAME:
            reason = _REASON_BY_NAME[cls.__name__]
            code = getattr(exc, "smtp_code", None)
            return f"{reason}（代码 {code}）" if code else reason
    return "发送失败（原因见服务器日志）"


_LEGACY = re.compile(r"^(\w+(?:Error|Exception|timeout|gaierror))\b:?\s*")


def reason_text(stored: str | None) -> str:
    """For display: a stored error text; one written before issue 17 ("ConnectionRefusedError: ...")
    is shown as its Chinese reason."""
    if not stored:
        return ""
    m = _LEGACY.match(stored)
    if m and m.group(1) in _REASON_BY_NAME:
        return _REASON_BY_NAME[m.group(1)]
    if m:
        return "发送失败（原因见服务器日志）"
    return stored
