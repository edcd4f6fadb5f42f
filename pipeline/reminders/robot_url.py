"""Issue 17: which group-robot URLs the app may call, checked the same way where they are saved (the
county's robot settings page) and where they are called (the webhook channel, ``channels.post_webhook``).

A county officer sets the URL, so it must not let them make the server call its own network (SSRF):

- ``https://`` only, no user name or password in the URL;
- the host one of ``WEBHOOK_HOSTS`` (default: the WeCom and DingTalk robot hosts; ``*`` = any host);
- every address the host resolves to public (no loopback, private, link-local, reserved or multicast
  address), and the call goes to the address that was checked (no second DNS answer), never following
  a redirect.

``WEBHOOK_ALLOW_INTRANET`` (off by default) lifts the https and the public-address rules, for a robot
gateway inside the government network or a test server; the host list still applies.

Problems are codes of :data:`pipeline.vocabulary.ROBOT_URL_PROBLEMS` (Chinese, shown with ``tl`` in the
UI language on the page, stored in Chinese as a delivery's failure reason).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pipeline.vocabulary import ROBOT_URL_PROBLEMS

MAX_LENGTH = 500  # county.webhook_url is String(500)
DEFAULT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")  # 企业微信 / 钉钉 group robots


@dataclass(frozen=True)
class Rules:
    hosts: tuple[str, ...] = DEFAULT_HOSTS  # ("*",) = any host
    allow_intranet: bool = False

    @classmethod
    def from_config(cls, config) -> Rules:
        hosts = config.get("WEBHOOK_HOSTS", DEFAULT_HOSTS)
        if isinstance(hosts, str):
            hosts = tuple(h.strip().lower() for h in hosts.split(",") if h.strip())
        return cls(
            tuple(h.lower() for h in hosts) or DEFAULT_HOSTS, bool(config.get("WEBHOOK_ALLOW_INTRANET"))
        )

    @property
    def any_host(self) -> bool:
        return "*" in self.hosts


@dataclass(frozen=True)
class Problem:
    """Why a URL is refused: a code of ``ROBOT_URL_PROBLEMS`` and its parameters."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, translate=lambda s: s) -> str:
        """The sentence; ``translate`` = ``tl`` for the UI language (default: Chinese, for the log)."""
        return translate(ROBOT_URL_PROBLEMS[self.code]) % dict(self.params)


class Refused(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.text())
        self.problem = problem


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def problem(url: str | None, rules: Rules) -> Problem | None:
    """What is wrong with ``url`` as it stands (no DNS look-up); None if it passes."""
    url = (url or "").strip()
    if not url:
        return Problem("empty")
    if len(url) > MAX_LENGTH:
        return Problem("too_long", (("max", str(MAX_LENGTH)),))
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return Problem("format")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is no number raises here
    except ValueError:
        return Problem("format")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        return Problem("format")
    if scheme != "https" and not rules.allow_intranet:
        return Problem("scheme")
    if parts.username is not None or parts.password is not None:
        return Problem("userinfo")
    host = parts.hostname.lower()
    if not rules.any_host and host not in rules.hosts:
        return Problem("host", (("hosts", "、".join(rules.hosts)),))
    literal = _literal(host)
    if literal is not None and not rules.allow_intranet and not _public(str(literal)):
        return Problem("local", (("address", host),))
    return None


def resolve(host: str, port: int, rules: Rules, getaddrinfo=socket.getaddrinfo) -> str:
    """The address to connect to: every address of ``host`` checked; raises Refused or socket.gaierror."""
    infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not rules.allow_intranet:
        bad = [a for a in addresses if not _public(a)]
        if bad:
            raise Refused(Problem("local", (("address", bad[0]),)))
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the host."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate verified for the host name (SNI too)."""

    def __init__(self, host, port, address, timeout):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, rules: Rules, timeout: float) -> tuple[int, bytes]:
    """POST ``body`` to ``url`` under the rules; (HTTP status, at most 64 KiB of the reply). No redirects.

    Raises :class:`Refused` for a URL the rules refuse, socket/TLS errors as they come."""
    found = problem(url, rules)
    if found is not None:
        raise Refused(found)
    parts = urlsplit(url.strip())
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(parts.hostname, port, rules)
    conn = (_PinnedHTTPS if https else _PinnedHTTP)(parts.hostname, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", target, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read(65536)
    finally:
        conn.close()


def masked(url: str | None) -> str:
    """The URL for the audit and the page with its secret hidden: the robot's key sits in the query
    (``?key=`` WeCom, ``?access_token=`` DingTalk) or a long path segment."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "****"

    def hide(value: str) -> str:
        return f"{value[:4]}****{value[-4:]}" if len(value) >= 16 else "****"

    path = "/".join(hide(s) if len(s) >= 16 else s for s in parts.path.split("/"))
    query = "&".join(f"{k}={hide(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")
