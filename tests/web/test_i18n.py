"""Chinese first, English complete: catalogs have every string, nothing fuzzy, and the locale switches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pipeline import clock

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "pipeline" / "translations"


def _catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _template_msgids() -> set[str]:
    from babel.messages.extract import extract_from_dir

    method_map = [("templates/**.html", "jinja2"), ("pipeline/**.py", "python")]
    return {
        msg
        for _, _, msg, *_ in extract_from_dir(
            str(ROOT),
            method_map=method_map,
            keywords={"_": None, "gettext": None, "lazy_gettext": None, "N_": None},
        )
        if isinstance(msg, str)
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_complete_and_not_fuzzy(lang):
    cat = _catalog(lang)
    untranslated = [m.id for m in cat if m.id and not m.string]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not untranslated, f"{lang}: untranslated {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"


def test_every_string_in_the_code_is_in_the_zh_catalog():
    ids = {m.id for m in _catalog("zh") if m.id}
    missing = sorted(_template_msgids() - ids)
    assert not missing, f"run pybabel extract/update: {missing[:10]}"


@pytest.fixture(scope="module")
def compiled():
    import os

    from babel.messages.mofile import write_mo

    for lang in ("zh", "en"):  # written aside, then renamed: a parallel test worker never reads half a file
        target = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
        tmp = target.with_name(f"messages.mo.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            write_mo(fh, _catalog(lang))
        os.replace(tmp, target)


def test_login_page_in_chinese_by_default_and_english_when_asked(app, db, compiled):
    from tests.web.conftest import fresh

    c = app.test_client()
    zh = fresh(app, c, "get", "/login").get_data(as_text=True)
    assert "登录小升高培育平台" in zh
    en = fresh(app, c, "get", "/login?lang=en").get_data(as_text=True)
    assert "Log in to HNTE Cultivation" in en
    # A browser's English Accept-Language alone keeps the Chinese UI (the English catalog is partial).
    browser_en = fresh(app, c, "get", "/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登录小升高培育平台" in browser_en
    zh_cn = fresh(app, c, "get", "/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True
    )
    assert "登录小升高培育平台" in zh_cn


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_data_labels_map_to_themselves_in_zh_and_to_english_in_en(lang):
    """Data labels (stage, IP kind, ...) have their Chinese text as msgid; every other msgid is English."""
    for m in _catalog(lang):
        if not m.id:
            continue
        if lang == "zh" and CJK.search(m.id):
            assert m.string == m.id, m.id
        if lang == "en":
            assert not CJK.search(m.string), f"en: {m.id!r} -> {m.string!r}"


def test_every_vocabulary_label_is_in_both_catalogs():
    """Every label of the one vocabulary (and the core's scenario names) has a zh and an en entry."""
    from pipeline.forecast import SCENARIOS
    from pipeline.vocabulary import all_labels

    labels = all_labels() | {label for label, _ in SCENARIOS.values()}
    zh = {m.id for m in _catalog("zh") if m.id}
    en = {m.id: m.string for m in _catalog("en") if m.id}
    assert not labels - zh, sorted(labels - zh)
    assert not {label for label in labels if not en.get(label)}, sorted(
        label for label in labels if not en.get(label)
    )


def test_no_label_table_outside_the_vocabulary():
    """The tables that used to be copied are gone from their old homes (import them from the vocabulary)."""
    import pipeline.reports.context as context
    import pipeline.services.goals as goals
    import pipeline.web.firm as firm_views

    assert not hasattr(firm_views, "CONDITION_NAMES")
    assert context.CONDITIONS is __import__("pipeline.vocabulary").vocabulary.CONDITIONS
    assert goals.VERDICTS["ready"] == context.VERDICTS["ready"]


def _chrome(html: str) -> str:
    """Headings, table headers and buttons: the page's own text, not data rows."""
    parts = re.findall(r"<(h2|h3|th|button|dt)\b([^>]*)>(.*?)</\1>", html, flags=re.S)
    # an element marked lang="zh-CN" (the language switcher's "中文") is Chinese on purpose
    return "\n".join(re.sub(r"<[^>]+>", "", text) for _, attrs, text in parts if 'lang="zh' not in attrs)


PAGES = [  # (who, url, Chinese seen by default, English seen with ?lang=en)
    ("officer", "/pool/", "导出当前列表", "Export this list"),
    ("officer", "/pool/kanban", "培育看板", "Pipeline kanban"),
    ("officer", "/firms/{own}", "年度财务与人员数据（万元 / 人）", "Annual finance and staff figures"),
    ("firm_user", "/portal/", "我的数据报送", "My submissions"),
    ("officer", "/pool/import", "Excel 导入培育库企业", "Import pool firms from Excel"),
    ("admin", "/admin/", "新建账号", "New account"),
    ("admin", "/admin/planning/", "申报日历与知识产权周期", "Application calendar and IP lead times"),
    ("officer", "/notifications/", "全部标为已读", "Mark all as read"),
    ("firm_user", "/account/", "保存提醒设置", "Save alert settings"),
    ("admin", "/admin/reminders/", "提醒中心 · 运行状况", "Reminder centre · health"),
    ("officer", "/dashboard/", "培育漏斗", "Cultivation funnel"),
    ("admin", "/dashboard/", "各县区完成情况（按高企目标完成率排名）", "Counties' progress"),
    ("admin", "/dashboard/targets", "设置年度目标", "Set annual targets"),
    ("officer", "/reports/", "生成正式简报", "Issue a briefing"),
    ("firm_user", "/reports/", "本企业路线图", "Our firm's roadmap"),
]


@pytest.mark.parametrize("who,url,zh_text,en_text", PAGES)
def test_key_pages_chinese_by_default_and_english_when_asked(
    app, world, compiled, who, url, zh_text, en_text
):
    from tests.conftest import login
    from tests.web.conftest import fresh

    c = app.test_client()
    login(c, getattr(world, who))
    url = url.format(own=world.own.id)
    zh = fresh(app, c, "get", url).get_data(as_text=True)
    assert zh_text in zh
    en = fresh(app, c, "get", url + "?lang=en").get_data(as_text=True)
    assert en_text in en and zh_text not in en
    nav = re.search(r'<nav class="mainnav".*?</nav>', en, flags=re.S)
    assert nav is None or not CJK.search(nav.group(0))
    leftover = CJK.findall(_chrome(en))
    assert not leftover, f"{url}: Chinese left in the English headings/buttons: {''.join(leftover)}"


FORM_PAGES = [  # (who, url) of pages with forms: in English, no label is Chinese
    ("officer", "/firms/{own}/edit"),
    ("officer", "/firms/{own}/years/new"),
    ("officer", "/firms/{own}/ip/new"),
    ("officer", "/firms/{own}/conversions/new"),
    ("officer", "/firms/{own}/incidents/new"),
    ("officer", "/firms/{own}"),
    ("officer", "/pool/import"),
    ("firm_user", "/portal/figures"),
    ("admin", "/admin/"),
    ("admin", "/admin/planning/batches/new"),
    ("admin", "/dashboard/targets"),
    ("firm_user", "/account/"),
]


def _labels(html: str) -> str:
    return "\n".join(
        re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<label\b[^>]*>(.*?)</label>", html, flags=re.S)
    )


@pytest.mark.parametrize("who,url", FORM_PAGES)
def test_form_labels_in_english_when_asked_and_chinese_by_default(app, world, compiled, who, url):
    from tests.conftest import login
    from tests.web.conftest import fresh

    c = app.test_client()
    login(c, getattr(world, who))
    url = url.format(own=world.own.id)
    zh = fresh(app, c, "get", url)
    assert zh.status_code == 200 and CJK.search(_labels(zh.get_data(as_text=True)))
    en = _labels(fresh(app, c, "get", url + "?lang=en").get_data(as_text=True))
    assert en.strip() and not CJK.findall(
        en
    ), f"{url}: Chinese left in the English labels: {''.join(CJK.findall(en))}"


def test_validator_messages_in_english_when_asked(app, world, compiled):
    from tests.conftest import login
    from tests.web.conftest import fresh

    c = app.test_client()
    login(c, world.officer)
    html = fresh(
        app,
        c,
        "post",
        f"/firms/{world.own.id}/years/new?lang=en",
        data={"year": "", "sales": "-1", "total_income": "10", "hightech_income": "20"},
    ).get_data(as_text=True)
    assert "Enter the year" in html and "Amounts cannot be negative" in html
    zh = fresh(app, c, "post", f"/firms/{world.own.id}/years/new", data={"year": "", "sales": "-1"}).get_data(
        as_text=True
    )
    assert "请填写年度" in zh and "金额不能为负数" in zh


def _flashes(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", t)
        for t in re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html, flags=re.S)
    ]


def test_flash_messages_in_english_when_asked_and_chinese_by_default(app, world, compiled):
    from tests.conftest import login
    from tests.web.conftest import fresh

    def flashes(c, method, url, lang, **kw):
        sep = "&" if "?" in url else "?"
        return _flashes(
            fresh(
                app, c, method, url + (sep + "lang=en" if lang == "en" else ""), follow_redirects=True, **kw
            ).get_data(as_text=True)
        )

    own = world.own.id
    for lang in ("zh", "en"):
        anon = app.test_client()
        seen = flashes(anon, "get", "/pool/", lang)
        seen += _flashes(
            fresh(
                app,
                anon,
                "post",
                "/login" + ("?lang=en" if lang == "en" else ""),
                data={"username": "officer_a", "password": "wrong-password"},
            ).get_data(as_text=True)
        )
        if lang == "zh":
            assert "请先登录。" in seen
        officer = app.test_client()
        login(officer, world.officer)
        seen += flashes(officer, "post", "/pool/bulk", lang, data={"action": "assign"})
        seen += flashes(
            officer, "post", f"/pool/firms/{own}/stage", lang, data={"stage": "coaching", "reason": ""}
        )
        seen += flashes(
            officer, "post", f"/pool/firms/{own}/stage", lang, data={"stage": "coaching", "reason": "r"}
        )
        seen += flashes(officer, "post", f"/firms/{own}/evidence", lang, data={"piece_rules": "y"})
        seen += flashes(officer, "post", "/pool/import/confirm", lang)
        admin = app.test_client()
        login(admin, world.admin)
        seen += flashes(admin, "post", f"/admin/users/{world.admin.id}/toggle", lang)
        seen += flashes(admin, "post", f"/admin/users/{world.officer_b.id}/toggle", lang)
        assert len(seen) >= 8, seen
        if lang == "zh":
            assert all(CJK.search(m) for m in seen), seen
        else:
            firm_name = world.own.name
            leftover = [m for m in seen if CJK.search(m.replace(firm_name, ""))]
            assert not leftover, leftover


def test_html_lang_follows_the_ui_language(app, db, compiled):
    from tests.web.conftest import fresh

    c = app.test_client()
    assert '<html lang="zh-CN">' in fresh(app, c, "get", "/login").get_data(as_text=True)
    assert '<html lang="en">' in fresh(app, c, "get", "/login?lang=en").get_data(as_text=True)


def test_web_dates_are_yyyy_mm_dd_in_every_language_and_pdf_dates_stay_chinese(app, world, compiled):
    """Issue 17: pages show dates as the date inputs take them (YYYY-MM-DD), in Chinese and English."""
    from datetime import date

    from pipeline.web.filters import cn_date, ui_date
    from tests.conftest import login
    from tests.web.conftest import TODAY, fresh

    c = app.test_client()
    login(c, world.officer)
    for url in ("/dashboard/", "/dashboard/?lang=en"):
        html = fresh(app, c, "get", url).get_data(as_text=True)
        assert TODAY.isoformat() in html, url
        assert f"{TODAY.year}年{TODAY.month}月{TODAY.day}日" not in html, url
        assert f"{TODAY.day} {TODAY.strftime('%b')} {TODAY.year}" not in html, url
    from flask_babel import refresh

    with app.test_request_context("/?lang=en"):
        refresh()  # the test app context outlives the request: forget its cached locale
        assert ui_date(date(2026, 12, 5)) == "2026-12-05"
        assert cn_date(date(2026, 12, 5)) == "2026年12月5日"  # the PDFs' filter ignores the UI language
        assert ui_date(None) == "—"
    with app.test_request_context("/"):
        refresh()
        assert ui_date(date(2026, 12, 5)) == "2026-12-05"
    for pdf in ("briefing_pdf.html", "roadmap_pdf.html"):
        text = (ROOT / "templates" / "reports" / pdf).read_text()
        assert "ui_date" not in text and "cn_date" in text


def test_import_reasons_in_english_when_asked_and_chinese_by_default(app, world, db, compiled):
    from io import BytesIO

    from openpyxl import Workbook

    from pipeline.services.exports import COLUMNS
    from tests.conftest import login
    from tests.web.conftest import fresh

    headers = [c.header for c in COLUMNS]
    wb = Workbook()
    wb.active.append(headers)
    row = {
        "统一社会信用代码": "91320706MA1XYZ123X",
        "企业名称": "导入测试企业",
        "县区": "海州区",
        "注册日期": "2019-13-01",
        "阶段": "培育",
    }
    wb.active.append([row.get(h) for h in headers])
    out = BytesIO()
    wb.save(out)
    c = app.test_client()
    login(c, world.officer)

    def upload(suffix=""):
        return fresh(
            app,
            c,
            "post",
            "/pool/import" + suffix,
            data={"file": (BytesIO(out.getvalue()), "bad.xlsx")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    zh = upload()
    assert "统一社会信用代码含非法字符“Z”（不使用I、O、S、V、Z）" in zh
    assert "“2019-13-01”不是有效日期" in zh
    assert "“培育”不是有效阶段，应为：候选、入库培育、" in zh
    en = upload("?lang=en")
    assert (
        "The unified social credit code contains the invalid character “Z” (I, O, S, V and Z are not used)"
        in en
    )
    assert "“2019-13-01” is not a valid date" in en
    assert "“培育” is not a valid stage; use one of: " in en
    reasons = re.findall(r'<tr><td class="num">Row \d+</td><td>[^<]*</td><td>(.*?)</td></tr>', en)
    assert len(reasons) == 3, reasons
    assert "<td>Unified social credit code</td>" in en and "<td>Registration date</td>" in en
    assert "<td>统一社会信用代码</td>" in zh and "<td>注册日期</td>" in zh
    columns = re.findall(r'<tr><td class="num">Row \d+</td><td>([^<]*)</td>', en)
    assert len(columns) == 3 and not CJK.search("".join(columns)), columns
    assert not CJK.search("".join(reasons).replace("培育", "")), reasons


@pytest.mark.parametrize(
    "raw,zh",
    [
        ("", "统一社会信用代码不能为空"),
        ("9132070", "统一社会信用代码应为18位，当前为7位"),
        ("91320706MA1XYZ123X", "统一社会信用代码含非法字符“Z”（不使用I、O、S、V、Z）"),
        ("91AB0706MA1X0Y1234", "统一社会信用代码第3–8位应为登记管理机关行政区划码（数字）"),
    ],
)
def test_credit_code_reasons_translated_and_chinese_unchanged(app, compiled, raw, zh):
    from flask_babel import refresh

    from pipeline import uscc
    from pipeline.messages import credit_code_reason

    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(raw)
    assert str(err.value) == zh  # the pure module keeps its Chinese message
    with app.test_request_context("/"):
        refresh()
        assert credit_code_reason(err.value) == zh
    with app.test_request_context("/?lang=en"):
        refresh()
        en = credit_code_reason(err.value)
        assert en and not CJK.search(en.replace("“", "").replace("”", "")), en


def test_credit_code_check_character_reason(app, compiled):
    from flask_babel import refresh

    from pipeline import uscc
    from pipeline.messages import credit_code_reason

    good = uscc.make("91", "320706", "MA1X0Y123")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(wrong)
    with app.test_request_context("/"):
        refresh()
        assert (
            credit_code_reason(err.value)
            == str(err.value)
            == f"统一社会信用代码校验位错误：第18位应为“{good[17]}”，实为“{wrong[17]}”"
        )
    with app.test_request_context("/?lang=en"):
        refresh()
        assert credit_code_reason(err.value) == (
            "Wrong check character in the unified social credit code: the 18th "
            f"character should be “{good[17]}”, not “{wrong[17]}”"
        )


def test_service_errors_in_the_ui_language(app, world, db, compiled):
    from datetime import date

    from flask_babel import refresh

    from pipeline.reminders.settings import parse_form
    from pipeline.services.accounts import AccountError, check_password_strength
    from pipeline.services.firms import FirmError, save_year
    from pipeline.services.goals import TargetError, set_target
    from pipeline.services.planning import PlanningError, save_batch

    def errors():
        out = []
        for call, exc in [
            (lambda: check_password_strength("abc"), AccountError),
            (
                lambda: save_batch(
                    world.admin,
                    {"code": "X", "year": 2030, "cutoff": date(2030, 1, 1), "opens_on": date(2030, 2, 1)},
                ),
                PlanningError,
            ),
            (
                lambda: save_year(world.officer, world.own, {"year": clock.today().year + 1}, clock.today()),
                FirmError,
            ),
            (lambda: set_target(world.officer, None, 2030, 1, 1), TargetError),
        ]:
            with pytest.raises(exc) as err:
                call()
            out.append(str(err.value))
        out += parse_form({"milestone_days": "x"})[1][:2]
        return out

    with app.test_request_context("/"):
        refresh()
        zh = errors()
    assert zh[:4] == [
        "密码至少8位",
        "开始受理日期不能晚于截止日期",
        f"{clock.today().year + 1}年尚未开始，最多填报到{clock.today().year}年（预计数）",
        "只有市级管理员可以设置目标。",
    ]
    assert zh[4].endswith("格式不对：应为用逗号分隔的正整数，例如 14, 3") or zh[4].endswith("”不能为空")
    with app.test_request_context("/?lang=en"):
        refresh()
        en = errors()
    assert en[0] == "The password needs at least 8 characters"
    assert not [m for m in en if CJK.search(m)], en


def test_dashboard_assumptions_and_chart_captions_in_the_ui_language(app, world, compiled):
    import json

    from pipeline.forecast import DEFAULT_ASSUMPTIONS
    from tests.conftest import login
    from tests.web.conftest import fresh

    c = app.test_client()
    login(c, world.admin)

    def page(suffix=""):
        html = fresh(app, c, "get", "/dashboard/" + suffix).get_data(as_text=True)
        items = re.search(r'<details class="assumptions".*?<ul>(.*?)</ul>', html, flags=re.S).group(1)
        data = json.loads(
            re.search(
                r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, flags=re.S
            ).group(1)
        )
        return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<li>(.*?)</li>", items, flags=re.S)], data

    zh, zh_data = page()
    # The Chinese page shows exactly the forecast's own sentences.
    import html as htmllib

    statements = [s["text"] for s in DEFAULT_ASSUMPTIONS.statements()]
    assert [htmllib.unescape(t) for t in zh[: len(statements)]] == statements  # then the two scenario notes
    assert zh_data["text"]["y_axis"] == "年末有效高企（家）" and zh_data["text"]["colon"] == "："
    en, en_data = page("?lang=en")
    assert len(en) == len(zh) and not [t for t in en if CJK.search(t)], en
    assert "at least 76 pass with a probability of 90% (range 80%–100%)" in htmllib.unescape(" ".join(en))
    assert en_data["text"]["y_axis"] == "Active HNTEs at year end"
    assert not CJK.search(json.dumps(en_data["text"], ensure_ascii=False))
    labels = [s["label"] for s in en_data["funnel"] + en_data["readiness"]]
    labels += [s["label"] for s in en_data["forecast"]["scenarios"].values()]
    assert labels and not [x for x in labels if CJK.search(x)], labels
    assert not CJK.search((ROOT / "static" / "js" / "dashboard.js").read_text())
