"""The firm page: profile, figures, IP, 成果转化, evidence, incidents, assessment, roadmap, history.

Every route gets the firm (and its child row) from the scoped loader (``web/loader.py``) before it runs.
Firm users may read their own firm's page; editing is for officers and admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from pipeline import clock, permissions
from pipeline.errors import Conflict
from pipeline.forms import (
    ConversionForm,
    DeleteForm,
    EvidenceForm,
    FirmForm,
    IncidentForm,
    IPForm,
    ReviewForm,
    StageForm,
    WhatIfForm,
    YearForm,
)
from pipeline.i18n import join_errors
from pipeline.models import FigureSubmission, Firm, FiscalYear
from pipeline.models.firm import RD_PIECES
from pipeline.services import firm_page, versions
from pipeline.services import firms as firm_service
from pipeline.vocabulary import (
    CONDITION_STATUSES,
    CONDITIONS,
    RATIO_CONDITIONS,
    SCORE_ITEMS,
    STAGES,
    SUBMISSION_STATUSES,
    TSME_ITEMS,
    VERDICTS,
    item_label,
)
from pipeline.web import fragments
from pipeline.web.auth import requires
from pipeline.web.errors import put_on_form
from pipeline.web.transaction import refuse

bp = Blueprint("firm", __name__, url_prefix="/firms")


@bp.app_template_filter("item_label")
def _item_label_filter(code: str) -> str:
    return item_label(str(code))


def _step(points, out_of) -> int:
    """A bar width as a CSS class step (0, 5, … 100): CSP forbids inline style attributes."""
    if not out_of:
        return 0
    return max(0, min(100, int(round(float(points) / out_of * 20)) * 5))


def assessment_view(result: dict | None) -> dict | None:
    """The cached engine output arranged for the page: conditions, score bars, tech-SME, gaps."""
    if not result:
        return None
    conditions = []
    for code, c in (result.get("conditions") or {}).items():
        value, required = c.get("value"), c.get("required")
        if code in RATIO_CONDITIONS:
            value = None if value is None else f"{float(value) * 100:.2f}%"
            required = None if required is None else f"≥{float(required) * 100:.0f}%"
        elif isinstance(value, bool):
            value, required = ("有" if value else "无"), ("无" if required is False else required)
        conditions.append(
            {
                "code": code,
                "name": CONDITIONS.get(code, code),
                "status": c.get("status"),
                "status_label": CONDITION_STATUSES.get(c.get("status"), c.get("status")),
                "value": value,
                "required": required,
                "explain": c.get("explain"),
                "explain_msg": c.get("explain_msg"),
            }
        )
    score = result.get("score") or {}
    items = score.get("items") or {}
    bars = []
    for key, label, top in SCORE_ITEMS:
        lo, hi = items.get(key, [0, 0])
        bars.append(
            {
                "key": key,
                "label": label,
                "min": lo,
                "max": hi,
                "top": top,
                "w_min": _step(lo, top),
                "w_max": _step(hi, top),
                "sub": label.startswith("·"),
            }
        )
    tsme = result.get("tsme")
    tsme_bars = []
    if tsme:
        for key, label, top in TSME_ITEMS:
            v = (tsme.get("items") or {}).get(key, 0)
            tsme_bars.append({"label": label, "value": v, "top": top, "w": _step(v, top)})
    return {
        "verdict": result.get("verdict"),
        "verdict_label": VERDICTS.get(result.get("verdict"), ""),
        "application_year": result.get("application_year"),
        "rules_version": result.get("rules_version"),
        "conditions": conditions,
        "score_min": score.get("min"),
        "score_max": score.get("max"),
        "w_total_min": _step(score.get("min", 0), 100),
        "w_total_max": _step(score.get("max", 0), 100),
        "bars": bars,
        "tsme": tsme,
        "tsme_bars": tsme_bars,
        "gaps": result.get("gaps") or [],
    }


def _form_errors(form) -> str:
    return join_errors(form.errors, form)


@bp.get("/<int:firm_id>")
@requires("firm.view")
def show(firm: Firm):
    """The firm page: the read-only content is rendered once per firm, viewer role, day, locale and data
    stamp (issue 15); the forms pre-filled from the data are rendered on every request into its holes.
    The scoped loader has checked access before the view runs (on every request, cached or not)."""
    editable = permissions.can(current_user, "firm.edit")
    today = clock.today()
    draft = session.pop("milestone_draft", None)  # a refused stale form, shown again
    html = fragments.cached_html(
        "firm_page", (firm.id, editable, today), lambda: _content(firm, editable, today)
    )
    content = LiveParts(firm, editable, draft).fill(html)
    return render_template("firm/show.html", firm=firm, content=content)


def _content(firm, editable: bool, today) -> Markup:
    """The page's read-only content (with holes for the live forms)."""
    rows = firm_page.content_rows(firm.id)
    history = rows.history
    return fragments.render_fragment(
        "firm/_content.html",
        firm=firm,
        time_in_stage=_time_in_stage(firm),
        assessment=rows.assessment,
        view=assessment_view(rows.explained),
        roadmap=rows.roadmap,
        editable=editable,
        present=firm_page.present_pieces(firm.id),
        pieces=RD_PIECES,
        whatif_form=WhatIfForm(),
        delete_form=DeleteForm(),
        history=history,
        history_names=_officer_names(history),
        stages=STAGES,
        today=today,
    )


class LiveParts:
    """The holes of the firm page's (and the portal's) content. Each form is rendered from rows read on this request
    (memoized by exactly those values: ``fragments.form``), never from the cached content."""

    def __init__(self, firm, editable: bool, draft, source: str = "firm"):
        self.firm, self.editable, self.draft, self.source = firm, editable, draft, source
        self._macros: dict = {}

    def __call__(self, name: str) -> str:
        kind, _, arg = name.partition(":")
        part = getattr(self, "part_" + kind.replace("-", "_"), None)
        if part is None:
            raise KeyError(name)
        return part(arg)

    def fill(self, html: str) -> Markup:
        """The content with every hole filled from this request's rows. Unless a refused form is shown
        again or a submission waits for review (both rendered live), the filled page is memoized by
        every value its forms are rendered from (``fragments.fill_memo``)."""
        if self.draft or self.live.has_submissions:
            return fragments.fill(html, self)
        firm = self.firm
        values = (
            firm.id,
            self.editable,
            self.source,
            firm.stage,
            firm.hnte_cert_expiry,
            tuple(self.live.ms.values()),
            tuple(self.live.annual.values()) if self.editable else (),
            self.live.present if self.editable else (),
        )
        return fragments.fill_memo(values, html, self)

    @cached_property
    def live(self) -> firm_page.Live:
        """Everything the holes are rendered from, in one statement per request."""
        return firm_page.live_state(self.firm.id)

    def macros(self, template: str):
        if template not in self._macros:
            self._macros[template] = fragments.macros(template)
        return self._macros[template]

    def part_ms(self, arg: str) -> str:
        firm, editable = self.firm, self.editable
        m = self.live.ms.get(int(arg))
        if m is None:
            return ""
        timeline = self.macros("roadmap/_timeline.html")
        if self.draft and self.draft.get("id") == m.id:  # a refused stale form shown again: never kept
            return timeline.ms_actions(firm, m, editable, self.source, self.draft)
        key = (firm.id, m.id, m.status, m.version, editable, self.source)
        return fragments.form("ms_actions", key, lambda: timeline.ms_actions(firm, m, editable, self.source))

    def part_annual(self, arg: str) -> str:
        from pipeline.web.compliance import report_form

        firm, year = self.firm, int(arg)
        rec = self.live.annual.get(year)
        macro = self.macros("firm/_compliance.html").report_form
        key = (firm.id, year, *(tuple(rec) if rec else ()))
        return fragments.form("report_form", key, lambda: macro(firm, report_form(year, rec)))

    def part_evidence(self, arg: str) -> str:
        firm, present = self.firm, self.live.present
        macro = self.macros("firm/_forms.html").evidence
        return fragments.form(
            "evidence_form", (firm.id, present), lambda: macro(firm, _evidence_form(present))
        )

    def part_stage(self, arg: str) -> str:
        firm, macro = self.firm, self.macros("firm/_forms.html").stage
        return fragments.form(
            "stage_form", (firm.id, firm.stage), lambda: macro(firm, StageForm(stage=firm.stage))
        )

    def part_cert_expired(self, arg: str) -> str:
        firm, macro = self.firm, self.macros("firm/_forms.html").cert_expired
        return fragments.form(
            "cert_expired_form", (firm.id, firm.hnte_cert_expiry), lambda: macro(firm, STAGES)
        )

    def part_exit(self, arg: str) -> str:
        firm, macro = self.firm, self.macros("firm/_forms.html").exit_suggestion
        return fragments.form("exit_form", (firm.id,), lambda: macro(firm, STAGES))

    def part_submissions(self, arg: str) -> str:
        return _submissions(
            self.firm, self.editable, self.macros("firm/_forms.html"), self.live.has_submissions
        )


def _evidence_form(present) -> EvidenceForm:
    form = EvidenceForm()
    for key in RD_PIECES:
        form[f"piece_{key}"].data = key in present
    return form


def _submissions(firm, editable: bool, forms, any_submission: bool) -> str:
    """The firm's submissions with the review form of a pending one (rendered live: usually none)."""
    if not any_submission:
        empty = forms.submissions_section
        return fragments.form(
            "no_submissions", (editable,), lambda: empty(firm, [], {}, editable, None, {}, {})
        )
    submissions = firm_service.recent_submissions(firm, 20)
    return forms.submissions_section(
        firm,
        submissions,
        {sub.id: firm_service.submission_diff(firm, sub) for sub in submissions},
        editable,
        ReviewForm(),
        {f.name: f.label.text for f in YearForm() if f.name in FiscalYear.FIELDS},
        SUBMISSION_STATUSES,
    )


def _time_in_stage(firm) -> dict:
    """Issue 18: days at the current stage, stalled, 退库 suggested, and when re-entry is allowed."""
    from pipeline.services import stalls

    today = clock.today()
    left = stalls.exited_on(firm)
    return {
        "since": stalls.stage_since(firm),
        "days": stalls.days_in_stage(firm, today),
        "stalled": firm.id in stalls.stalled_ids([firm.id], today),
        "stalled_days": stalls.stalled_days(),
        "exit_failures": stalls.exit_suggestion(firm),
        "exited_on": left,
        "re_entry_year": left.year + 1 if left else None,
    }


def _save(form, action, title: str, firm, anchor: str):
    """The shared GET/POST of an edit page: validate, call the service, flash, back to the section."""
    edit_link, status = None, 200
    if form.validate_on_submit():
        try:
            action(form)
        except versions.StaleRecord as exc:
            # Issue 11: filled from an older version; nothing written, the entries stay in the form,
            # which now carries the current version (saving again is a deliberate overwrite).
            form.form_errors.append(str(exc))
            form.version.data = exc.current
            status = 409
        except firm_service.YearExists as exc:
            form.year.errors.append(str(exc))
            edit_link = url_for("firm.year_edit", firm_id=firm.id, year=exc.year)
            status = 409  # issue 13: an error status, so the request's boundary keeps nothing
        except Conflict as exc:  # issue 13: e.g. a credit code another firm has, under its field
            put_on_form(form, exc)
            status = 409
        except firm_service.FirmError as exc:
            form.form_errors.append(str(exc))
            status = 422
        else:
            flash(_("Saved: %(title)s.", title=title), "success")
            return redirect(url_for("firm.show", firm_id=firm.id, _anchor=anchor))
    return render_template(
        "firm/form.html",
        form=form,
        firm=firm,
        title=title,
        edit_link=edit_link,
        back=url_for("firm.show", firm_id=firm.id, _anchor=anchor),
    ), status


@bp.route("/<int:firm_id>/edit", methods=["GET", "POST"])
@requires("firm.edit")
def edit(firm: Firm):
    from pipeline.services.responsibility import form_choices

    form = FirmForm(obj=firm)
    for name, choices in form_choices(current_user, firm).items():
        form[name].choices = choices
    return _save(
        form,
        lambda f: firm_service.update_firm(
            current_user,
            firm,
            f.data,
            clock.today(),
            version=versions.posted_version(f.version.data),
            labels=versions.form_labels(f),
        ),
        _("Firm profile"),
        firm,
        "profile",
    )


@dataclass(frozen=True)
class NewRowPage:
    """A firm's "new row" page: its form, what GET pre-fills, the service call, title and section."""

    form: type
    title: str  # lazy: translated when the page is shown
    anchor: str
    save: Callable  # (user, firm, form, today) -> row
    prefill: Callable | None = None  # (form, today) on GET


def _prefill_year(form, today) -> None:
    if form.year.data is None:
        form.year.data = today.year - 1


NEW_ROWS = {
    "years": NewRowPage(
        YearForm,
        _l("Annual finance and staff data"),
        "years",
        lambda u, firm, f, today: firm_service.save_year(u, firm, f.data, today, create_only=True),
        _prefill_year,
    ),
    "ip": NewRowPage(
        IPForm,
        _l("Intellectual property"),
        "ip",
        lambda u, firm, f, today: firm_service.add_ip(u, firm, f.data, today),
    ),
    "conversions": NewRowPage(
        ConversionForm,
        _l("Technology transfer"),
        "conversions",
        lambda u, firm, f, today: firm_service.add_conversion(
            u, firm, f.year.data, f.title.data, f.method.data, today
        ),
        lambda form, today: setattr(form.year, "data", today.year),
    ),
    "incidents": NewRowPage(
        IncidentForm,
        _l("Incidents and violations"),
        "incidents",
        lambda u, firm, f, today: firm_service.add_incident(
            u, firm, f.occurred_on.data, f.kind.data, f.description.data, today
        ),
    ),
}


def new_row(firm: Firm, kind: str):
    """One view for every "new row" page of a firm (the scoped loader has fetched ``firm``)."""
    page, today = NEW_ROWS[kind], clock.today()
    form = page.form()
    if request.method == "GET" and page.prefill is not None:
        page.prefill(form, today)
    return _save(form, lambda f: page.save(current_user, firm, f, today), str(page.title), firm, page.anchor)


def _new_row_view(kind: str):
    def view(firm: Firm):
        return new_row(firm, kind)

    view.__name__ = view.__qualname__ = f"new_row_{kind}"
    return requires("firm.edit")(view)


for _kind, _endpoint in (
    ("years", "year_new"),
    ("ip", "ip_new"),
    ("conversions", "conversion_new"),
    ("incidents", "incident_new"),
):
    bp.add_url_rule(f"/<int:firm_id>/{_kind}/new", _endpoint, _new_row_view(_kind), methods=["GET", "POST"])


@bp.route("/<int:firm_id>/years/<int:year>/edit", methods=["GET", "POST"])
@requires("firm.edit")
def year_edit(firm: Firm, fiscal_year: FiscalYear):
    year = fiscal_year.year
    form = YearForm(obj=fiscal_year)
    return _save(
        form,
        lambda f: firm_service.save_year(
            current_user,
            firm,
            {**f.data, "year": year},
            clock.today(),
            version=versions.posted_version(f.version.data),
            labels=versions.form_labels(f),
        ),
        _("Figures for %(year)s", year=year),
        firm,
        "years",
    )


# The rows a firm's delete button names (the loader's ``CHILD_KINDS`` finds the row): their audited
# fields and the page section to go back to.
_DELETABLE = {
    "years": (firm_service.YEAR_FIELDS, "years"),
    "ip": (firm_service.IP_FIELDS, "ip"),
    "conversions": (("year", "title", "form"), "conversions"),
    "incidents": (("occurred_on", "kind", "description"), "incidents"),
}


@bp.post("/<int:firm_id>/<kind>/<int:child_id>/delete")
@requires("firm.edit")
def delete_child(firm: Firm, kind: str, child):
    if not DeleteForm().validate():
        abort(400)
    fields, anchor = _DELETABLE[kind]
    firm_service.delete_child(current_user, firm, child, fields, clock.today())
    flash(_("The record has been deleted."), "success")
    return redirect(url_for("firm.show", firm_id=firm.id, _anchor=anchor))


@bp.post("/<int:firm_id>/evidence")
@requires("firm.edit")
def evidence(firm: Firm):
    form = EvidenceForm()
    if not form.validate():
        abort(400)
    present = {key for key in RD_PIECES if form[f"piece_{key}"].data}
    firm_service.set_evidence(current_user, firm, present, clock.today())
    flash(
        _("R&D management evidence updated (%(n)s of %(total)s).", n=len(present), total=len(RD_PIECES)),
        "success",
    )
    return redirect(url_for("firm.show", firm_id=firm.id, _anchor="evidence"))


def _officer_names(history) -> dict[int, str]:
    """Names of the officers an assignment in the history names (one query)."""
    from pipeline.services.firms import officer_names

    ids = {
        v
        for h in history
        for side in (h.before, h.after)
        if isinstance(side, dict)
        for k, v in side.items()
        if k == "officer_id" and v
    }
    return officer_names(ids) if ids else {}


@bp.post("/<int:firm_id>/submissions/<int:submission_id>/review")
@requires("submission.review")
def review(firm: Firm, submission: FigureSubmission):
    form = ReviewForm()
    if not form.validate():
        flash(_("Review not completed: %(errors)s", errors=_form_errors(form)), "danger")
    else:
        try:
            decision = form.decision.data
            fields = request.form.getlist("fields") if decision == "accept_selected" else None
            sub = firm_service.review_submission(
                current_user,
                firm,
                submission,
                "reject" if decision == "reject" else "accept",
                form.review_note.data,
                clock.today(),
                fields=fields,
            )
            flash(
                _("The figures submitted for %(year)s have been accepted.", year=sub.year)
                if sub.status == "accepted"
                else _(
                    "%(n)s of the figures submitted for %(year)s have been accepted.",
                    n=len(sub.accepted_fields or []),
                    year=sub.year,
                )
                if sub.status == "partial"
                else _("The figures submitted for %(year)s have been returned.", year=sub.year),
                "success",
            )
        except firm_service.FirmError as exc:
            refuse(_("Could not accept: %(error)s", error=exc))
    return redirect(url_for("firm.show", firm_id=firm.id, _anchor="submissions"))
