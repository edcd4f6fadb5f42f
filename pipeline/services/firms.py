"""Firm use-cases: edit a firm's data, move it through the pipeline, update its roadmap.

Every function takes the acting user and a firm already fetched through ``scope``; child rows are
looked up only under that firm (an id from another firm is a 404). Each function is one
transaction: it records the audit rows, refreshes the cached assessment and flushes; the request, CLI
command or job around it commits once (issue 13).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, select

from pipeline import permissions
from pipeline.errors import Conflict, Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import (
    Conversion,
    FigureSubmission,
    Firm,
    FiscalYear,
    Incident,
    IPAsset,
    Milestone,
    RdEvidence,
    StageChange,
    User,
)
from pipeline.models.base import to_decimal, utcnow
from pipeline.services import versions
from pipeline.services.audit import record, snapshot
from pipeline.services.integrity import conflict, flush_or_conflict
from pipeline.vocabulary import MILESTONE_STATUSES, RD_PIECE_LABELS, ROLE_OFFICER, STAGES

log = logging.getLogger(__name__)

FIRM_FIELDS = (
    "name",
    "credit_code",
    "registered_on",
    "tech_domain",
    "industry",
    "pool_level",
    "contact_name",
    "contact_phone",
    "contact_email",
    "address",
    "hnte_cert_no",
    "hnte_cert_date",
    "hnte_cert_expiry",
    "tsme_reg_no",
    "tsme_year",
    "grade_advancement",
    "grade_core_support",
    "standards",
    "revoked_this_year",
    "national_award_5y",
    "provincial_rd_institution",
    "led_standard_5y",
    "restricted_industry",
    "listed_dishonest",
    "notes",
)
YEAR_FIELDS = ("year",) + FiscalYear.FIELDS + ("is_estimate",)
IP_FIELDS = (
    "kind",
    "title",
    "number",
    "status",
    "filed_on",
    "granted_on",
    "acquired",
    "core",
    "related",
    "used_in_application",
)
_INT_FIELDS = {"year", "tsme_year"}  # staff counts are monthly-average decimals (issue 11)


class FirmError(Invalid):
    """A Chinese message: the request cannot be carried out as asked."""


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def refresh(firm_ids, today: date, user=None) -> None:
    """Re-assess, refresh the compliance watch and re-plan inside the current transaction."""
    from pipeline.services import compliance  # issue 16: the certified firms' compliance watch
    from pipeline.services.assessments import refresh_firms
    from pipeline.services.roadmaps import regenerate

    firm_ids = list(firm_ids)
    refresh_firms(firm_ids, today)
    compliance.refresh(today, firm_ids)
    regenerate(firm_ids, today, user)


RESPONSIBILITY_FIELDS = ("town_id", "officer_id", "leader_id")  # issue 18
# The yes/no facts of the profile form (a checkbox sends nothing when unticked): the model's Boolean columns.
BOOLEAN_FIELDS = frozenset(k for k in FIRM_FIELDS if isinstance(Firm.__table__.c[k].type, Boolean))


def _code_taken(code: str, firm_id: int) -> bool:
    """Whether another firm has this unified social credit code."""
    return db.session.scalar(select(Firm.id).where(Firm.credit_code == code, Firm.id != firm_id)) is not None


def update_firm(
    user: User, firm: Firm, data: dict, today: date, version: int | None = None, labels: dict | None = None
) -> bool:
    """Save the profile form; False when nothing changed. A credit code another firm has is a
    ``Conflict`` on ``credit_code`` (seen by the check here, or by the unique constraint when a
    concurrent save took it first).

    ``version`` is the firm version the form was filled from: an older one is refused
    (``versions.StaleRecord``) and nothing is written.

    Issue 18: the form also carries the firm's town (within the user's scope and the firm's county),
    its responsible officer and its 包联 leader (officers of the firm's county); keys not posted stay.
    """
    from pipeline.services import responsibility

    versions.check(firm, version, "firm", labels)
    people = {k: data[k] for k in RESPONSIBILITY_FIELDS if k in data}
    responsibility.check(user, firm, people)
    data = {k: _blank_to_none(v) for k, v in data.items() if k in FIRM_FIELDS}
    data.update(people)
    code = data.get("credit_code")
    if code and code != firm.credit_code and _code_taken(code, firm.id):
        raise conflict("firm", ("credit_code",))
    audited = FIRM_FIELDS + RESPONSIBILITY_FIELDS
    before = snapshot(firm, audited)
    # A code another firm saved since the check above: Conflict on "credit_code", not a 500.
    with flush_or_conflict():
        for key, value in data.items():
            if key in BOOLEAN_FIELDS:
                value = bool(value)
            setattr(firm, key, value)
        row = record(user, "update", "firm", firm.id, firm.id, before, snapshot(firm, audited))
        if row is None:  # nothing changed: drop the unflushed no-op assignments (no version bump)
            db.session.expire(firm, list(data))
    if row is None:
        return False
    refresh([firm.id], today, user)
    db.session.flush()
    return True


def _coerce_year(data: dict) -> dict:
    out = {}
    for key in YEAR_FIELDS:
        if key not in data:
            continue
        value = _blank_to_none(data[key])
        if key == "is_estimate":
            out[key] = bool(value)
        elif key in _INT_FIELDS:
            out[key] = None if value is None else int(value)
        else:
            value = to_decimal(value)
            # As the column stores it (two places), so an unchanged value compares and audits as unchanged.
            out[key] = value.quantize(Decimal("0.01")) if value is not None else None
    return out


class YearExists(FirmError):
    """新增年度 for a year that already has figures: refused, with the year to edit instead."""

    def __init__(self, message: str, year: int):
        super().__init__(message)
        self.year = year


def save_year(
    user: User,
    firm: Firm,
    data: dict,
    today: date,
    create_only: bool = False,
    version: int | None = None,
    labels: dict | None = None,
) -> FiscalYear:
    """Create or update the firm's figures for ``data['year']``; ``create_only`` refuses an existing year.

    ``version`` is the year's version the edit form was filled from: an older one is refused.
    """
    data = _coerce_year(data)
    year = data["year"]
    if firm.registered_on and year < firm.registered_on.year:
        raise FirmError(
            gettext(
                "%(year)s is before the firm's registration year (%(registered)s); figures for it cannot be entered",
                year=year,
                registered=firm.registered_on.year,
            )
        )
    if year > today.year:
        raise FirmError(
            gettext(
                "%(year)s has not begun; figures can be entered up to %(last)s (estimates)",
                year=year,
                last=today.year,
            )
        )
    fy = db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == firm.id, FiscalYear.year == year)
    ).first()
    if fy is not None and create_only:
        raise YearExists(
            gettext(
                "Year: figures for %(year)s already exist; nothing was saved. Edit that year instead.",
                year=year,
            ),
            year,
        )
    if fy is not None:
        versions.check(fy, version, "fiscal_year", labels)
    if fy is None:
        fy = FiscalYear(firm_id=firm.id, year=year)
        db.session.add(fy)
        before = None
    else:
        before = snapshot(fy, YEAR_FIELDS)
    for key, value in data.items():
        setattr(fy, key, value)
    db.session.flush()
    row = record(
        user,
        "create" if before is None else "update",
        "fiscal_year",
        fy.id,
        firm.id,
        before,
        snapshot(fy, YEAR_FIELDS),
    )
    if row is not None:  # the edit form posted back unchanged writes nothing, not even a re-plan (issue 11)
        refresh([firm.id], today, user)
    db.session.flush()
    return fy


def delete_child(user: User, firm: Firm, row, fields, today: date) -> None:
    """Delete one of the firm's rows (the scoped loader found it under the firm); audited."""
    record(user, "delete", row.__tablename__, row.id, firm.id, snapshot(row, fields), None)
    db.session.delete(row)
    refresh([firm.id], today, user)
    db.session.flush()


def add_ip(user: User, firm: Firm, data: dict, today: date) -> IPAsset:
    values = {k: _blank_to_none(data.get(k)) for k in IP_FIELDS}
    values["core"] = bool(values["core"])
    values["related"] = bool(values["related"])
    asset = IPAsset(firm_id=firm.id, **values)
    db.session.add(asset)
    db.session.flush()
    record(user, "create", "ip_asset", asset.id, firm.id, None, snapshot(asset, IP_FIELDS))
    refresh([firm.id], today, user)
    db.session.flush()
    return asset


def add_conversion(user: User, firm: Firm, year: int, title: str, form: str, today: date) -> Conversion:
    conv = Conversion(firm_id=firm.id, year=int(year), title=title.strip(), form=form)
    db.session.add(conv)
    db.session.flush()
    record(user, "create", "conversion", conv.id, firm.id, None, snapshot(conv, ("year", "title", "form")))
    refresh([firm.id], today, user)
    db.session.flush()
    return conv


def add_incident(
    user: User, firm: Firm, occurred_on: date, kind: str, description: str | None, today: date
) -> Incident:
    inc = Incident(
        firm_id=firm.id, occurred_on=occurred_on, kind=kind, description=_blank_to_none(description)
    )
    db.session.add(inc)
    db.session.flush()
    record(
        user,
        "create",
        "incident",
        inc.id,
        firm.id,
        None,
        snapshot(inc, ("occurred_on", "kind", "description")),
    )
    refresh([firm.id], today, user)
    db.session.flush()
    return inc


def set_evidence(user: User, firm: Firm, present: set[str], today: date) -> None:
    """Mark which of the 11 R&D-management pieces the firm has evidence for."""
    unknown = present - set(RD_PIECE_LABELS)
    if unknown:
        raise FirmError(gettext("Unknown R&D management items: %(items)s", items=', '.join(sorted(unknown))))
    rows = {e.piece: e for e in db.session.scalars(select(RdEvidence).where(RdEvidence.firm_id == firm.id))}
    before = sorted(p for p, e in rows.items() if e.present)
    for piece in RD_PIECE_LABELS:
        row = rows.get(piece)
        if piece in present:
            if row is None:
                db.session.add(RdEvidence(firm_id=firm.id, piece=piece, present=True, dated=today))
            elif not row.present:
                row.present, row.dated = True, today
        elif row is not None and row.present:
            row.present = False
    if record(
        user, "update", "rd_evidence", None, firm.id, {"present": before}, {"present": sorted(present)}
    ):
        refresh([firm.id], today, user)
    db.session.flush()


def _stage_change(
    user: User, firm: Firm, to_stage: str, reason: str | None, today: date | None = None
) -> bool:
    if to_stage not in STAGES:
        raise FirmError(gettext("Unknown stage: %(stage)s", stage=to_stage))
    if firm.stage == to_stage:
        return False
    if today is not None:  # issue 18: after 退库, re-entry from the next year on
        from pipeline.services.stalls import re_entry_error

        message = re_entry_error(firm, to_stage, today)
        if message:
            raise FirmError(message)
    now = utcnow()
    db.session.add(
        StageChange(
            firm_id=firm.id, from_stage=firm.stage, to_stage=to_stage, user_id=user.id, at=now, reason=reason
        )
    )
    record(
        user, "stage", "firm", firm.id, firm.id, {"stage": firm.stage}, {"stage": to_stage, "reason": reason}
    )
    firm.stage = to_stage
    firm.stage_changed_at = now
    return True


def move_stage(user: User, firm: Firm, to_stage: str, reason: str, today: date | None = None) -> bool:
    """Move one firm on the kanban; who, when and why are kept in ``stage_change``. With ``today``
    the re-entry rule after 退库 applies (the pages pass it)."""
    if not (reason or "").strip():
        raise FirmError(gettext("Give the reason for the stage change"))
    changed = _stage_change(user, firm, to_stage, reason.strip(), today)
    db.session.flush()
    return changed


def bulk_stage(user: User, firms: list[Firm], to_stage: str, reason: str, today: date | None = None) -> int:
    if not (reason or "").strip():
        raise FirmError(gettext("A bulk stage change needs a reason"))
    n = sum(_stage_change(user, f, to_stage, reason.strip(), today) for f in firms)
    db.session.flush()
    return n


def assignable_officers(user: User) -> list[User]:
    q = (
        select(User)
        .where(permissions.active_with_role(ROLE_OFFICER))
        .order_by(User.county_id, User.display_name)
    )
    if not permissions.can(user, "city.view"):  # an officer assigns within their county
        q = q.where(User.county_id == user.county_id)
    return list(db.session.scalars(q))


def bulk_assign(user: User, firms: list[Firm], officer_id: int) -> int:
    """Assign an officer of the firms' own county to each firm."""
    officer = db.session.get(User, officer_id)
    if not permissions.is_officer(officer):
        raise FirmError(gettext("Choose an active county officer"))
    wrong = [f.name for f in firms if f.county_id != officer.county_id]
    if wrong:
        raise FirmError(
            gettext(
                "Officer %(name)s does not cover the counties of these firms: %(firms)s",
                name=officer.display_name,
                firms=gettext(", ").join(wrong[:5]) + (gettext(" etc.") if len(wrong) > 5 else ""),
            )
        )
    n = 0
    for f in firms:
        if f.officer_id != officer.id:
            record(
                user, "update", "firm", f.id, f.id, {"officer_id": f.officer_id}, {"officer_id": officer.id}
            )
            f.officer_id = officer.id
            n += 1
    db.session.flush()
    return n


class MilestoneSuperseded(Conflict, FirmError):
    """A form (web or API) posted to a milestone a regeneration has closed as superseded (409)."""


def check_open(ms: Milestone) -> Milestone:
    """The milestone a form writes to; one superseded since the form was opened is refused."""
    if ms.superseded:
        new = ms.superseded_by
        raise MilestoneSuperseded(
            gettext(
                "Milestone “%(title)s” was superseded by “%(new)s” when the roadmap was regenerated "
                "on %(date)s; nothing was saved. Reload the page and update the new milestone.",
                title=ms.title,
                new=new.title if new is not None else "—",
                date=ms.superseded_on.isoformat() if ms.superseded_on else "—",
            )
        )
    return ms


def update_milestone(
    user: User,
    firm: Firm,
    ms: Milestone,
    status: str,
    note: str | None,
    today: date,
    version: int | None = None,
    acknowledge: bool = True,
) -> Milestone:
    """An officer sets a milestone's status; done records who and when.

    A blank note keeps the note; the status posted back unchanged changes nothing (who confirmed a
    done milestone stays). A firm's pending progress report is marked seen when the status or the
    note changes, or when ``acknowledge`` (the inbox's and the API's explicit confirmation);
    the firm page's form posted back as it was filled changes nothing at all (issue 11).
    ``version`` is the milestone version the form was filled from: an older one is refused.
    """
    if status not in MILESTONE_STATUSES:
        raise FirmError(gettext("Unknown milestone status: %(status)s", status=status))
    check_open(ms)
    versions.check(ms, version, "milestone")
    fields = ("status", "evidence_note", "done_on", "progress_pending")
    before = snapshot(ms, fields)
    note = _blank_to_none(note)
    changed = status != ms.status or (note is not None and note != ms.evidence_note)
    if note is not None:
        ms.evidence_note = note
    if status != ms.status:
        ms.status = status
        if status == "done":
            ms.done_on = ms.done_on or today
            ms.done_by_id = user.id
        else:
            ms.done_on = None
            ms.done_by_id = None
    if changed or acknowledge:
        ms.progress_pending = False
    record(user, "update", "milestone", ms.id, firm.id, before, snapshot(ms, fields))
    db.session.flush()
    return ms


def report_progress(user: User, firm: Firm, ms: Milestone, note: str) -> Milestone:
    """A firm user reports progress; the officer sees it as pending until it is reviewed."""
    check_open(ms)
    before = snapshot(ms, ("progress_note", "progress_pending", "status"))
    ms.progress_note = note.strip()
    ms.progress_pending = True
    if ms.status == "todo":
        ms.status = "doing"
    record(
        user,
        "progress",
        "milestone",
        ms.id,
        firm.id,
        before,
        snapshot(ms, ("progress_note", "progress_pending", "status")),
    )
    from pipeline.reminders.texts import loc, pair
    from pipeline.services.notify import notify_officers

    notify_officers(
        firm,
        "progress_report",
        ms.id,
        *pair(
            "progress_report",
            firm=firm.name,
            title=loc(ms.title, ms.title_msg),
            note=ms.progress_note,
        ),
        f"/firms/{firm.id}#ms-{ms.id}",
    )
    db.session.flush()
    return ms


def _norm(value):
    """A figure as compared and stored in a submission: Decimal/int as a plain string, None stays."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    from decimal import Decimal

    if isinstance(value, (int, Decimal)):
        return format(Decimal(value).normalize(), "f")
    return str(value)


def current_year_values(firm: Firm, year: int) -> dict:
    fy = db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == firm.id, FiscalYear.year == year)
    ).first()
    return {k: (getattr(fy, k) if fy is not None else None) for k in FiscalYear.FIELDS}


def submit_figures(user: User, firm: Firm, data: dict) -> FigureSubmission:
    """Record exactly the fields the firm changed against the year's current values (issue 11).

    The form is pre-filled with the current values, so a field posted back unchanged (or left blank)
    is not part of the submission; accepting it can never touch a field the firm did not change.
    """
    values = _coerce_year(data)
    year = values.pop("year")
    current = current_year_values(firm, year)
    changed = {
        k: _norm(v)
        for k, v in values.items()
        if k in FiscalYear.FIELDS and v is not None and _norm(v) != _norm(current[k])
    }
    if not changed:
        raise FirmError(
            gettext(
                "No figure was changed: the form shows the current figures of %(year)s; change the ones that are new",
                year=year,
            )
        )
    sub = FigureSubmission(firm_id=firm.id, year=year, submitted_by_id=user.id, data=changed)
    db.session.add(sub)
    db.session.flush()
    record(user, "submit", "figure_submission", sub.id, firm.id, None, {"year": sub.year, **sub.data})
    from pipeline.reminders.texts import pair
    from pipeline.services.notify import notify_officers

    notify_officers(
        firm,
        "submission",
        sub.id,
        *pair("submission", firm=firm.name, year=year, n=len(changed)),
        f"/firms/{firm.id}#submissions",
    )
    db.session.flush()
    return sub


def recent_submissions(firm: Firm, limit: int) -> list[FigureSubmission]:
    """The firm's latest figure submissions, newest first (the firm page and the portal list them)."""
    return list(
        db.session.scalars(
            select(FigureSubmission)
            .where(FigureSubmission.firm_id == firm.id)
            .order_by(FigureSubmission.submitted_at.desc())
            .limit(limit)
        )
    )


def submission_diff(firm: Firm, sub: FigureSubmission) -> list[dict]:
    """Per submitted field: the current value, the submitted one, and whether they differ."""
    current = current_year_values(firm, sub.year)
    return [
        {"field": k, "current": _norm(current.get(k)), "submitted": v, "differs": _norm(current.get(k)) != v}
        for k, v in (sub.data or {}).items()
    ]


def review_submission(
    user: User,
    firm: Firm,
    sub: FigureSubmission,
    decision: str,
    note: str | None,
    today: date,
    fields: list[str] | None = None,
) -> FigureSubmission:
    """Accept all (``fields`` None), accept the chosen fields, or return with a reason.

    Accepting writes only submitted fields, so a field the firm did not change is never changed.
    """
    if sub.status != "pending":
        raise FirmError(gettext("This submission has already been reviewed"))
    note = _blank_to_none(note)
    if decision == "accept":
        chosen = list(sub.data) if fields is None else [k for k in fields if k in sub.data]
        if not chosen:
            raise FirmError(
                gettext("Choose at least one field to accept, or return the submission with a reason")
            )
        save_year(user, firm, {"year": sub.year, **{k: sub.data[k] for k in chosen}}, today)
        sub.status = "accepted" if len(chosen) == len(sub.data) else "partial"
        sub.accepted_fields = chosen
    elif decision == "reject":
        if not note:
            raise FirmError(gettext("Review comments: give the reason for returning the submission"))
        sub.status = "rejected"
    else:
        raise FirmError(gettext("Unknown review decision: %(d)s", d=decision))
    sub.reviewed_by_id = user.id
    sub.reviewed_at = utcnow()
    sub.review_note = note
    record(
        user,
        "review",
        "figure_submission",
        sub.id,
        firm.id,
        {"status": "pending"},
        {"status": sub.status, "note": sub.review_note, "fields": getattr(sub, "accepted_fields", None)},
    )
    from pipeline.reminders.texts import label, pair
    from pipeline.services.notify import notify_firm
    from pipeline.vocabulary import SUBMISSION_STATUSES

    notify_firm(
        firm,
        "submission_decision",
        sub.id,
        *pair(
            "submission_decision",
            year=sub.year,
            status=label(SUBMISSION_STATUSES.get(sub.status, sub.status)),
            note=sub.review_note or "",
        ),
        "/portal/#submissions",
    )
    db.session.flush()
    return sub


def officer_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
