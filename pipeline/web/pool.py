"""The pool (培育库): the filtered list, the kanban by stage, stage moves and bulk actions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from pipeline import clock
from pipeline.extensions import db
from pipeline.forms import BulkForm, StageForm
from pipeline.i18n import join_errors, tl
from pipeline.models import County, Firm
from pipeline.services import firms as firm_service
from pipeline.services import scope
from pipeline.services.scope import scope_filter, visible_firms
from pipeline.vocabulary import POOL_LEVELS, STAGES, VERDICTS
from pipeline.web import fragments
from pipeline.web.auth import requires
from pipeline.web.transaction import refuse

bp = Blueprint("pool", __name__, url_prefix="/pool")

KANBAN_LIMIT = 20


def _filter_args() -> dict:
    """The current list's filters without paging, for links that keep them (sort, export)."""
    return {k: v for k, v in request.args.items() if k not in ("page",) and v}


@bp.get("/")
@requires("pool.view")
def index():
    """The list. Its content is rendered once per user, query string, day, language and data stamp
    (issue 15: ``web/fragments.py``); the access check above and the layout run on every request."""
    today = clock.today()
    key = (current_user.id, today, request.query_string)
    content = fragments.cached_block(
        "pool_index", key, "pool/index.html", "content", lambda: _index_context(today)
    )
    return render_template("pool/index.html", content_html=content)


def _index_context(today) -> dict:
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PAGE_SIZE"]
    items, total, page, pages = firm_service.pool_page(current_user, request.args, today, page, per_page)
    bulk = BulkForm()
    bulk.officer_id.choices = [
        (o.id, f"{o.display_name}（{o.county.name if o.county else ''}）")
        for o in firm_service.assignable_officers(current_user)
    ]
    counties = scope.visible_counties(current_user)
    county_names = {c.id: c.name for c in counties}
    missing = {r.county_id for r in items} - county_names.keys()
    if missing:  # an officer sees only their county in the filter; a row never shows another, but be safe
        county_names.update(
            db.session.execute(select(County.id, County.name).where(County.id.in_(missing))).all()
        )
    return dict(
        items=items,
        total=total,
        page=page,
        pages=pages,
        counties=counties,
        stages=STAGES,
        levels=POOL_LEVELS,
        verdicts=VERDICTS,
        args=_filter_args(),
        bulk=bulk,
        today=today,
        expiry_days=firm_service.EXPIRY_DAYS,
        county_names=county_names,
        officer_names=firm_service.officer_names(
            [r.officer_id for r in items] + [r.leader_id for r in items] + _person_args()
        ),
        **_issue18_flags(items, today),
        # labels in the UI language once per request, not once per cell
        stage_names={k: tl(v) for k, v in STAGES.items()},
        level_names={k: tl(v) for k, v in POOL_LEVELS.items()},
        verdict_names={k: tl(v) for k, v in VERDICTS.items()},
        select_label=_("Select %(name)s"),
        firm_url=url_for("firm.show", firm_id=0)[:-1],
    )


def _person_args() -> list[int]:
    return [int(request.args[k]) for k in ("officer", "leader") if (request.args.get(k) or "").isdigit()]


def _issue18_flags(items, today) -> dict:
    """Stalled and 退库-suggested rows of this page, and each row's days in stage (issue 18)."""
    from pipeline.services import stalls

    ids = [r.id for r in items]
    return {
        "stalled": stalls.stalled_ids(ids, today),
        "exit_suggested": stalls.exit_suggested_ids(ids),
        "stalled_days": stalls.stalled_days(),
        "in_stage_days": {
            r.id: stalls.days_since(r.stage_since, today) for r in items if r.stage_since is not None
        },
    }


@bp.post("/bulk")
@requires("firm.assign")
def bulk():
    form = BulkForm()
    form.officer_id.choices = [(o.id, o.display_name) for o in firm_service.assignable_officers(current_user)]
    back = request.form.get("back") or ""
    back = back if back.startswith("/pool") and not back.startswith("//") else url_for("pool.index")
    ids = [int(i) for i in request.form.getlist("firm_ids") if i.isdigit()]
    if request.form.get("all_matching") == "1":  # issue 17: every firm the list's filters match
        matching = _all_matching(request.form.get("filters") or "")
        if str(len(matching)) != (request.form.get("matching") or ""):
            flash(
                _(
                    "The list changed since the page was opened: %(n)s firms match the filters now. "
                    "Check the list and apply again; nothing was changed.",
                    n=len(matching),
                ),
                "danger",
            )
            return redirect(back)
        ids = matching
    if not ids:
        flash(_("Select the firms to process first."), "warning")
        return redirect(back)
    firms = list(db.session.scalars(visible_firms(current_user).where(Firm.id.in_(ids))))
    if len(firms) != len(set(ids)):
        flash(_("Some of the selected firms are outside your jurisdiction; nothing was changed."), "danger")
        return redirect(back)
    if not form.validate():
        flash(join_errors(form.errors, form), "danger")
        return redirect(back)
    try:
        if form.action.data == "assign":
            n = firm_service.bulk_assign(current_user, firms, form.officer_id.data)
            flash(_("Officer assigned to %(n)s firms.", n=n), "success")
        elif form.action.data == "leader":  # issue 18: 包联 leader
            from pipeline.services.responsibility import bulk_set

            if not form.officer_id.data:
                raise firm_service.FirmError(_("Choose the officer who becomes the Baolian leader"))
            n = bulk_set(current_user, firms, "leader_id", form.officer_id.data)
            flash(_("Baolian leader set for %(n)s firms.", n=n), "success")
        else:
            n = firm_service.bulk_stage(current_user, firms, form.stage.data, form.reason.data, clock.today())
            flash(_("Moved %(n)s firms to “%(stage)s”.", n=n, stage=tl(STAGES[form.stage.data])), "success")
    except firm_service.FirmError as exc:
        refuse(str(exc))
    return redirect(back)


def _all_matching(filters: str) -> list[int]:
    """The ids of every firm in scope that the list's filters (its query string) match."""
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    params = MultiDict([(k, v) for k, v in parse_qsl(filters) if k not in ("page", "sort", "dir")])
    q = firm_service.pool_query(current_user, params, clock.today(), columns=[Firm.id], order=False)
    return list(db.session.scalars(q))


def _kanban_scope() -> tuple[int | None, list]:
    county = request.args.get("county", type=int)
    return county, [scope_filter(current_user)] + ([Firm.county_id == county] if county else [])


@bp.get("/kanban")
@requires("pool.view")
def kanban():
    """The columns with their counts (one GROUP BY); each column's cards load lazily, a page at a time."""
    county, where = _kanban_scope()
    counts = dict(
        db.session.execute(select(Firm.stage, func.count()).where(*where).group_by(Firm.stage)).all()
    )
    columns = [{"code": code, "label": label, "count": counts.get(code, 0)} for code, label in STAGES.items()]
    return render_template(
        "pool/kanban.html",
        columns=columns,
        counties=scope.visible_counties(current_user),
        county=county,
        limit=KANBAN_LIMIT,
    )


@bp.get("/kanban/column/<stage>")
@requires("pool.view")
def kanban_column(stage: str):
    """One page of one kanban column as an HTML fragment (the kanban page fetches it; "more" appends)."""
    if stage not in STAGES:
        abort(404)
    # issue 15: the fragment is rendered once per user, column, query, language and data stamp
    key = (current_user.id, stage, request.query_string)
    return fragments.cached_html("kanban_column", key, lambda: _kanban_column_html(stage))


def _kanban_column_html(stage: str) -> str:
    county, where = _kanban_scope()
    where.append(Firm.stage == stage)
    total = db.session.scalar(select(func.count()).select_from(Firm).where(*where)) or 0
    pages = max(1, -(-total // KANBAN_LIMIT))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    from pipeline.models import Assessment

    firms = db.session.execute(
        select(
            Firm.id,
            Firm.name,
            Firm.county_id,
            Firm.tech_domain,
            Firm.stage,
            Assessment.verdict,
            Assessment.score_min,
            Assessment.score_max,
        )
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .where(*where)
        .order_by(Firm.stage_changed_at.desc().nulls_last(), Firm.name, Firm.id)
        .limit(KANBAN_LIMIT)
        .offset((page - 1) * KANBAN_LIMIT)
    ).all()
    moves = _last_moves([f.id for f in firms])  # issue 17: who moved the card, when and why
    county_names = (
        dict(
            db.session.execute(
                select(County.id, County.name).where(County.id.in_({f.county_id for f in firms}))
            ).all()
        )
        if firms
        else {}
    )
    return render_template(
        "pool/_kanban_column.html",
        code=stage,
        firms=firms,
        total=total,
        page=page,
        pages=pages,
        county=county,
        county_names=county_names,
        limit=KANBAN_LIMIT,
        stage_names={k: tl(v) for k, v in STAGES.items()},
        verdict_names={k: tl(v) for k, v in VERDICTS.items()},
        moves=moves,
        shown=min(total, page * KANBAN_LIMIT),
    )


def _last_moves(firm_ids: list[int]) -> dict[int, dict]:
    """The newest stage change of each firm on a kanban page, with who made it (two queries)."""
    from pipeline.models import StageChange, User

    if not firm_ids:
        return {}
    newest = (
        select(func.max(StageChange.id))
        .where(StageChange.firm_id.in_(firm_ids))
        .group_by(StageChange.firm_id)
    )
    rows = db.session.execute(
        select(StageChange.firm_id, StageChange.at, StageChange.reason, User.display_name)
        .outerjoin(User, User.id == StageChange.user_id)
        .where(StageChange.id.in_(newest))
    ).all()
    return {r.firm_id: {"at": r.at, "reason": r.reason, "by": r.display_name} for r in rows}


@bp.post("/firms/<int:firm_id>/stage")
@requires("firm.move_stage")
def move(firm: Firm):
    form = StageForm()
    back = (
        url_for("pool.kanban", county=request.form.get("county", type=int) or None)
        if request.form.get("from") == "kanban"
        else url_for("firm.show", firm_id=firm.id)
    )
    if not form.validate():
        flash(
            _(
                "Could not change the stage of “%(firm)s”: %(errors)s",
                firm=firm.name,
                errors=join_errors(form.errors),
            ),
            "danger",
        )
        return redirect(back)
    try:
        reason = form.reason.data
        if request.form.get("suggestion") == "exit" and form.stage.data == "exited":  # issue 18
            reason = _(
                "Two failed applications in a row (exit suggested): %(reason)s", reason=reason.strip()
            )[:500]
        if firm_service.move_stage(current_user, firm, form.stage.data, reason, clock.today()):
            flash(
                _("Moved “%(firm)s” to “%(stage)s”.", firm=firm.name, stage=tl(STAGES[form.stage.data])),
                "success",
            )
        else:
            flash(
                _(
                    "“%(firm)s” is already at the “%(stage)s” stage.",
                    firm=firm.name,
                    stage=tl(STAGES[form.stage.data]),
                ),
                "info",
            )
    except firm_service.FirmError as exc:
        refuse(str(exc))
    return redirect(back)
