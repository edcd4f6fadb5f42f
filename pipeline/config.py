"""Settings, all read from the environment so one build serves laptops, CI and production."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def json_dumps(value) -> str:
    """JSON columns keep Chinese as UTF-8, not \\u escapes: a third of the size."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def normalise_db_url(url: str) -> str:
    """Accept the usual spellings and use the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Production-leaning defaults; every value can be overridden by an environment variable."""

    def __init__(self) -> None:
        INSTANCE.mkdir(exist_ok=True)
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'pipeline.db'}")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "json_serializer": json_dumps}
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # Sessions and cookies
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_HOURS", 12) * 3600
        self.WTF_CSRF_TIME_LIMIT = None  # long forms must not expire while an officer types
        self.MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 10) * 1024 * 1024
        # Login lockout (kept in the database)
        self.LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)  # per account name AND client address
        self.LOGIN_MAX_FAILURES_ACCOUNT = _int("LOGIN_MAX_FAILURES_ACCOUNT", 100)  # account-wide (issue 12)
        self.LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
        # i18n
        self.BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh")
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "pipeline" / "translations")
        self.LANGUAGES = ["zh", "en"]
        # Mail (reminders)
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "小升高培育平台 <noreply@localhost>")
        self.MAIL_ENABLED = _bool("MAIL_ENABLED", True)
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 5)  # seconds per SMTP connect/send (issue 12: short)
        self.WEBHOOK_TIMEOUT = _int("WEBHOOK_TIMEOUT", 5)  # seconds per group-robot call
        # issue 17: group-robot hosts a county may set (comma-separated; "*" = any public host), and
        # whether http:// and intranet addresses are allowed (a robot gateway inside the network; tests)
        self.WEBHOOK_HOSTS = os.environ.get("WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
        self.WEBHOOK_ALLOW_INTRANET = _bool("WEBHOOK_ALLOW_INTRANET", False)
        # Links in e-mails and webhooks
        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
        # Reminders
        self.REMINDER_MAX_ATTEMPTS = _int("REMINDER_MAX_ATTEMPTS", 1000)  # issue 12: the horizon decides
        self.REMINDER_RETRY_HOURS = _int("REMINDER_RETRY_HOURS", 48)  # keep retrying e-mail this long
        self.SCHEDULER_TIMEZONE = "Asia/Shanghai"
        # PDFs
        self.PDF_MAX_PAGES = _int("PDF_MAX_PAGES", 200)
        self.EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE / "exports"))
        # issue 12: web PDFs from a cache (per firm/county and data stamp) or a background render process
        self.PDF_CACHE_DIR = os.environ.get("PDF_CACHE_DIR")  # default: pdf-cache beside EXPORT_DIR
        self.PDF_RENDER_WORKERS = _int("PDF_RENDER_WORKERS", 1)  # render processes per web worker
        self.PDF_RENDER_NICE = _int("PDF_RENDER_NICE", 10)  # page requests keep the CPU
        self.PDF_WAIT_SECONDS = _int("PDF_WAIT_SECONDS", 60)  # then "still being generated, refresh"
        self.PDF_MAX_RENDERS_PER_USER = _int("PDF_MAX_RENDERS_PER_USER", 2)
        self.PDF_RENDER_INLINE = _bool("PDF_RENDER_INLINE", False)  # render in the web worker (dev/tests)
        # Excel import limits
        self.IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 5000)
        self.IMPORT_MAX_MB = _int("IMPORT_MAX_MB", 5)
        self.PAGE_SIZE = _int("PAGE_SIZE", 50)


class TestConfig(Config):
    """Used by the test suite: TEST_DATABASE_URL picks PostgreSQL, else an in-memory-like temp SQLite."""

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret"
        url = database_url or os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(url)
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite://"):
            self.SQLALCHEMY_ENGINE_OPTIONS = {"json_serializer": json_dumps}
        self.WTF_CSRF_ENABLED = False
        self.MAIL_ENABLED = True


def load_config(config=None):
    """Return a settings object: a mapping of overrides, a Config instance, or the default."""
    if config is None:
        return Config()
    if isinstance(config, dict):
        base = TestConfig(config.get("SQLALCHEMY_DATABASE_URI")) if config.get("TESTING") else Config()
        for key, value in config.items():
            setattr(base, key, value)
        return base
    return config
