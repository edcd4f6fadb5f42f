"""A user's alert choice per channel (issue 17): off, every alert at once, or only critical alerts at
once and the rest in a daily or weekly digest.

Stored as two columns per channel: ``notify_<channel>`` (on/off, as before) and ``<channel>_digest``
("off" = no digest: every alert at once; "daily" / "weekly"). "Critical" is the rules' own ``urgent``
flag (overdue milestones, the last mark before a deadline, an expired certificate ...): one definition,
the same that posts a hit to the county's group robot at once.

A reminder that waits for a digest still gets its outbox row at once (the dedupe key decides, as for
every reminder); its delivery on that channel is written ``held`` and the digest job
(``pipeline/reminders/digest.py``) turns the held deliveries into one digest message and marks them
``digested``.
"""

from __future__ import annotations

from pipeline.vocabulary import ALERT_MODES, DIGEST_FREQUENCIES

HELD = "held"
DIGESTED = "digested"
USER_CHANNELS = ("inapp", "email")
DIGEST_KINDS = ("daily", "weekly")


def channels_of(u) -> tuple[tuple[str, str], ...]:
    """``((channel, digest), ...)`` for the channels a user (ORM object or row) receives on."""
    out = []
    if u.notify_inapp:
        out.append(("inapp", getattr(u, "inapp_digest", None) or "off"))
    if u.notify_email and u.email:
        out.append(("email", getattr(u, "email_digest", None) or "off"))
    return tuple(out)


def route(channels, urgent: bool) -> tuple[str, ...]:
    """Delivery entries to write for one reminder: ``"email"`` goes now, ``"email:held"`` waits for the digest."""
    return tuple(c if urgent or d not in DIGEST_KINDS else f"{c}:{HELD}" for c, d in channels)


def split(entry: str) -> tuple[str, str]:
    """``"email:held"`` → ``("email", "held")``; ``"email"`` → ``("email", "pending")``."""
    channel, _, status = entry.partition(":")
    return channel, status or "pending"


def mode_of(on: bool, digest: str | None) -> str:
    """The account form's value for one channel (a key of ``ALERT_MODES``)."""
    if not on:
        return "none"
    return digest if digest in DIGEST_KINDS else "instant"


def from_mode(mode: str, old_digest: str | None) -> tuple[bool, str]:
    """A form value → (on, digest). "none" keeps the digest the user had (nothing they did not change changes)."""
    if mode not in ALERT_MODES:
        raise ValueError(mode)
    if mode == "none":
        return False, old_digest if old_digest in DIGEST_FREQUENCIES else "off"
    return True, mode if mode in DIGEST_KINDS else "off"
