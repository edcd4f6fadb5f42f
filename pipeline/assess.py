"""CLI door of the criteria engine: ``python -m pipeline.assess FILE|-``.

Reads one firm profile (JSON file, or ``-`` for standard input), writes its assessment as JSON
(UTF-8, ``ensure_ascii=False``) on standard output and exits 0, whatever the verdict. Input that
cannot be read or cannot be true: one Chinese line on standard error, nothing on standard
output, exit 2. Contract: ``shared/spec/assess-io.md``.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

from pipeline.criteria import ProfileError, assess, parse_profile


def _load(arg):
    if arg == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            with open(arg, "rb") as fh:
                raw = fh.read()
        except OSError as e:
            raise ProfileError(arg, f"无法读取文件（{e.strerror or e}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileError("输入", "不是UTF-8编码的文本") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise ProfileError("输入", f"不是有效的JSON（第{e.lineno}行第{e.colno}列：{e.msg}）") from None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write("用法：python -m pipeline.assess 文件路径|-\n")
        return 2
    try:
        data = _load(argv[0])
        result = assess(parse_profile(data)).to_dict()
    except ProfileError as e:
        sys.stderr.write(str(e).replace("\n", " ") + "\n")
        return 2
    out = json.dumps(result, ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
