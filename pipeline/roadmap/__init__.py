"""Pure roadmap planner: calendar + lead times + criteria engine → target batch and milestones.

Public API (contract ``shared/spec/plan-io.md``)::

    plan(profile, today, calendar=None, lead_times=None, assumptions=None, extras=None) -> Plan
    what_if(profile, changes, today, calendar=None, lead_times=None, ...) -> Plan
    parse_plan_input(data) -> (Profile, PlanExtras, assumptions)
    Plan.to_dict()                      the contract JSON
    Batch, Calendar, default_calendar(today, years_ahead=4), calendar_from_json(data)
    LeadTime, DEFAULT_LEAD_TIMES, lead_times_from_json(data), PLANNER_DATA_VERSION

No Flask, no database, no clock: ``today`` is always an argument.
"""

from .calendar import (
    DEFAULT_ANNUAL_REPORT_MD,
    DEFAULT_BATCH_PATTERN,
    DEFAULT_LEAD_TIMES,
    DEFAULT_PROVINCE,
    DEFAULT_TSME_WINDOW,
    IP_KIND_NAMES,
    PLANNER_DATA_VERSION,
    PROVINCE_PRACTICES,
    Batch,
    Calendar,
    CalendarError,
    LeadTime,
    ProvincePractice,
    TsmeWindow,
    add_months,
    calendar_from_json,
    calendar_to_json,
    default_calendar,
    default_tsme_window,
    lead_times_from_json,
    lead_times_version,
    make_calendar,
)
from .planner import (
    DEFAULT_ASSUMPTIONS,
    WHAT_IF_KEYS,
    Blocked,
    HightechPlan,
    Milestone,
    Overrides,
    Plan,
    PlanExtras,
    RDPlan,
    StaffPlan,
    WhatIfError,
    normalize_assumptions,
    outlook,
    parse_plan_input,
    plan,
    what_if,
)

__all__ = [
    "plan",
    "what_if",
    "outlook",
    "parse_plan_input",
    "normalize_assumptions",
    "Plan",
    "PlanExtras",
    "Overrides",
    "Blocked",
    "RDPlan",
    "StaffPlan",
    "HightechPlan",
    "Milestone",
    "WhatIfError",
    "DEFAULT_ASSUMPTIONS",
    "WHAT_IF_KEYS",
    "Batch",
    "Calendar",
    "CalendarError",
    "LeadTime",
    "DEFAULT_BATCH_PATTERN",
    "DEFAULT_LEAD_TIMES",
    "IP_KIND_NAMES",
    "PLANNER_DATA_VERSION",
    "add_months",
    "calendar_from_json",
    "calendar_to_json",
    "default_calendar",
    "lead_times_from_json",
    "lead_times_version",
    "make_calendar",
    "TsmeWindow",
    "default_tsme_window",
    "DEFAULT_TSME_WINDOW",
    "DEFAULT_ANNUAL_REPORT_MD",
    "DEFAULT_PROVINCE",
    "ProvincePractice",
    "PROVINCE_PRACTICES",
]
