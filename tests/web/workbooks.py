"""Excel uploads for tests: a workbook of the pool export's columns, built as an officer fills it in."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from pipeline.services.exports import COLUMNS

HEADERS = [c.header for c in COLUMNS]


def pool_xlsx(rows, headers=HEADERS) -> bytes:
    """The bytes of a workbook: ``headers``, then one line per row (a dict by header; missing: blank)."""
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
