"""The pool (培育库): the filtered list, the kanban by stage, stage moves and bulk actions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pipeline import clock
from pipeline.forms import BulkForm, StageForm
from pipeline.i18n import join_errors, tl
from pipeline.models import Firm
from pipeline.services import firms as firm_service
from pipeline.services import pool as pool_service
from pipeline.services import scope
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
    items, total, page, pages = pool_service.pool_page(current_user, request.args, today, page, per_page)
    bulk = BulkForm()
    bulk.officer_id.choices = [
        (o.id, f"{o.display_name}（{o.county.name if o.county else ''}）")
        for o in firm_service.assignable_officers(current_user)
    ]
    counties = scope.visible_counties(current_user)
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
        expiry_days=pool_service.EXPIRY_DAYS,
        county_names=pool_service.county_names(counties, items),
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
        matching = pool_service.matching_ids(current_user, request.form.get("filters") or "", clock.today())
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
    firms = pool_service.firms_in_scope(current_user, ids)
    if firms is None:
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


@bp.get("/kanban")
@requires("pool.view")
def kanban():
    """The columns with their counts (one GROUP BY); each column's cards load lazily, a page at a time.
    The page's content is rendered once per user, query string, language and data stamp (issue 15)."""
    key = (current_user.id, request.query_string)
    content = fragments.cached_block("pool_kanban", key, "pool/kanban.html", "content", _kanban_context)
    return render_template("pool/kanban.html", content_html=content)


def _kanban_context() -> dict:
    county = request.args.get("county", type=int)
    counts = pool_service.kanban_counts(current_user, county)
    columns = [{"code": code, "label": label, "count": counts.get(code, 0)} for code, label in STAGES.items()]
    return dict(
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
    county = request.args.get("county", type=int)
    page = request.args.get("page", 1, type=int)
    col = pool_service.kanban_page(current_user, stage, county, page, KANBAN_LIMIT)
    return render_template(
        "pool/_kanban_column.html",
        code=stage,
        firms=col.firms,
        total=col.total,
        page=col.page,
        pages=col.pages,
        county=county,
        county_names=col.county_names,
        limit=KANBAN_LIMIT,
        stage_names={k: tl(v) for k, v in STAGES.items()},
        verdict_names={k: tl(v) for k, v in VERDICTS.items()},
        moves=col.moves,
        shown=min(col.total, col.page * KANBAN_LIMIT),
    )


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
