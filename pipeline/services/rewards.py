"""Issue 17: the reward amounts the roadmap PDF quotes ("what the firm gains"), edited by the city admin.

They live in the ``report.benefits`` setting the PDF already reads (``reports.context.benefits``); only
the amounts of the listed rewards are edited here, everything else in the setting stays as it is.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import Setting
from pipeline.services.audit import record

MAX_AMOUNT = Decimal("100000")  # 万元


class RewardError(ValueError):
    pass


class StaleRewards(RewardError):
    """The amounts changed since the form was opened."""


def rewards() -> list[dict]:
    from pipeline.reports.context import benefits

    return [dict(r) for r in benefits()["rewards"]]


def version(items: list[dict]) -> str:
    """What the form was built from: a save over a newer value is refused."""
    return json.dumps([r.get("amount") for r in items], ensure_ascii=False)


def _amount(raw: str, name: str):
    raw = (raw or "").strip().replace("，", "").replace(",", "")
    if raw == "":
        return None  # 按比例 (no fixed amount)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RewardError(
            gettext(
                "“%(name)s”: “%(raw)s” is not an amount; enter 10k CNY as a number, or leave it blank",
                name=name,
                raw=raw,
            )
        ) from None
    if value < 0 or value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise RewardError(
            gettext(
                "“%(name)s”: the amount must be between 0 and 100000 (10k CNY) with at most two decimals",
                name=name,
            )
        )
    return int(value) if value == value.to_integral_value() else float(value)


def save(user, amounts: list[str], seen_version: str) -> bool:
    """Store the amounts (one per listed reward, in order); False if nothing changed. Audited."""
    from pipeline.reports.context import BENEFITS_KEY

    current = rewards()
    if seen_version != version(current):
        raise StaleRewards(
            gettext(
                "The reward amounts were changed by someone else since this page was opened; reload it and try again"
            )
        )
    if len(amounts) != len(current):
        raise RewardError(gettext("The form does not match the list of rewards; reload the page"))
    errors, new = [], []
    for r, raw in zip(current, amounts, strict=True):
        try:
            new.append({**r, "amount": _amount(raw, r["name"])})
        except RewardError as exc:
            errors.append(str(exc))
    if errors:
        raise RewardError("；".join(errors))
    if [r["amount"] for r in new] == [r["amount"] for r in current]:
        return False
    row = db.session.get(Setting, BENEFITS_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    value["rewards"] = new
    if row is None:
        db.session.add(Setting(key=BENEFITS_KEY, value=value))
    else:
        row.value = value
    record(
        user,
        "update",
        "setting",
        None,
        None,
        {r["name"]: r["amount"] for r in current},
        {r["name"]: r["amount"] for r in new},
    )
    db.session.flush()
    return True
