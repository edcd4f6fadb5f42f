"""Hand-built hostile workbooks (issue 12): tiny files that make a naive reader allocate gigabytes."""

from __future__ import annotations

import zipfile
from io import BytesIO

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{ss}</Types>'
)
_SS_CT = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="培育库" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '{ss}</Relationships>'
)
_SS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADERS = ("统一社会信用代码", "企业名称", "县区")


def _header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS)
    )
    return f'<row r="1">{cells}</row>'


def workbook(sheet_xml: str, shared: str | None = None) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT.format(ss=_SS_CT if shared else ""))
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(ss=_SS_REL if shared else ""))
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared:
            zf.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def far_cell(ref: str, dimension: bool = False) -> bytes:
    """A header row plus one cell at ``ref`` (XFD1048576: calamine asks for 512 GB)."""
    dim = f'<dimension ref="A1:{ref}"/>' if dimension else ""
    return workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{dim}<sheetData>{_header_row()}'
        f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}"><v>1</v></c></row>'
        '</sheetData></worksheet>'
    )


def big_shared_string(mib: int = 2, refs: int = 2000) -> bytes:
    """One shared string of ``mib`` MiB referenced ``refs`` times (3 GB RSS in calamine)."""
    text = "长" * (mib * 1024 * 1024 // 3)
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{refs}" uniqueCount="1"><si><t>{text}</t></si></sst>'
    rows = "".join(f'<row r="{n}"><c r="B{n}" t="s"><v>0</v></c></row>' for n in range(2, refs + 2))
    return workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{_header_row()}{rows}'
        '</sheetData></worksheet>',
        shared,
    )


def whitespace_sheet(mib: int = 1) -> bytes:
    """A sheet whose cells hold nothing but 1 MiB of spaces, spread over many rows and columns."""
    blank = " " * 200
    cells_per_row = 50
    n_rows = mib * 1024 * 1024 // (len(blank) * cells_per_row) + 1
    rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c t="inlineStr"><is><t xml:space="preserve">{blank}</t></is></c>' for _ in range(cells_per_row)
        )
        + "</row>"
        for r in range(2, n_rows + 2)
    )
    return workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{_header_row()}{rows}'
        '</sheetData></worksheet>'
    )


def whitespace_cell(mib: int = 1) -> bytes:
    """One cell holding 1 MiB of whitespace."""
    return workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{_header_row()}'
        f'<row r="2"><c r="B2" t="inlineStr"><is><t xml:space="preserve">{" " * (mib << 20)}</t></is></c></row>'
        '</sheetData></worksheet>'
    )


def zip_bomb(mib: int = 200) -> bytes:
    """A sheet part of ``mib`` MiB of zeros-like XML padding compressed to a few hundred KB."""
    pad = " " * (mib << 20)
    return workbook(
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{pad}<sheetData>{_header_row()}'
        '</sheetData></worksheet>'
    )


HOSTILE = {
    "cell_at_XFD1048576": lambda: far_cell("XFD1048576"),
    "cell_at_XFD1048576_declared": lambda: far_cell("XFD1048576", dimension=True),
    "cell_at_XFD20000": lambda: far_cell("XFD20000"),
    "cell_at_A1048576": lambda: far_cell("A1048576"),
    "shared_string_2MiB_x2000": big_shared_string,
    "whitespace_sheet_1MiB": whitespace_sheet,
    "whitespace_cell_1MiB": whitespace_cell,
    "zip_bomb_200MiB": zip_bomb,
}
