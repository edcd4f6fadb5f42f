"""JSON API ``/api/v1``: personal bearer tokens, the same scopes as the pages, Chinese errors.

Token auth only — a browser session cookie never authenticates here, so the blueprint is exempt
from CSRF. Every firm is fetched through ``services.scope``; out of scope is 404. Errors are always
``{"error": {"code", "message"}}``; the OpenAPI document is ``pipeline/web/openapi.py``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from pipeline import clock, permissions
from pipeline.extensions import csrf
from pipeline.models import Firm, Milestone
from pipeline.services import firm_summaries, roadmaps, stamp
from pipeline.services.certificates import state as cert_state
from pipeline.vocabulary import MILESTONE_STATUS_LABELS, MILESTONE_STATUSES, STAGES
from pipeline.web.errors import api_error_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_PER_PAGE = 200
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # tab, LF and CR are fine in notes
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL; larger ones cannot exist
VERDICT_FILTERS = ("ready", "marginal", "not_ready", "incomplete", "unassessed")


class ApiError(Exception):
    def __init__(self, code: int, message: str | None):
        super().__init__(message)
        self.code, self.message = code, message


def _error(code: int, message: str | None = None):
    resp = jsonify(api_error_body(code, message))
    resp.status_code = code
    if code == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return _error(exc.code, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error(exc.code or 500, None)


def authenticate():
    """The bearer token's user, or ``(None, the 401 response)``; checked once per request (the scoped
    loader asks first, then ``token_required``), kept in the request's environ, never in ``g``."""
    from pipeline.services.tokens import user_for_token

    known = request.environ.get("pipeline.api_user")
    if known is not None:
        g.api_user = known
        return known, None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None, _error(401, "缺少访问令牌：请在请求头 Authorization 中提供 “Bearer <令牌>”。")
    user = user_for_token(raw.strip())
    if user is None:
        return None, _error(401, "访问令牌无效、已撤销或账号已停用。")
    g.api_user = request.environ["pipeline.api_user"] = user
    return user, None


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        _user, error = authenticate()
        if error is not None:
            return error
        return view(*args, **kwargs)

    return wrapped


def _today() -> date:
    return clock.today()


def _int_arg(name: str, default: int | None, lo: int | None = None, hi: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"参数 {name} 必须是整数，收到“{raw[:20]}”。") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"{lo}–{hi}" if hi is not None else f"≥{lo}"
        raise ApiError(422, f"参数 {name} 超出范围（{rng}），收到 {value}。")
    return value


def _iso(d) -> str | None:
    return None if d is None else d.isoformat()


def _firm_summary(firm, county: str | None, assessment, target_batch: int | None, today: date) -> dict:
    """A firm as the list and the firm endpoint give it. ``firm`` and ``assessment`` are the ORM rows
    or one flat row of ``firm_summaries.SUMMARY_COLUMNS`` (the list reads no entity and no assessment JSON)."""
    return {
        "id": firm.id,
        "name": firm.name,
        "credit_code": firm.credit_code,
        "county_id": firm.county_id,
        "county": county,
        "stage": firm.stage,
        "stage_label": STAGES.get(firm.stage, firm.stage),
        "pool_level": firm.pool_level,
        "tech_domain": firm.tech_domain,
        "hnte_cert_expiry": _iso(firm.hnte_cert_expiry),
        "tsme_year": firm.tsme_year,
        "hnte_cert_state": cert_state(firm.hnte_cert_date, firm.hnte_cert_expiry, today),
        "town_id": firm.town_id,
        "chain_id": firm.chain_id,
        "verdict": assessment.verdict if assessment else None,
        "score_min": assessment.score_min if assessment else None,
        "score_max": assessment.score_max if assessment else None,
        "target_batch": target_batch,
    }


def _milestone(ms: Milestone) -> dict:
    return {
        "id": ms.id,
        "code": ms.code,
        "title": ms.title,
        "addresses": ms.addresses or [],
        "basis": ms.basis,
        "due": _iso(ms.due),
        "owner": ms.owner,
        "status": ms.status,
        "status_label": MILESTONE_STATUS_LABELS.get(ms.status, ms.status),
        "evidence_note": ms.evidence_note,
        "progress_note": ms.progress_note,
        "progress_pending": bool(ms.progress_pending),
        "done_on": _iso(ms.done_on),
        "manual": bool(ms.manual),
        "superseded_by_id": ms.superseded_by_id,
        "version": ms.version,
    }


# ------------------------------------------------------------------ firms


@bp.get("/firms")
@token_required
def firms():
    user = g.api_user
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    county_id = _int_arg("county", None, 1, MAX_ID)
    town_id = _int_arg("town", None, 1, MAX_ID)
    chain_id = _int_arg("chain", None, 1, MAX_ID)
    stage = request.args.get("stage") or None
    verdict = request.args.get("verdict") or None
    q = (request.args.get("q") or "").strip()
    if stage is not None and stage not in STAGES:
        raise ApiError(422, f"参数 stage 取值无效：“{stage[:20]}”，可选：{', '.join(STAGES)}。")
    if verdict is not None and verdict not in VERDICT_FILTERS:
        raise ApiError(422, f"参数 verdict 取值无效：“{verdict[:20]}”，可选：{', '.join(VERDICT_FILTERS)}。")
    if len(q) > 100:
        raise ApiError(422, "参数 q 过长（最多 100 个字符）。")
    if _CONTROL.search(q):
        raise ApiError(422, "参数 q 含有不可见的控制字符。")
    params = (page, per_page, county_id, town_id, chain_id, stage, verdict, q)
    today = _today()
    # issue 15: the page of JSON is built once per user, filters, day and data stamp
    body = stamp.cached("api_firms", (user.id, today, params), lambda: _firms_json(user, today, *params))
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _firms_json(user, today, page, per_page, county_id, town_id, chain_id, stage, verdict, q) -> str:
    """One page of the firm list as JSON text: plain columns (``SUMMARY_COLUMNS``), no entities."""
    filters = firm_summaries.FirmFilters(county_id, town_id, chain_id, stage, verdict, q)
    rows, total = firm_summaries.firm_page(user, filters, page, per_page)
    return (
        current_app.json.dumps(
            {
                "items": [_firm_summary(r, r.county, r, r.target_batch, today) for r in rows],
                "page": page,
                "per_page": per_page,
                "total": total,
                "pages": (total + per_page - 1) // per_page,
            },
            separators=(",", ":"),  # as jsonify writes it
        )
        + "\n"
    )


@bp.get("/firms/<int:firm_id>")
@token_required
def firm(firm: Firm):
    f, d = firm, firm_summaries.firm_detail(firm)
    body = _firm_summary(f, d.county, d.assessment, d.roadmap.target_batch if d.roadmap else None, _today())
    body.update(
        {
            "registered_on": _iso(f.registered_on),
            "industry": f.industry,
            "address": f.address,
            "contact_name": f.contact_name,
            "hnte_cert_no": f.hnte_cert_no,
            "hnte_cert_date": _iso(f.hnte_cert_date),
            "tsme_reg_no": f.tsme_reg_no,
        }
    )
    return jsonify(body)


@bp.get("/firms/<int:firm_id>/assessment")
@token_required
def assessment(firm: Firm):
    f, a = firm, firm_summaries.firm_records(firm).assessment
    if a is None:
        raise ApiError(404, f"企业 {f.id} 尚无评估结果。")
    return jsonify(
        {
            "firm_id": f.id,
            "rules_version": a.rules_version,
            "assessed_at": a.assessed_at.isoformat(),
            "application_date": _iso(a.application_date),
            "verdict": a.verdict,
            "score_min": a.score_min,
            "score_max": a.score_max,
            "tsme_eligible": a.tsme_eligible,
            "result": a.result or {},
        }
    )


@bp.get("/firms/<int:firm_id>/roadmap")
@token_required
def roadmap(firm: Firm):
    f, rm = firm, firm_summaries.firm_records(firm).roadmap
    if rm is None:
        raise ApiError(404, f"企业 {f.id} 尚无培育路线图。")
    milestones = roadmaps.milestones_of(rm)
    return jsonify(
        {
            "firm_id": f.id,
            "target_batch": rm.target_batch,
            "target_cutoff": _iso(rm.target_cutoff),
            "target_year": rm.target_year,
            "projected_min": rm.projected_min,
            "projected_max": rm.projected_max,
            "generated_for": _iso(rm.generated_for),
            "rules_version": rm.rules_version,
            "calendar_version": rm.calendar_version,
            "milestones": [_milestone(m) for m in milestones],
        }
    )


MAX_VERSION = 2**31 - 1  # a row version is a 32-bit integer


def _milestone_body(data, user) -> tuple[int | None, str | None, str | None]:
    """``(version, status, progress_note)`` of a milestone PATCH body, or a 422/403 naming the field."""
    if not isinstance(data, dict):
        raise ApiError(422, "请求体必须是 JSON 对象，例如 {\"progress_note\": \"...\"}。")
    version = data.pop("version", None)  # issue 11: the version the client read; an older one is 409
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_VERSION
    ):
        raise ApiError(422, "字段 version 必须是非负整数（读取里程碑时返回的 version）。")
    allowed = {"status", "evidence_note", "progress_note"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(
            422, f"不支持的字段：{', '.join(unknown)}；可用字段：status、evidence_note、progress_note。"
        )
    for name in allowed & set(data):
        if data[name] is not None and not isinstance(data[name], str):
            raise ApiError(422, f"字段 {name} 必须是字符串。")
        if data[name] is not None and len(data[name]) > 2000:
            raise ApiError(422, f"字段 {name} 过长（最多 2000 个字符）。")
        if data[name] is not None and _CONTROL.search(data[name]):
            raise ApiError(422, f"字段 {name} 含有不可见的控制字符，请删除后重试。")
    status, note = data.get("status"), data.get("progress_note")
    if status is None and note is None:
        raise ApiError(422, "请至少提供 status（专员）或 progress_note（企业）之一。")
    if not permissions.can(user, "milestone.set_status"):
        if status is not None or data.get("evidence_note") is not None:
            raise ApiError(403, "企业用户只能填报进展说明（progress_note），状态由县区专员确认。")
    if status is not None and status not in MILESTONE_STATUSES:
        raise ApiError(422, f"字段 status 取值无效：“{status[:20]}”，可选：{', '.join(MILESTONE_STATUSES)}。")
    if note is not None and not re.search(r"\S", note):
        raise ApiError(422, "字段 progress_note 不能为空。")
    return version, status, note


@bp.route("/firms/<int:firm_id>/milestones/<int:milestone_id>", methods=["PATCH", "POST"])
@token_required
def milestone(firm: Firm, milestone: Milestone):
    """Officers/admins set ``status`` (and ``evidence_note``); firm users report ``progress_note`` only.

    ``version`` (optional, issue 11): the version the client read; an older one is refused with 409.
    """
    from pipeline.services import firms as firm_service
    from pipeline.services import versions

    user, f = g.api_user, firm
    data = request.get_json(silent=True)
    version, status, note = _milestone_body(data, user)
    try:
        if version is not None:
            versions.check(milestone, version, "milestone")
        if status is not None:
            ms = firm_service.update_milestone(
                user, f, milestone, status, data.get("evidence_note"), _today()
            )
        if note is not None:
            ms = firm_service.report_progress(user, f, milestone, note)
    except versions.StaleRecord as exc:
        raise ApiError(409, str(exc)) from None
    except firm_service.FirmError as exc:
        raise ApiError(exc.status, str(exc)) from None
    return jsonify(_milestone(ms))


# ------------------------------------------------------------------ goals


@bp.get("/goals")
@token_required
def goals():
    from pipeline.services import goals as goal_service

    county_id = _int_arg("county", None, 1, MAX_ID)
    town_id = _int_arg("town", None, 1, MAX_ID)
    fig, fc = goal_service.dashboard_data(g.api_user, _today(), county_id, town_id)
    return jsonify(goal_json(fig, fc))


def goal_json(fig: dict, fc) -> dict:
    """Goal figures as JSON-friendly data (dates as ISO strings)."""

    def conv(v):
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    body = conv(dict(fig.items()))
    body["forecast"] = fc.to_dict()
    return body


@bp.get("/openapi.json")
def openapi():
    from pipeline.web.openapi import SPEC

    return jsonify(SPEC)


# ------------------------------------------------------------------ issue 17: the readable API documentation

# Swagger UI, vendored by the swagger-ui-bundle package (no CDN): only these files are served.
DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@bp.get("/docs")
def docs():
    """The OpenAPI document as a page (Swagger UI, served from our own origin under the CSP)."""
    from flask import render_template

    return render_template("api/docs.html")


@bp.get("/docs/assets/<name>")
def docs_asset(name: str):
    from flask import abort, send_from_directory
    from swagger_ui_bundle import swagger_ui_path

    if name not in DOCS_ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)
