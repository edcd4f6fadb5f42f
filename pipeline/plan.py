"""CLI door of the roadmap planner (``shared/spec/plan-io.md``)::

    python -m pipeline.plan PROFILE.json|- --today 2026-11-26 [--calendar CALENDAR.json]

Writes the plan as JSON (UTF-8, ``ensure_ascii=False``) on standard output and exits 0 for any
plan, also when no batch is feasible. Unreadable input (bad JSON, a profile the criteria engine
rejects, a bad ``--today``, a bad calendar, bad arguments): one Chinese line on standard error,
nothing on standard output, exit 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date

from pipeline.criteria import ProfileError
from pipeline.roadmap import CalendarError, calendar_from_json, parse_plan_input, plan

USAGE = "用法：python -m pipeline.plan 企业档案.json|- --today YYYY-MM-DD [--calendar 日历.json]"


class _InputError(Exception):
    pass


def _read_json(arg, what):
    if arg == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            with open(arg, "rb") as fh:
                raw = fh.read()
        except OSError as e:
            raise _InputError(f"{what}“{arg}”：无法读取文件（{e.strerror or e}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _InputError(f"{what}：不是UTF-8编码的文本") from None
    try:
        # floats as their exact decimal text: parse_profile takes decimal strings, but (criteria
        # engine as of this writing) rejects decimal.Decimal values
        return json.loads(text, parse_float=str)
    except json.JSONDecodeError as e:
        raise _InputError(f"{what}：不是有效的JSON（第{e.lineno}行第{e.colno}列：{e.msg}）") from None


def _args(argv):
    profile = today = cal = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--today", "--calendar"):
            if i + 1 >= len(argv):
                raise _InputError(f"参数{a}缺少取值。{USAGE}")
            v = argv[i + 1]
            i += 2
        elif a.startswith("--today=") or a.startswith("--calendar="):
            a, v = a.split("=", 1)
            i += 1
        elif a.startswith("--") or profile is not None:
            raise _InputError(f"无法识别的参数“{a}”。{USAGE}")
        else:
            profile = a
            i += 1
            continue
        if a == "--today":
            today = v
        else:
            cal = v
    if profile is None or today is None:
        raise _InputError(USAGE)
    try:
        d = date.fromisoformat(today.strip())
    except ValueError:
        raise _InputError(f"--today：“{today}”不是有效日期（应为YYYY-MM-DD）") from None
    return profile, d, cal


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        path, today, cal_path = _args(argv)
        data = _read_json(path, "企业档案")
        profile, extras, assumptions = parse_plan_input(data, today)
        calendar = None
        if cal_path is not None:
            calendar = calendar_from_json(_read_json(cal_path, "日历"))
        result = plan(profile, today, calendar, None, assumptions, extras).to_dict()
    except ProfileError as e:
        sys.stderr.write(str(e).replace("\n", " ") + "\n")
        return 2
    except (_InputError, CalendarError) as e:
        sys.stderr.write(str(e).replace("\n", " ") + "\n")
        return 2
    out = json.dumps(result, ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
