"""Hostile workbooks are refused fast and in bounded memory (issue 12, item 1).

Each parse runs in a child process with an address-space limit (RLIMIT_AS), so a regression that
tries to allocate gigabytes fails this test instead of killing the test run. The child reports the
message, the parse time and its peak RSS.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hostile_xlsx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AS_LIMIT = 1536 * 1024 * 1024  # address space for the child: python + flask + openpyxl need ~600 MB virtual

CHILD = r'''
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from flask import Flask
from flask_babel import Babel
app = Flask("child")
app.config.update(IMPORT_MAX_MB=5, IMPORT_MAX_ROWS=5000, BABEL_DEFAULT_LOCALE="zh",
                  BABEL_TRANSLATION_DIRECTORIES=sys.argv[3])
Babel(app, locale_selector=lambda: "zh")
from pipeline.services import imports
data = open(sys.argv[1], "rb").read()
def hwm():  # VmHWM: peak RSS of this image (ru_maxrss would carry the forking parent's peak over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
base = hwm()
with app.test_request_context():
    t = time.perf_counter()
    try:
        rows = imports.read_sheet(data, "hostile.xlsx")
        if len(rows) < 2:
            raise imports.ImportRefused("empty")
        msg = None
    except imports.ImportRefused as exc:
        msg = str(exc)
    seconds = time.perf_counter() - t
peak = hwm()
print(json.dumps({"message": msg, "seconds": seconds, "peak_mb": peak / 1024, "base_mb": base / 1024}))
'''


@pytest.fixture(scope="module")
def zh_catalog(tmp_path_factory):
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = tmp_path_factory.mktemp("tr")
    target = out / "zh" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(ROOT / "pipeline/translations/zh/LC_MESSAGES/messages.po", "rb") as fh:
        cat = read_po(fh, locale="zh")
    with open(target / "messages.mo", "wb") as fh:
        write_mo(fh, cat)
    return out


def parse_in_child(data: bytes, tmp_path, catalog) -> dict:
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(AS_LIMIT), str(catalog)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"child died (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


EXPECTED = {
    "cell_at_XFD1048576": "列",
    "cell_at_XFD1048576_declared": "列",
    "cell_at_XFD20000": "列",
    "cell_at_A1048576": "超过上限",
    "shared_string_2MiB_x2000": "解压后为 2.0 MB",
    "whitespace_sheet_1MiB": ("empty", "解压"),
    "whitespace_cell_1MiB": ("字符", "解压"),
    "zip_bomb_200MiB": "解压",
}


@pytest.mark.parametrize("name", sorted(hostile_xlsx.HOSTILE))
def test_hostile_workbook_refused_fast_and_small(name, tmp_path, zh_catalog):
    data = hostile_xlsx.HOSTILE[name]()
    assert len(data) < 300 * 1024
    out = parse_in_child(data, tmp_path, zh_catalog)
    assert out["message"], f"{name} was accepted"
    expected = EXPECTED[name] if isinstance(EXPECTED[name], tuple) else (EXPECTED[name],)
    assert any(e in out["message"] for e in expected), out["message"]
    assert out["seconds"] < 0.5, out
    assert out["peak_mb"] < 200, out


def test_one_over_long_text_is_refused_before_any_row_is_read(tmp_path, zh_catalog):
    """Text that does not compress (so the ratio check passes): the shared-string stream catches it."""
    import random

    rnd = random.Random(1)
    text = "".join(chr(0x4E00 + rnd.randrange(20000)) for _ in range(40000))
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst {hostile_xlsx._NS}><si><t>{text}</t></si></sst>'
    rows = "".join(f'<row r="{n}"><c r="B{n}" t="s"><v>0</v></c></row>' for n in range(2, 2002))
    data = hostile_xlsx.workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {hostile_xlsx._NS}><sheetData>'
        f'{hostile_xlsx._header_row()}{rows}</sheetData></worksheet>',
        shared,
    )
    out = parse_in_child(data, tmp_path, zh_catalog)
    assert "40000 个字符" in out["message"] and out["seconds"] < 0.5


def test_a_real_5000_row_sheet_still_reads(tmp_path, zh_catalog):
    """The limits leave the normal case alone: a template-shaped sheet at the row cap reads in full."""
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(list(hostile_xlsx.HEADERS) + ["备注"])
    for n in range(5000):
        ws.append([f"91320706MA{n:07d}X", f"企业{n}", "海州区", "备注" * 20])
    buf = BytesIO()
    wb.save(buf)
    out = parse_in_child(buf.getvalue(), tmp_path, zh_catalog)
    assert out["message"] is None, out
    assert out["peak_mb"] < 200, out
