"""Issue 17 (English half, i14): every reminder rule and notification kind has a Chinese and an English
template in ``pipeline.reminders.texts``; the Chinese rendering is the text the rules always wrote; the
English one has no Chinese left (firm names aside) and uses ISO dates."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta

from pipeline.reminders import rules
from pipeline.reminders.texts import TEXTS, label, loc, pair, render

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TODAY = date(2026, 6, 10)

# Every rule the scan writes and every event the services notify (the rows' ``rule`` column).
RULE_CODES = {
    "milestone_overdue",
    "milestone_due",
    "batch_cutoff",
    "annual_report",
    "annual_report_missed",
    "annual_report_unrecorded",
    "annual_report_revocation",
    "compliance_risk",
    "tsme_window",
    "cert_expiry",
    "cert_expired",
    "tsme_update",
    "stale_data",
    "stage_stuck",
}
NOTIFY_CODES = {"submission", "submission_decision", "progress_report", "milestone_superseded"}


def _fields(tpl: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(tpl) if f}


def test_every_code_has_both_languages_with_the_same_params():
    for code, t in TEXTS.items():
        assert set(t) == {"zh", "en"}, code
        assert _fields(t["zh"]) == _fields(t["en"]), code
        assert t["zh"] or code == "w.blank", code
        assert not CJK.search(t["en"]), (code, t["en"])
    for code in RULE_CODES | NOTIFY_CODES:
        assert f"{code}.title" in TEXTS and f"{code}.body" in TEXTS, code


def _inputs(today: date) -> rules.Inputs:
    firms, mss = [], []
    i = 0
    for stage in ("pool", "certified", "candidate"):
        for cert, exp in (
            (None, None),
            (date(2023, 12, 1), date(2026, 11, 30)),
            (date(2022, 1, 5), date(2025, 1, 4)),
        ):
            for reg in (None, "2025320700001"):
                i += 1
                firms.append(
                    rules.FirmFacts(
                        id=i,
                        name=f"Firm {i}",
                        county_id=1,
                        stage=stage,
                        hnte_cert_date=cert,
                        hnte_cert_expiry=exp,
                        tsme_reg_no=reg,
                        stage_changed_on=date(2025, 1, 1),
                        has_last_year_figures=bool(i % 2),
                        stage_label="入库培育",
                        reports_not_submitted=frozenset({2024, 2025}) if i % 3 == 0 else frozenset(),
                        compliance_codes="rd_ratio,tech_staff" if i % 4 == 0 else "",
                        compliance_summary="研发费用占比不足；科技人员占比不足",
                    )
                )
                for k, days in enumerate((-5, 0, 3, 10)):
                    mss.append(
                        rules.MilestoneFacts(
                            i * 10 + k,
                            i,
                            "在高新技术企业认定管理工作网注册企业账号",
                            today + timedelta(days=days),
                            "officer" if k % 2 else "firm",
                            "todo",
                            {"code": "ms.platform.title", "params": {}},
                        )
                    )
    return rules.Inputs(
        firms=firms,
        milestones=mss,
        batches=[rules.BatchFacts("2026-2", today + timedelta(days=7))],
        target_batch={f.id: "2026-2" for f in firms},
        tsme_windows=((today + timedelta(days=20), today + timedelta(days=60)),),
    )


def _tr(zh: str) -> str:
    return {"入库培育": "In cultivation"}.get(zh, zh)


def test_every_rule_renders_in_english_and_its_chinese_is_the_stored_text():
    seen = set()
    for today in (TODAY, date(2026, 5, 20), date(2026, 3, 20), date(2026, 1, 10)):
        for h in rules.evaluate(_inputs(today), today):
            code, params = h.body.code, h.body.params
            assert h.title.code == code
            seen.add(code)
            assert render(code, params, "title", "zh") == h.title  # the Chinese text, from the table
            assert render(code, params, "body", "zh") == h.body
            for part in ("title", "body"):
                en = render(code, params, part, "en", _tr)
                assert en and not CJK.search(en), (code, en)
            en = render(code, params, "body", "en", _tr)
            assert not re.search(r"\d{4}年", en)
    assert seen == RULE_CODES, RULE_CODES ^ seen


def test_dates_the_deadline_move_and_the_nested_texts():
    title, body = pair(
        "annual_report",
        firm="Firm",
        due_on=date(2026, 6, 1),
        report_year=2025,
        deadline={"code": "w.date_moved", "params": {"date_on": "2026-06-01", "nominal_on": "2026-05-31"}},
    )
    assert "2026年6月1日（2026年5月31日为节假日，顺延至下一工作日）前" in body
    en = render(body.code, body.params, "body", "en")
    assert "by 2026-06-01 (2026-05-31 is a public holiday or weekend, so the next working day)" in en
    # a milestone title without an engine message stays as stored (Chinese) in English too
    t, _ = pair("milestone_overdue", firm="F", title=loc("手工里程碑"), due_on=TODAY, days=2)
    assert render(t.code, t.params, "title", "en") == "[Overdue] F: 手工里程碑"
    # the "no account" note follows the body in the reader's language
    _, b = pair("stale_data", firm="F", year=2025)
    p = {**b.params, "stand_in": True}
    assert render(b.code, p, "body", "zh").endswith("请代为转告企业。）")
    assert render(b.code, p, "body", "en").endswith("please pass it on.)")


def test_notifications_keep_their_chinese_sentences_and_have_english():
    cases = {
        "submission": (
            dict(firm="甲公司", year=2025, n=2),
            "甲公司报送了2025年度新数据",
            "甲公司报送了2025年度2项修改的数据，请在企业页面审核。",
            "{firm} submitted 2 changed figures for 2025; review them on the firm page.",
        ),
        "submission_decision": (
            dict(year=2025, status=label("部分采纳"), note="研发费用已核实"),
            "您报送的2025年度数据已审核",
            "审核结果：部分采纳。研发费用已核实",
            None,
        ),
        "progress_report": (
            dict(firm="甲公司", title=loc("注册账号", {"code": "ms.platform.title"}), note="已注册"),
            "甲公司报告了进展",
            "甲公司报告了“注册账号”的进展：已注册",
            None,
        ),
        "milestone_superseded": (
            dict(firm="甲公司", old=loc("旧"), new=loc("新"), note="n"),
            "甲公司：一项有待确认进展的里程碑已被取代",
            "重新生成路线图时，“旧”已被“新”取代。企业的进展报告“n”保留在原里程碑上，请核实是否适用于新的里程碑。",
            None,
        ),
    }
    assert set(cases) == NOTIFY_CODES
    for code, (params, zh_title, zh_body, en_body) in cases.items():
        title, body = pair(code, **params)
        assert (title, body) == (zh_title, zh_body), code
        en = render(code, body.params, "body", "en", {"部分采纳": "Partly accepted"}.get)
        assert en and "{" not in en
        if en_body:
            assert en == en_body.format(firm="甲公司")
    _, b = pair("submission_decision", year=2025, status=label("部分采纳"), note="")
    assert render(b.code, b.params, "body", "en", {"部分采纳": "Partly accepted"}.get) == (
        "Decision: Partly accepted. "
    )
    _, b = pair(
        "progress_report", firm="F", title=loc("注册账号", {"code": "ms.platform.title"}), note="done"
    )
    assert render(b.code, b.params, "body", "en").startswith(
        "F reported progress on “Register the firm's account"
    )
