"""Engine texts as message codes + params, so every page can show them in its UI language.

Pure data and a tiny renderer; imports nothing from Flask (the core uses it, the web renders it).

How it works
------------
The engine builds each sentence as a :class:`Msg`: a ``str`` whose value is the Chinese sentence
exactly as before (so the CLI doors, the PDFs and every stored Chinese text stay byte-identical),
which also carries a message ``code`` and language-neutral ``params`` (numbers, dates as ISO strings,
years, condition codes, IP-kind keys, or nested messages). The stored JSON of an assessment or a
roadmap keeps ``{"code", "params"}`` next to the Chinese text (``explain_msg``, ``title_msg``, …);
the pages render it with :func:`render` in the UI language. Chinese is the text itself (the
engine's own rendering, identical by construction); English comes from :data:`EN`, keyed by code.
Stored JSON without a message, or a code without an English template, falls back to the stored
Chinese text (:func:`text_in`).

Param conventions: a list is joined with ", " in English; a dict with ``code`` is a nested message;
a param named ``kind`` (or ending in ``_kind``) is an IP-kind key, rendered with :data:`IP_KINDS_EN`.
"""

from __future__ import annotations

__all__ = ["Msg", "msg_json", "join", "render", "text_in", "EN", "IP_KINDS_EN"]


class Msg(str):
    """A Chinese sentence that also knows its message code and params."""

    code: str
    params: dict

    def __new__(cls, code: str, zh: str, /, **params):
        s = super().__new__(cls, zh)
        s.code = code
        s.params = params
        return s

    def __add__(self, other):  # "text" + "more" keeps the message when both parts have one
        if isinstance(other, Msg):
            return join("", [self, other])
        return str.__add__(self, other)

    def to_json(self) -> dict:
        return {"code": self.code, "params": _jsonable(self.params)}


def _jsonable(v):
    if isinstance(v, Msg):
        return v.to_json()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def msg_json(text) -> dict | None:
    """The ``{"code", "params"}`` of a text built as a :class:`Msg`, else None."""
    return text.to_json() if isinstance(text, Msg) else None


def join(sep: str, parts) -> Msg | str:
    """``sep.join(parts)`` that keeps the parts' messages (a plain str if any part has none)."""
    parts = list(parts)
    text = sep.join(parts)
    if not all(isinstance(p, Msg) for p in parts):
        return text
    return Msg("_join", text, sep=sep, parts=[p.to_json() for p in parts])


#: How a Chinese separator reads in English.
_SEP_EN = {"；": "; ", "，": ", ", "、": ", ", "": " ", "。": ". "}

#: IP kinds in English (the Chinese names are ``pipeline.vocabulary.IP_KINDS``).
IP_KINDS_EN = {
    "invention_patent": "invention patent",
    "plant_variety": "plant variety right",
    "crop_variety": "national crop variety",
    "new_drug": "national new drug",
    "tcm_protected": "national grade-1 protected TCM variety",
    "ic_layout": "IC layout-design right",
    "utility_model": "utility model patent",
    "design": "design patent",
    "software_copyright": "software copyright",
}

#: The R&D-management pieces in English (the Chinese names are ``pipeline.vocabulary.RD_PIECE_LABELS``).
RD_PIECES_EN = {
    "rules": "R&D organisation and management rules",
    "accounting": "an R&D expense accounting system",
    "ledger": "R&D expense auxiliary ledgers",
    "rd_unit": "an in-house R&D unit",
    "cooperation": "industry–university–research cooperation",
    "conversion_rules": "rules for carrying out and rewarding the conversion of results",
    "open_platform": "an innovation and entrepreneurship platform",
    "training": "tech-staff training rules",
    "skills": "training and skills development",
    "recruitment": "talent recruitment rules",
    "performance_reward": "tech-staff performance evaluation and reward rules",
}

_M = "HNTE Measures"
_G = "HNTE Guidelines"

#: English templates, keyed by message code (``str.format`` with the params).
EN: dict[str, str] = {
    # ---- conditions H1..H10 (criteria.hnte)
    "h1.pass": "Registered {years} years ago ({days} days): meets the rule that the firm must have been "
    f"registered for at least one year (365 calendar days) when it applies ({_M} art. 11(1), {_G} 3(1))",
    "h1.fail": "Registered only {days} days ago, fewer than 365 calendar days: does not meet the one-year "
    f"registration rule ({_M} art. 11(1), {_G} 3(1))",
    "h2.pass": "Holds {core} granted, countable IP items that give core support to the main products "
    f"(Class I countable: {{class1}}, Class II: {{class2}}): meets {_M} art. 11(2)",
    "h2.fail": "No granted, countable IP item that gives core support to the main products{tail}: does not "
    f"meet {_M} art. 11(2) and {_G} 3(2)",
    "h2.tail": "; {items}",
    "w.empty": "",
    "h2.used": "{n} core Class II items were already used in an earlier HNTE application and cannot be used again",
    "h2.filed": "{n} items are still pending and do not count until granted",
    "h3.missing": f"The state-supported high-tech domain of the core technology is not chosen yet ({_M} art. 11(3))",
    "h3.pass": f"The core technology belongs to the state-supported high-tech domain {{code}}: meets {_M} art. 11(3)",
    "h3.fail": f"“{{code}}” is not a code of the state-supported high-tech domains: does not meet {_M} art. 11(3)",
    "h4.missing": "Total staff or tech staff of {year} missing: the tech-staff share cannot be judged "
    f"({_M} art. 11(4), {_G} 3(5))",
    "h4.not_operated": f"The firm did not operate in {{year}}: no tech-staff share ({_M} art. 11(4), {_G} 3(5))",
    "h4.zero": f"Total staff of {{year}} is 0 ({_M} art. 11(4), {_G} 3(5))",
    "h4.ratio": "Tech staff in {year}: {tech} of {staff} = {pct}, {cmp} 10% " f"({_M} art. 11(4), {_G} 3(5))",
    "h5.not_operated": f"The firm did not operate in the last three fiscal years: no R&D expenses ({_M} art. 11(5), {_G} 3(6))",
    "h5.missing": "R&D expenses or sales of {years} missing: the R&D share cannot be computed "
    f"({_M} art. 11(5), {_G} 3(6))",
    "h5.zero_sales": "Sales over {span} total 0 and R&D {rd} (10k CNY): no R&D share exists, so the R&D-to-sales "
    f"rule is not met ({_M} art. 11(5), {_G} 3(6))",
    "h5.ratio": "R&D over {span}: {rd} (10k CNY), {pct} of total sales of {sales}; last year's sales of {last} "
    "(10k CNY) give the band for {band}, which requires at least {req}%: {verdict} "
    f"({_M} art. 11(5), {_G} 3(6))",
    "h6.not_operated": f"The firm did not operate in the last three fiscal years: no R&D expenses ({_M} art. 11(5))",
    "h6.missing": f"R&D expenses of {{years}} missing: the domestic R&D share cannot be computed ({_M} art. 11(5))",
    "h6.zero": f"No R&D expenses over {{span}}: the domestic share of at least 60% cannot be met ({_M} art. 11(5))",
    "h6.ratio": "Domestic R&D over {span}: {dom} (10k CNY), {pct} of total R&D of {rd}, {cmp} 60% "
    f"({_M} art. 11(5))",
    "h7.missing": f"High-tech product (service) income or total income of {{year}} missing ({_M} art. 11(6), {_G} 3(4))",
    "h7.not_operated": f"The firm did not operate in {{year}}: no high-tech income ({_M} art. 11(6), {_G} 3(4))",
    "h7.zero": f"Total income of {{year}} is 0 ({_M} art. 11(6), {_G} 3(4))",
    "h7.ratio": "High-tech product (service) income of {year}: {ht} (10k CNY), {pct} of total income of {inc}, "
    f"{{cmp}} 60% ({_M} art. 11(6), {_G} 3(4))",
    "h8.pass": "Innovation score expected at {lo}–{hi}: the minimum already reaches 71 (more than 70 needed) "
    f"({_M} art. 11(7), {_G} 3(7))",
    "h8.uncertain": "Innovation score expected at {lo}–{hi}: reaching 71 (more than 70 needed) depends on the "
    f"expert grades ({_M} art. 11(7), {_G} 3(7))",
    "h8.fail": "Innovation score expected at {lo}–{hi}: even the maximum is below 71 (more than 70 needed) "
    f"({_M} art. 11(7), {_G} 3(7))",
    "h9.fail": "A major safety or quality accident or a serious environmental violation within the year before "
    f"applying: does not meet {_M} art. 11(8)",
    "h9.pass": "No major safety or quality accident and no serious environmental violation within the year "
    f"before applying: meets {_M} art. 11(8)",
    "h10.fail": f"HNTE status revoked this year: the firm cannot apply again this year ({_M} art. 19, {_G} 5(6))",
    "h10.pass": f"HNTE status not revoked this year ({_M} art. 19, {_G} 5(6))",
    # ---- gaps (criteria.gaps)
    "gap.rdm.what": "Put in place: {piece} ({pts} points)",
    "gap.rdm.explain": "R&D organisation and management, requirement {group}: {piece}; worth {pts} points "
    f"({_G} 3(7)3)",
    "gap.std.what": "Taking part in drafting national or industry standards, test methods or technical "
    "specifications adds 1–2 points",
    "gap.std.explain": "Taking part in drafting national or industry standards, test methods or technical "
    f"specifications adds 1–2 points; the IP total is capped at 30 ({_G} 3(7)1)",
    "gap.grade.tech_advancement": "The IP's technical advancement needs an expert grade (A–E)",
    "gap.grade.core_support": "The IP's core support for the main products needs an expert grade (A–E)",
    "gap.grade.explain": f"Graded by technical experts; estimated at 0–8 points while ungraded ({_G} 3(7)1)",
    "gap.h9.what": "Wait until a year has passed since the accident or violation before applying",
    "gap.h9.explain": "No major safety or quality accident and no serious environmental violation may occur "
    f"within the year before applying ({_M} art. 11(8))",
    "gap.h10.what": "Cannot apply again this year; the earliest is next year",
    "gap.h10.explain": f"A firm whose HNTE status was revoked cannot apply again in the same year ({_G} 5(6))",
    "gap.acq.what": "Obtain IP through own R&D: the acquisition score rises from 1–3 to 1–6 points",
    "gap.acq.explain": "IP acquisition: own R&D 1–6 points; only transferred, donated or acquired IP 1–3 "
    f"points ({_G} 3(7)1)",
    "gap.h5.zero.what": "Sales over the last three fiscal years total 0: the firm needs sales and R&D in proportion",
    "gap.h5.zero.explain": "R&D share = total R&D ÷ total sales; with no sales there is no share, so the "
    f"condition is not met ({_M} art. 11(5), {_G} 3(6))",
    "gap.h5.open": "R&D over the last three years is {short} (10k CNY) short: {closed} have ended (total "
    "{closed_rd}, which can no longer change); the difference must be made up in {open} (R&D in {open} of at "
    "least {open_min} in total, at current sales)",
    "gap.h5.open_all": "R&D over the last three years is {short} (10k CNY) short: the difference must be made "
    "up in {open} (R&D in {open} of at least {open_min} in total, at current sales)",
    "gap.h5.closed": "R&D over the last three years is {short} (10k CNY) short: {closed} have all ended, so a "
    "{year} application can no longer make it up; apply later and raise R&D from the years that can still change",
    "gap.h5.explain": "Total sales {sales} (10k CNY); last year's sales put the firm in the {pct}% band, so R&D "
    f"must total {{required}}; it is {{rd}} ({_M} art. 11(5), {_G} 3(6))",
    "gap.h1.what": "{days} more days until one year since registration; the firm can apply from {on}",
    "gap.h1.explain": "The firm must have been registered for 365 calendar days when it applies "
    f"({_M} art. 11(1), {_G} 3(1)); the earliest submission is {{on}}",
    "gap.h2.noncore": "{n} countable IP items do not give core support to the main products: review how they "
    "relate to the main products",
    "gap.h2.filed": "{n} pending IP items must be granted before the application",
    "gap.hints": "{items}",
    "gap.h2.hints": "; {items}",
    "gap.h2.what": "At least one granted IP item that gives core support to the main products is needed",
    "gap.h2.explain": "The firm must own IP that gives core support to its main products, through own R&D, "
    f"transfer, donation or acquisition ({_M} art. 11(2), {_G} 3(2)); a Class II item can be used for one "
    "HNTE application only{hints}",
    "gap.h3.missing": "Choose the third-level high-tech domain code of the core technology",
    "gap.h3.invalid": "The tech domain code “{code}” is not valid",
    "gap.h3.explain": "The core technology must belong to the state-supported high-tech domains "
    f"({_M} art. 11(3)); choose a third-level code from the catalogue (e.g. 10101 basic software)",
    "gap.h4.what": "{n} more tech staff needed (new hires count in total staff too)",
    "gap.h4.explain": "{year}: {tech} tech staff of {staff}; tech staff must be at least 10% of all staff "
    f"({_M} art. 11(4)), as full-year monthly averages, with at least 183 days worked ({_G} 3(5))",
    "gap.h4.missing.what": "Enter total staff and tech staff of {year}",
    "gap.h4.missing.explain": "The tech-staff share is the full-year monthly average of {year} "
    f"({_M} art. 11(4), {_G} 3(5))",
    "gap.h5.missing.what": "Enter R&D expenses and sales of {years}",
    "gap.h5.missing.explain": "The R&D share is computed over the last three fiscal years (over the years "
    f"operated when fewer) ({_M} art. 11(5), {_G} 3(6))",
    "gap.h6.what": "Domestic R&D needs {more} (10k CNY) more, or R&D commissioned abroad {less} less",
    "gap.h6.explain": "Domestic R&D {dom} (10k CNY) is less than 60% of total R&D of {rd}; new domestic R&D adds "
    "to the total too, so (6×total − 10×domestic)/4 = {more} more is needed; or cut R&D commissioned abroad so "
    f"that the total is at most domestic ÷ 60%: total − domestic ÷ 0.6 = {{less}} less ({_M} art. 11(5), {_G} 3(6))",
    "gap.h7.what": "High-tech product (service) income of {year} is {x} (10k CNY) short (at unchanged total income)",
    "gap.h7.explain": "Total income {inc} (10k CNY); high-tech product (service) income must be at least 60%; if "
    f"all new income is high-tech income, {{y}} more is needed ({_M} art. 11(6), {_G} 3(4))",
    "gap.h7.missing.what": "Enter high-tech product (service) income and total income of {year}",
    "gap.h7.missing.explain": f"The high-tech income share is taken from the last year ({_M} art. 11(6))",
    "gap.qty.what": "{n} more Class II IP items (utility models, designs, software copyrights) raise the score "
    "to {band} points; one Class I item (e.g. an invention patent) gives 7–8 directly",
    "gap.qty.explain": "IP quantity: one or more Class I items 7–8 points, five or more Class II 5–6, three or "
    f"four 3–4, one or two 1–2; countable Class II now: {{n}} ({_G} 3(7)1)",
    "gap.qty1.what": "One Class I IP item (e.g. an invention patent) raises the score from 5–6 to 7–8 points",
    "gap.qty1.explain": f"IP quantity: one or more Class I items give 7–8 points ({_G} 3(7)1)",
    "gap.conv.what": "Conversions need to average {target} a year to reach {lo}–{hi} points",
    "gap.conv.explain": "Over the last three years ({n} operated) {total} conversions, {avg} a year on average; "
    "{extra} more give an average of {target}. Average of 5 or more 25–30 points, 4: 19–24, 3: 13–18, "
    f"2: 7–12, 1: 1–6 ({_G} 3(7)2)",
    "gap.growth.missing.what": "Enter {label} of {years}",
    "gap.growth.missing.explain": f"With figures missing, {{label}} growth is estimated at 0–10 points ({_G} 3(7)4)",
    "gap.growth.short.what": "Fewer than two fiscal years operated: {label} growth scores 0",
    "gap.growth.short.explain": "Growth is measured over the years operated; with one year of figures no rate "
    f"can be computed ({_G} 3(7)4)",
    "gap.growth.v2.what": "{label} of the base year is zero or negative: {label} growth scores 0",
    "gap.growth.v2.explain": f"When {{label}} of the second year is zero or negative the item scores 0 ({_G} 3(7)4)",
    "gap.growth.what": "Last year's {label} need {x} (10k CNY) more to raise {label} growth to {band} points",
    "gap.growth.explain": "{label} growth {rate}; ≥35% 9–10 points, ≥25% 7–8, ≥15% 5–6, ≥5% 3–4, >0 1–2 "
    f"({_G} 3(7)4)",
    "gap.h8.what": "The innovation score is {short} points short at the minimum (expected {lo}–{hi})",
    "gap.h8.explain": f"The innovation score must be above 70 ({_M} art. 11(7), {_G} 3(7)); the IP, conversion, "
    "R&D management and growth items above can make it up",
    "gap.tsme.what": "Not yet eligible as a tech-based SME: {reasons}",
    "gap.tsme.explain": "All conditions of art. 6 of the Tech-SME Evaluation Measures must hold, with a score "
    "of at least 60 and a non-zero tech-staff score, or one of the direct routes of art. 8 (arts. 6–8)",
    "tsme.size.missing": "size conditions (staff ≤ 500, annual sales ≤ 200 million CNY, total assets ≤ 200 "
    "million CNY): figures missing",
    "tsme.size.fail": "size conditions (staff ≤ 500, annual sales ≤ 200 million CNY, total assets ≤ 200 "
    "million CNY) not met",
    "tsme.incident": "a major accident or violation between last year and this year",
    "tsme.restricted": "products in a restricted or phased-out category",
    "tsme.dishonest": "listed as operating abnormally or as seriously dishonest",
    "tsme.staff_zero": "the tech-staff score is 0 (tech staff must be at least 10%)",
    "tsme.score": "evaluation score {score}, {short} points short",
    "w.growth_net_assets": "net assets",
    "w.growth_sales": "sales",
    # ---- roadmap milestones (roadmap.planner)
    "ms.tsme.title": "Complete the tech-based SME self-evaluation, filing and registration within the evaluation "
    "window {opens} – {closes} (expected score {score} on the {year} figures; at least 60 needed)",
    "ms.tsme.basis": "Tech-SME Evaluation Measures (2017 No. 115): registered after 10 working days of public "
    "notice; the number is valid for one year and renewed by {renewal} each year; the provincial HNTE "
    "cultivation pool usually requires a registered tech-based SME",
    "ms.domain.title": "Choose the third-level code of the state-supported high-tech domain of the core "
    "technology (e.g. 10101 basic software)",
    "ms.domain.basis": f"{_M} art. 11(3) and its annex, the state-supported high-tech domains",
    "ms.data.title": "Enter the financial and staff figures of {years} (sales, R&D expenses, high-tech income, "
    "staff and tech staff)",
    "ms.data.basis": "The R&D, tech-staff and high-tech income shares are computed from the financial statements "
    "and corporate income tax returns of the last three fiscal years",
    "ms.grades.title": "Have experts pre-grade the IP's {what} (A–E); ungraded counts as 0 points; the grades "
    "are the reviewers' judgement and no plan can guarantee them",
    "w.grade.tech_advancement": "technical advancement",
    "w.grade.core_support": "core support for the main products",
    "ms.grades.basis": f"{_G} 3(7)1: technical advancement and core support 0–8 points each, graded by "
    "technical experts",
    "ms.ip.title": "File {n} {kind} application(s) (on the core technology of the main products) by {due}; "
    "grant expected by {grant} (cutoff {cutoff})",
    "ms.ip.title.fast": "File {n} {kind} application(s) (on the core technology of the main products, through "
    "the IP protection centre's pre-examination fast track) by {due}; grant expected by {grant} (cutoff {cutoff})",
    "ms.ip.basis": "{kind}: lead time taken as {months} months; file early to leave room for examination delays",
    "ms.ip.basis.fast": "{kind} through the pre-examination fast track: lead time taken as {months} months; the "
    "firm's county has the fast track, so register with the protection centre first; file early to leave room "
    "for examination delays",
    "ms.std.title": "Take part in drafting a national or industry standard, test method or technical "
    "specification (recognised by the state authorities): +1–2 IP points",
    "ms.std.basis": f"{_G} 3(7)1: taking part in drafting standards adds 1–2 points; the IP total is capped at 30",
    "ms.rd.domestic": ", all of it in China (no more R&D commissioned abroad)",
    "ms.rd.title": "R&D expenses of {year} at least {rd} (10k CNY) ({pct} of expected sales of {sales}){tail}",
    "ms.rd.title.none": "Keep booking R&D expenses by project in {year} (the other years already bring {span} "
    "up to the share; no minimum this year){tail}",
    "ms.rd.basis": "R&D over {span} must total at least {pct}% of total sales of {sales} (10k CNY), i.e. "
    f"{{required}} (last year's sales of {{last}} give the {{pct}}% band; {_M} art. 11(5))",
    "ms.rd.basis.closed": "R&D over {span} must total at least {pct}% of total sales of {sales} (10k CNY), i.e. "
    f"{{required}} (last year's sales of {{last}} give the {{pct}}% band; {_M} art. 11(5)); {{closed}} "
    "ended and can no longer change",
    "ms.ledger.title": "Set up and complete the HNTE R&D expense auxiliary ledgers for {span} (by R&D project "
    "RD01, RD02, …, consistent with the financial statements and the income tax returns)",
    "ms.ledger.basis": f"{_G} 3(6): R&D expenses are booked by project in HNTE auxiliary ledgers; 3(7)3: the "
    "ledgers are scored under R&D organisation and management",
    "ms.reclassify.title": "Check which existing staff work directly in R&D and related innovation, manage it or "
    "give direct technical services, with at least 183 days in {year}; count those who qualify as tech staff "
    "(each one saves about one hire)",
    "ms.reclassify.basis": f"{_G} 3(5): tech staff include full-time, part-time and temporary staff with at least "
    "183 days of actual work",
    "ms.hire.title": "Hire {n} tech staff by {by} and keep them in post through {year} (as full-year monthly "
    "averages each counts about {w}; tech staff at least 10% of staff on monthly averages in {year})",
    "ms.hire.basis": f"{_G} 3(5): staff and tech staff are full-year monthly averages (month = (start + end)/2, "
    "year = sum of the months / 12); new hires must work at least 183 days in {year}, so join by "
    f"{{year}}-07-01 at the latest; {_M} art. 11(4)",
    "ms.keep.title": "Keep at least {n} tech staff in {year} (about {staff} staff; at least 10% on full-year "
    "monthly averages)",
    "ms.keep.basis": f"{_G} 3(5): full-year monthly averages; {_M} art. 11(4)",
    "ms.ht.title": "High-tech product (service) income of {year} at least {need} (10k CNY) (60% of expected total "
    "income of {inc}), with products matched to IP and R&D projects",
    "ms.ht.title.share": "High-tech product (service) income of {year} at least 60% of total income",
    "ms.ht.basis": f"{_M} art. 11(6), {_G} 3(4): measured on the last year ({{year}})",
    "ms.conv.title": "At least {total} conversions of results in {year} ({extra} new), each with the contract, "
    "product test report, sales invoices or user certificates kept as evidence",
    "ms.conv.basis": f"{_G} 3(7)2: scored on the average over the last three years, 25–30 points for 5 or more a "
    "year; each result counts once",
    "ms.mgmt.title": "Put in place {piece} and keep the documents (R&D organisation and management, {pts} points)",
    "ms.mgmt.basis": f"{_G} 3(7)3: R&D organisation and management",
    "ms.platform.title": "Register the firm's account on the HNTE recognition platform (www.innocom.gov.cn) and "
    "have it activated by the local recognition office",
    "ms.platform.basis": "The HNTE recognition platform account must be registered and activated by the local "
    "recognition office first",
    "ms.audit.title": "Complete the annual audit of the {year} financial statements and the {year} corporate "
    "income tax annual filing (both before submitting the application)",
    "ms.audit.basis": f"{_G} 2(3): the application includes the financial reports and corporate income tax "
    "returns of the last three fiscal years; the statutory filing deadline is {due}",
    "ms.special.title": "After the annual audit, have a qualified intermediary issue the special audit "
    "(assurance) report on R&D expenses of {span} and high-tech product (service) income of {year}",
    "ms.special.basis": f"{_G} 2(3): the application includes a special audit or assurance report, based on the "
    "audited annual statements",
    "ms.annuity.title": "Pay the patent annuities and keep the official fee receipts; check that every IP item is "
    "in force and held by the firm",
    "ms.annuity.basis": f"{_G} 3(2)6: patents need the grant certificate or notice and the official fee receipts",
    "ms.linkage.title": "Prepare the pack linking the main products (services), IP and R&D projects (PS, IP and "
    "RD numbers matched one to one, explaining the core technical support)",
    "ms.linkage.basis": "The product–IP–R&D project linkage is a focus of the expert review",
    "ms.selfcheck.title": "Self-check against the conditions and the scoring (expected {lo}–{hi} with the plan; "
    "the minimum must reach 71)",
    "ms.selfcheck.basis": f"{_M} art. 11(7), {_G} 3(7)",
    "ms.report.title": "Submit the HNTE annual report for {year} by {due} (IP, tech staff, R&D expenses, income)",
    "ms.report.basis": f"{_M} art. 13: submitted by the end of May each year; status revoked after two years "
    "without it (art. 19)",
    "ms.submit.h1": "one year since registration: from {on}",
    "ms.submit.h9": "one year since the accident: from {on}",
    "ms.submit.notes": " ({items})",
    "ms.submit.title": "Submit the HNTE application on the recognition platform by the cutoff of batch {batch}, "
    "{cutoff}{notes}",
    "ms.submit.basis": f"{_M} art. 12; applications are accepted by batch; the cutoff is the one in the year's "
    "notice of the recognition office",
    "ms.submit.basis.once": f"{_M} art. 12; applications are accepted by batch; the cutoff is the one in the "
    "year's notice of the recognition office; one application per firm per year",
    "ms.submit.basis.rolling": f"{_M} art. 12; applications are accepted on a rolling basis; the cutoff is the "
    "one in the year's notice of the recognition office",
    "ms.submit.basis.rolling.once": f"{_M} art. 12; applications are accepted on a rolling basis; the cutoff is "
    "the one in the year's notice of the recognition office; one application per firm per year",
    # ---- why a batch is not safe, the lever, the risk (roadmap.planner)
    "why.h8": "With the plan the innovation score reaches at least {smin} (IP {ip}, conversions {cv}, R&D "
    f"management 20, growth {{g}}), below 71{{unknown}} ({_G} 3(7))",
    "why.cert_valid": "The HNTE certificate is valid until {exp}: no re-recognition while it is valid; apply again "
    "in its expiry year ({year})",
    "why.one_per_year": "Already applied once in {year}: a firm may apply once a year, so no other {year} batch is "
    "open to it; a new application waits for the {next} batches",
    "why.h1": "Registered on {reg}: only {days} days by the cutoff {cutoff}, fewer than 365; the firm can apply "
    f"from {{on}} ({_M} art. 11(1))",
    "why.h9": "A major safety or quality accident or a serious environmental violation on {at}{note}, less than a "
    f"year before the cutoff {{cutoff}}; the firm can apply from {{on}} ({_M} art. 11(8))",
    "why.h9.no_date": " (no date given, taken as today)",
    "why.h10": f"HNTE status revoked in {{year}}: no new application in the same year ({_G} 5(6))",
    "why.h5.missing": "R&D expenses or sales of {years} missing: the R&D share cannot be computed "
    f"({_M} art. 11(5))",
    "why.h5.infeasible": "R&D over {span} must reach {pct}% of total sales of {sales} (10k CNY) (last year's "
    f"sales {{last}}), i.e. {{required}}{{closed}}{{rest}} ({_M} art. 11(5))",
    "why.h5.closed": "; the years that have ended ({span}) total only {rd}",
    "why.h5.open": "; with R&D at most {max_pct} of sales in {years}{extra}, the total is at most {max_total}, "
    "a share of {share}: {pct}% cannot be reached",
    "why.h5.days_left": " ({year} has only {days} days left)",
    "why.h5.all_closed": ", a share of {share}; every year of the window has ended: {pct}% cannot be reached",
    "why.h6.infeasible": "Domestic R&D over {span} is at most {dom} (10k CNY), {pct} of total R&D of {rd}: below "
    f"60% even if all R&D from now on is done in China ({_M} art. 11(5))",
    "why.h4.missing": f"Total staff or tech staff of {{year}} missing: the tech-staff share cannot be judged ({_M} "
    "art. 11(4))",
    "why.h4.zero": f"Total staff of {{year}} is 0 ({_M} art. 11(4))",
    "why.h4.closed": "{year} has ended: tech staff {tech} of {staff} staff = {ratio}, below 10% "
    f"({_M} art. 11(4))",
    "why.h4.late": "Tech staff hired after 1 July {year} work fewer than 183 days in {year} and do not count; "
    "tech staff in {year}: {tech} of {staff} (full-year monthly averages) = {ratio}, below 10%: only existing "
    f"staff who qualify can be counted ({_G} 3(5))",
    "why.h7.missing": "High-tech product (service) income or total income of {year} missing "
    f"({_M} art. 11(6))",
    "why.h7.zero": f"Total income of {{year}} is 0 ({_M} art. 11(6))",
    "why.h7.closed": "{year} has ended: high-tech product (service) income of {ht} (10k CNY) is {pct} of total "
    f"income of {{inc}}, below 60% ({_M} art. 11(6))",
    "why.h7.late": "{year} has only {days} days left: the high-tech product (service) share can rise from {share} "
    f"to at most {{best}}, short of 60% ({_M} art. 11(6))",
    "why.h2.late": "No granted, countable IP item that gives core support to the main products{how} "
    f"({_M} art. 11(2))",
    "why.h2.fastest": "; the fastest, a {kind}, takes {months} months to grant and would have to be filed by "
    "{due}: too late",
    "why.h2.no_kind": "; no IP kind can be granted by the cutoff",
    "lever.h2.late": "IP: too late to get a grant by the cutoff; aim at a later batch",
    "why.no_batch": "No batch of the application calendar is still open",
    "why.h8.ungraded": "; the IP's {what} not graded yet, counted as 0",
    "lever.grades": "expert grades: grade A for the IP's technical advancement and core support would add {n} "
    "points (the experts' judgement; no plan can guarantee it)",
    "lever.growth": "growth: {g} points under the current assumptions; sales and net-asset growth of 35% or more "
    "would add at most {n}",
    "lever.conversion": "conversions: an average of 5 or more a year (limited by the yearly cap)",
    "lever.short": "{short} points short at the minimum",
    "lever.list": "{items}",
    "lever.missing": "{short} points short at the minimum; the missing levers: {levers}",
    "lever.code.cert_valid": "certificate validity: no re-recognition while it is valid; apply in its expiry year",
    "lever.code.one_per_year": "time: one application a year; apply in next year's batch",
    "lever.code.H1": "time: the firm can apply one year after registration",
    "lever.code.H2": "IP: a granted IP item that gives core support to the main products is needed",
    "lever.code.H3": "tech domain: choose the third-level domain code of the core technology first (missing data "
    "that no plan can replace)",
    "lever.code.H4": "tech staff: check existing staff or hire before 1 July of the year before",
    "lever.code.H5": "R&D: years that have ended cannot change; wait until the window reaches years that can",
    "lever.code.H6": "domestic R&D: raise domestic R&D or cut R&D commissioned abroad",
    "lever.code.H7": "high-tech income: raise the high-tech product (service) share of the last year",
    "lever.code.H8": "innovation score: expert grades, conversions and growth",
    "lever.code.H9": "time: the firm can apply one year after the accident or violation",
    "lever.code.H10": "time: no application in the year the status was revoked",
    "risk.score": "with the plan {lo}–{hi} points, midpoint {mid}, minimum below 71: passing depends on the "
    "experts' grades for the IP and on how the conversions and R&D management are judged (no plan can "
    "guarantee expert grades)",
    "risk.pending": "counts pending IP as granted: {items} (estimated from the lead times)",
    "risk.pending.item": "{kind} expected by {on}",
    "risk.growth": "growth estimated at {g} sales growth a year",
    # words used inside the sentences
    "w.not_below": "not below",
    "w.below": "below",
    "w.met": "met",
    "w.not_met": "not met",
    "band.5": "sales up to 50 million CNY",
    "band.4": "sales of 50–200 million CNY",
    "band.3": "sales above 200 million CNY",
}


def _fmt_param(name: str, v, lang: str):
    if isinstance(v, dict) and "code" in v:
        out = render(v, lang)
        return out if out is not None else None
    if isinstance(v, list):
        parts = [_fmt_param(name, x, lang) for x in v]
        return None if any(p is None for p in parts) else ", ".join(map(str, parts))
    if (name == "kind" or name.endswith("_kind")) and isinstance(v, str):
        return IP_KINDS_EN.get(v, v)
    if name == "piece" and isinstance(v, str):
        return RD_PIECES_EN.get(v, v)
    return v


def render(m: dict | None, lang: str) -> str | None:
    """A stored ``{"code", "params"}`` in ``lang`` ("en"); None when it cannot be rendered there."""
    if not isinstance(m, dict) or lang != "en":
        return None
    code, params = m.get("code"), m.get("params") or {}
    if code == "_join":
        parts = [render(p, lang) for p in params.get("parts") or []]
        if any(p is None for p in parts):
            return None
        return _SEP_EN.get(params.get("sep", ""), " ").join(parts)
    tpl = EN.get(code)
    if tpl is None:
        return None
    vals = {}
    for k, v in params.items():
        f = _fmt_param(k, v, lang)
        if f is None:
            return None
        vals[k] = f
    try:
        return tpl.format(**vals)
    except (KeyError, IndexError, ValueError):
        return None


def text_in(obj: dict | None, key: str, lang: str) -> str:
    """``obj[key]`` in ``lang``: rendered from ``obj[key + "_msg"]`` when English is asked and the
    message can be rendered, else the stored (Chinese) text."""
    if not obj:
        return ""
    if lang == "en":
        out = render(obj.get(key + "_msg"), lang)
        if out is not None:
            return out
    return obj.get(key) or ""
