"""Issue 17: a county's group robot (企业微信/钉钉): its URL and how it gets reminders, and a test send.

Set on ``/robots/<county>`` by the county's officers and the city admin. The URL is checked by the
rules the webhook channel applies when it calls it (``reminders/robot_url.py``); the test message goes
out through that same channel code (``channels.post_webhook``). Services flush; the request commits.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import AuditLog, County
from pipeline.reminders import channels, robot_url
from pipeline.services.audit import record
from pipeline.vocabulary import ALERT_MODES

DEFAULT_MODE = "weekly"  # the column's default: urgent reminders at once, the county digest on Mondays


class StaleRobot(ValueError):
    """The county's robot settings changed since the form was opened."""


def mode_of(county: County) -> str:
    return county.webhook_digest if county.webhook_digest in ALERT_MODES else DEFAULT_MODE


def version(county: County) -> str:
    """What the form was built from, without repeating the URL (it holds the robot's key)."""
    raw = f"{county.webhook_url or ''}\n{mode_of(county)}".encode()
    return hashlib.sha256(raw).hexdigest()[:20]


def save(user, county: County, url: str, mode: str, seen_version: str) -> list[str]:
    """Store the URL (already checked by the form; blank = no robot) and the mode; the changed field
    keys ([] = nothing changed). Audited old → new with the URL masked."""
    if seen_version != version(county):
        raise StaleRobot(county.name)
    if mode not in ALERT_MODES:
        raise ValueError(mode)
    url = (url or "").strip() or None
    before = {"webhook_url": county.webhook_url or None, "webhook_digest": mode_of(county)}
    after = {"webhook_url": url, "webhook_digest": mode}
    changed = [k for k in after if after[k] != before[k]]
    if not changed:
        return []
    county.webhook_url, county.webhook_digest = url, mode
    show = {"webhook_url": robot_url.masked}
    record(
        user,
        "update",
        "county",
        county.id,
        None,
        {k: show.get(k, lambda v: v)(before[k]) for k in changed},
        {k: show.get(k, lambda v: v)(after[k]) for k in changed},
        only_changes=False,  # two URLs may look alike masked: the raw values decided what changed
    )
    db.session.flush()
    return changed


def history(county: County, limit: int = 10) -> list[AuditLog]:
    return db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity == "county", AuditLog.entity_id == county.id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    ).all()


def test_message(county: County, user, when: str) -> str:
    return (
        f"【小升高培育平台】测试消息：{county.name}的群机器人已接通，之后的提醒会发到这个群。\n"
        f"发送人：{user.display_name}（{when}）"
    )


def test_send(county: County, user, config, when: str) -> str | None:
    """Send one test message to the saved URL through the webhook channel; None on success, else the
    reason in Chinese (``channels.failure_reason``: never an exception class name)."""
    try:
        channels.post_webhook(
            county.webhook_url,
            test_message(county, user, when),
            timeout=config.get("WEBHOOK_TIMEOUT", 5),
            rules=robot_url.Rules.from_config(config),
        )
    except Exception as exc:  # every failure is shown as its reason; the class name only in the log
        import logging

        logging.getLogger(__name__).info("robot test send for county %s failed: %r", county.id, exc)
        return channels.failure_reason(exc)
    return None
