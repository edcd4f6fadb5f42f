"""Contract JSON (already decoded) → :class:`Profile`, validating as ``assess-io.md`` requires.

Every rejection raises :class:`ProfileError` whose ``str`` is one Chinese line that starts with
the field path (with the year where there is one), e.g. ``years.2024.rd_total：研发费用不能为负数``.
Unknown keys are ignored (forward compatible).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from .model import (
    GRADE_KEYS,
    GRADES,
    IP_ACQUIRED,
    IP_KINDS,
    IP_STATUSES,
    RD_MANAGEMENT_POINTS,
    IPItem,
    Profile,
    TsmeFlags,
    YearFigures,
)


class ProfileError(ValueError):
    """Input that cannot be read or cannot be true. ``field`` is the path, ``str`` one line."""

    def __init__(self, field, message):
        self.field = field
        self.reason = message
        super().__init__(f"{field}：{message}")


AMOUNT_NAMES = {
    "sales": "销售收入",
    "total_income": "总收入",
    "hightech_income": "高新技术产品（服务）收入",
    "rd_total": "研发费用",
    "rd_domestic": "境内研发费用",
    "net_assets": "净资产",
    "total_assets": "资产总额",
    "total_cost": "成本费用总额",
    "rd_deductible": "加计扣除口径研发费用",
}
COUNT_NAMES = {
    "staff": "职工总数",
    "tech_staff": "科技人员数",
    "tech_staff_tsme": "科技人员数（科技型中小企业口径）",
}
TSME_KEYS = (
    "hnte_valid",
    "national_award_5y",
    "provincial_rd_institution",
    "led_standard_5y",
    "restricted_industry",
    "listed_dishonest",
    "incident_prev_or_this_year",
)


def _number(value, path, name):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProfileError(path, f"{name}必须是数字")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):  # JSON read with parse_float=Decimal (the CLI door does)
        if not value.is_finite():
            raise ProfileError(path, f"{name}不是有效数字")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ProfileError(path, f"{name}不是有效数字")
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ProfileError(path, f"{name}不是有效数字：“{value}”") from None
        if not d.is_finite():
            raise ProfileError(path, f"{name}不是有效数字：“{value}”")
        return d
    raise ProfileError(path, f"{name}必须是数字")


def _count(value, path, name):
    d = _number(value, path, name)
    if d is None:
        return None
    if d < 0:
        raise ProfileError(path, f"{name}不能为负数")
    if d == d.to_integral_value():
        return int(d)
    return d  # monthly averages may be fractional


def _date(value, path, name):
    if not isinstance(value, str):
        raise ProfileError(path, f"{name}必须是“YYYY-MM-DD”格式的日期字符串")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ProfileError(path, f"{name}“{value}”不是有效日期") from None


def _bool(value, path, name):
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ProfileError(path, f"{name}必须是true或false")
    return value


def _obj(value, path, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProfileError(path, f"{name}必须是对象")
    return value


def _year_key(key, path, name):
    try:
        y = int(str(key).strip())
    except ValueError:
        raise ProfileError(f"{path}.{key}", f"{name}的键必须是年份") from None
    if not 1900 <= y <= 2200:
        raise ProfileError(f"{path}.{key}", f"{name}的年份“{key}”无效")
    return y


def _year(y, raw, reg_year):
    path = f"years.{y}"
    if y < reg_year:
        raise ProfileError(path, f"{y}年度早于注册年份{reg_year}年，不应有该年度数据")
    raw = _obj(raw, path, f"{y}年度数据")
    vals = {}
    for k, name in AMOUNT_NAMES.items():
        v = _number(raw.get(k), f"{path}.{k}", name)
        if v is not None and v < 0 and k != "net_assets":
            raise ProfileError(f"{path}.{k}", f"{name}不能为负数")
        vals[k] = v
    for k, name in COUNT_NAMES.items():
        vals[k] = _count(raw.get(k), f"{path}.{k}", name)
    fig = YearFigures(**vals)
    inc = fig.income
    if fig.hightech_income is not None and inc is not None and fig.hightech_income > inc:
        raise ProfileError(f"{path}.hightech_income", "高新技术产品（服务）收入不能高于总收入")
    if fig.rd_domestic is not None and fig.rd_total is not None and fig.rd_domestic > fig.rd_total:
        raise ProfileError(f"{path}.rd_domestic", "境内研发费用不能高于研发费用总额")
    if fig.staff is not None:
        if fig.tech_staff is not None and fig.tech_staff > fig.staff:
            raise ProfileError(f"{path}.tech_staff", "科技人员数不能多于职工总数")
        if fig.tech_staff_tsme is not None and fig.tech_staff_tsme > fig.staff:
            raise ProfileError(f"{path}.tech_staff_tsme", "科技人员数不能多于职工总数")
    return fig


def _ip(i, raw):
    path = f"ip[{i}]"
    if not isinstance(raw, dict):
        raise ProfileError(path, "知识产权条目必须是对象")
    kind = raw.get("kind")
    if kind not in IP_KINDS:
        raise ProfileError(f"{path}.kind", f"未知的知识产权类型“{kind}”")
    status = raw.get("status", "granted")
    if status not in IP_STATUSES:
        raise ProfileError(f"{path}.status", f"未知的知识产权状态“{status}”（应为granted或filed）")
    acquired = raw.get("acquired", "own")
    if acquired not in IP_ACQUIRED:
        raise ProfileError(f"{path}.acquired", f"未知的获得方式“{acquired}”（应为own或transferred）")
    related = raw.get("related", True)
    if related is None:
        related = True
    filed_on = (
        None if raw.get("filed_on") is None else _date(raw.get("filed_on"), f"{path}.filed_on", "申请日")
    )
    return IPItem(
        kind=kind,
        status=status,
        acquired=acquired,
        filed_on=filed_on,
        core=_bool(raw.get("core"), f"{path}.core", "core"),
        used_in_hnte=_bool(raw.get("used_in_hnte"), f"{path}.used_in_hnte", "used_in_hnte"),
        related=_bool(related, f"{path}.related", "related"),
    )


def _dates(data, application_date):
    """(registered_on, application date, as_of); a registration after the application is refused."""
    reg = _date(data.get("registered_on"), "registered_on", "注册日期")
    if application_date is None:
        app = _date(data.get("application_date"), "application_date", "申请日期")
        if reg > app:
            raise ProfileError(
                "registered_on",
                f"注册日期{reg.isoformat()}晚于申请日期{app.isoformat()}，" f"企业不可能在注册前申请",
            )
    else:
        app = application_date
    as_of = None if data.get("as_of") is None else _date(data.get("as_of"), "as_of", "数据日期")
    return reg, app, as_of


def _domain(data):
    domain = data.get("tech_domain")
    if domain is not None and not isinstance(domain, str):
        raise ProfileError("tech_domain", "技术领域代码必须是字符串")
    return domain.strip() if domain else None


def _years(data, reg_year):
    years = {}
    for key, raw in _obj(data.get("years"), "years", "years").items():
        y = _year_key(key, "years", "years")
        years[y] = _year(y, raw, reg_year)
    return years


def _ip_list(data):
    ip_raw = data.get("ip")
    if ip_raw is None:
        ip_raw = []
    if not isinstance(ip_raw, list):
        raise ProfileError("ip", "知识产权必须是数组")
    return tuple(_ip(i, r) for i, r in enumerate(ip_raw))


def _conversion_count(key, raw):
    path = f"conversions.{key}"
    if isinstance(raw, bool) or raw is None:
        raise ProfileError(path, "科技成果转化数必须是整数")
    n = _number(raw, path, "科技成果转化数")
    if n < 0:
        raise ProfileError(path, "科技成果转化数不能为负数")
    if n != n.to_integral_value():
        raise ProfileError(path, "科技成果转化数必须是整数")
    return int(n)


def _conversions(data):
    return {
        _year_key(key, "conversions", "conversions"): _conversion_count(key, raw)
        for key, raw in _obj(data.get("conversions"), "conversions", "conversions").items()
    }


def _grades(data):
    grades = {}
    for key, raw in _obj(data.get("grades"), "grades", "grades").items():
        if raw is None or key not in GRADE_KEYS:
            continue
        if not isinstance(raw, str) or raw.strip().upper() not in GRADES:
            raise ProfileError(f"grades.{key}", f"等级必须是A、B、C、D、E之一，收到“{raw}”")
        grades[key] = raw.strip().upper()
    return grades


def _rd_management(data):
    rdm_raw = data.get("rd_management")
    if isinstance(rdm_raw, list):
        return frozenset(k for k in rdm_raw if k in RD_MANAGEMENT_POINTS)
    rdm_raw = _obj(rdm_raw, "rd_management", "rd_management")
    return frozenset(
        k for k, v in rdm_raw.items() if k in RD_MANAGEMENT_POINTS and _bool(v, f"rd_management.{k}", k)
    )


def _tsme_flags(data):
    t_raw = _obj(data.get("tsme"), "tsme", "tsme")
    t_vals = {}
    for k in TSME_KEYS:
        v = t_raw.get(k)
        if k == "incident_prev_or_this_year" and v is None:
            t_vals[k] = None
        else:
            t_vals[k] = _bool(v, f"tsme.{k}", k)
    return TsmeFlags(**t_vals)


def _flag(data, key):
    return _bool(data.get(key), key, key)


def parse_profile(data, application_date=None) -> Profile:
    """Validate one decoded contract input and build a :class:`Profile`.

    ``application_date`` given (the planner's door): the profile's own ``application_date`` is
    optional and ignored, this date is used instead. Optional ``as_of`` (YYYY-MM-DD): the date the
    figures are read; window years ending before it are closed (gaps say which can still change).
    The parts are read in a fixed order, so the first error reported is always the same one.
    """
    if not isinstance(data, dict):
        raise ProfileError("输入", "必须是JSON对象")
    reg, app, as_of = _dates(data, application_date)
    domain = _domain(data)
    years = _years(data, reg.year)
    ip = _ip_list(data)
    conversions = _conversions(data)
    grades = _grades(data)
    rdm = _rd_management(data)
    tsme = _tsme_flags(data)
    return Profile(
        application_date=app,
        registered_on=reg,
        tech_domain=domain,
        years=years,
        ip=ip,
        conversions=conversions,
        grades=grades,
        rd_management=rdm,
        standards=_flag(data, "standards"),
        incident_within_year=_flag(data, "incident_within_year"),
        revoked_this_year=_flag(data, "revoked_this_year"),
        tsme=tsme,
        as_of=as_of,
    )
