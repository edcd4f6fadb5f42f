"""Reading an untrusted .xlsx with bounded time and memory (issue 12).

A workbook is a zip of XML parts, and every size in it can lie. Before any spreadsheet library
touches the file we check, in this order and without building the sheet:

1. the zip directory: number of parts, each part's uncompressed size and compression ratio
   (the sizes come from the central directory; ``zipfile`` also stops reading a part at its declared
   size, so a part cannot inflate past what was checked);
2. the sheet's declared ``<dimension>`` (refused if it is bigger than the import allows);
3. the shared strings, streamed: no single text longer than Excel's own cell limit;
4. the sheet XML, streamed: every cell that holds a value lies inside the allowed rows and
   columns (the cells' ``r`` attributes decide, a ``<dimension>`` can lie), and the number of
   cells is bounded.

Only then does openpyxl (``read_only``, via defusedxml) read the rows, as a stream, with the
row and column caps passed in, so it never pads past them. Memory stays at the size of the
shared-string table plus the capped rows: a 1.6 KB file with a cell at XFD1048576 is refused in
milliseconds, where calamine asked for 512 GB.

Every refusal is an :class:`~pipeline.services.imports.ImportRefused`-compatible ``ValueError``
subclass carrying a message in the UI language.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from posixpath import join, normpath
from typing import NamedTuple

from defusedxml.ElementTree import fromstring, iterparse

from pipeline.i18n import gettext

EXCEL_MAX_CELL_CHARS = 32767  # Excel's own limit for one cell's text
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class SheetRefused(ValueError):
    """The file is refused before or while reading; the message is for the user."""


@dataclass(frozen=True)
class Limits:
    max_rows: int  # data rows (the header is one more)
    max_cols: int = 64  # the template has 20 columns; blank columns up to this are tolerated
    max_parts: int = 400
    max_part_bytes: int = 40 * 1024 * 1024  # one uncompressed XML part
    max_total_bytes: int = 64 * 1024 * 1024  # all parts together, uncompressed
    max_shared_strings_bytes: int = 16 * 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed, for parts over 1 MiB


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


class CellRef(NamedTuple):
    col: int
    row: int


def _parse_ref(ref: str) -> CellRef | None:
    """``"C12"`` → CellRef(col=3, row=12); None when it is no cell reference."""
    m = _REF.match(ref or "")
    return CellRef(col_number(m[1]), int(m[2])) if m else None


def _mib(n: int) -> str:
    return format(n / 1024 / 1024, ".1f")


def _check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_parts:
        raise SheetRefused(
            gettext(
                "The workbook has %(n)s parts; a pool sheet has far fewer. Copy the data into the "
                "template and import that",
                n=len(infos),
            )
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes or (
            info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            raise SheetRefused(
                gettext(
                    "The workbook part “%(part)s” unpacks to %(size)s MB, more than a pool sheet "
                    "can need. Copy the data into the template and import that",
                    part=info.filename[:80],
                    size=_mib(info.file_size),
                )
            )
        if (
            info.filename.lower().endswith("sharedstrings.xml")
            and info.file_size > limits.max_shared_strings_bytes
        ):
            raise SheetRefused(
                gettext(
                    "The workbook's text table unpacks to %(size)s MB, more than a pool sheet can "
                    "need. Copy the data into the template and import that",
                    size=_mib(info.file_size),
                )
            )
    if total > limits.max_total_bytes:
        raise SheetRefused(
            gettext(
                "The workbook unpacks to %(size)s MB, more than a pool sheet can need. Copy the "
                "data into the template and import that",
                size=_mib(total),
            )
        )


def _first_sheet_path(zf: zipfile.ZipFile) -> str:
    """The first sheet in workbook order (what openpyxl's ``worksheets[0]`` is)."""
    names = set(zf.namelist())
    try:
        wb = fromstring(zf.read("xl/workbook.xml"))
        sheet = wb.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
        rid = sheet.get(f"{_NS_REL}id") if sheet is not None else None
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
            if rel.get("Id") == rid:
                target = rel.get("Target", "")
                path = (
                    normpath(target.lstrip("/")) if target.startswith("/") else normpath(join("xl", target))
                )
                if path in names:
                    return path
    except Exception:
        pass
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    raise SheetRefused("")  # replaced by the caller's "damaged" message


def _check_shared_strings(zf: zipfile.ZipFile) -> None:
    path = next((n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if path is None:
        return
    with zf.open(path) as src:
        for _n, (_, elem) in enumerate(iterparse(src, events=("end",))):
            if elem.tag == f"{_NS_MAIN}si":
                length = sum(len(t.text or "") for t in elem.iter(f"{_NS_MAIN}t"))
                if length > EXCEL_MAX_CELL_CHARS:
                    raise SheetRefused(
                        gettext(
                            "A cell holds %(n)s characters, more than Excel allows in one cell "
                            "(%(limit)s). Check the file and import again",
                            n=length,
                            limit=EXCEL_MAX_CELL_CHARS,
                        )
                    )
                elem.clear()


def _too_many_rows(last_row: int, limits: Limits) -> SheetRefused:
    return SheetRefused(
        gettext(
            "%(n)s data rows are more than the limit of %(limit)s rows. Split the sheet and import "
            "the parts one by one",
            n=last_row - 1,
            limit=limits.max_rows,
        )
    )


def _too_wide(row: int, col: int, limits: Limits) -> SheetRefused:
    return SheetRefused(
        gettext(
            "The sheet has a value in row %(row)s, column %(col)s; the import reads at most "
            "%(max_cols)s columns. Copy only the data into the template and import that",
            row=row,
            col=col,
            max_cols=limits.max_cols,
        )
    )


def _scan_sheet(zf: zipfile.ZipFile, path: str, limits: Limits) -> None:
    """Stream the sheet XML: declared dimension, then every value cell's position; stops at the first excess.

    Rows past the cap are still counted (cheaply, nothing kept) so that the message says how many there are.
    """
    max_row, max_col = limits.max_rows + 1, limits.max_cols
    max_cells = 2 * max_row * max_col
    cells = row_no = col_no = last_value_row = 0
    with zf.open(path) as src:
        for event, elem in iterparse(src, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{_NS_MAIN}dimension":
                    last = _parse_ref((elem.get("ref") or "").upper().split(":")[-1])
                    if last and last.col > max_col:
                        raise _too_wide(last.row, last.col, limits)
                    if last and last.row > max_row:
                        raise _too_many_rows(last.row, limits)
                elif tag == f"{_NS_MAIN}row":
                    r = elem.get("r")
                    row_no = int(r) if r and r.isdigit() else row_no + 1
                    col_no = 0
                continue
            if tag == f"{_NS_MAIN}c":
                cells += 1
                pos = _parse_ref((elem.get("r") or "").upper())
                col_no = pos.col if pos else col_no + 1
                row = pos.row if pos else row_no
                if any(child.tag in (f"{_NS_MAIN}v", f"{_NS_MAIN}is", f"{_NS_MAIN}f") for child in elem):
                    if col_no > max_col:
                        raise _too_wide(row, col_no, limits)
                    last_value_row = max(last_value_row, row)
                if cells > max_cells or last_value_row > 20 * max_row:
                    raise _too_many_rows(last_value_row if last_value_row > max_row else row, limits)
                inline = elem.find(f"{_NS_MAIN}is")
                if inline is not None:
                    length = sum(len(t.text or "") for t in inline.iter(f"{_NS_MAIN}t"))
                    if length > EXCEL_MAX_CELL_CHARS:
                        raise SheetRefused(
                            gettext(
                                "A cell holds %(n)s characters, more than Excel allows in one "
                                "cell (%(limit)s). Check the file and import again",
                                n=length,
                                limit=EXCEL_MAX_CELL_CHARS,
                            )
                        )
                elem.clear()
            elif tag == f"{_NS_MAIN}row":
                elem.clear()  # empty (formatted) cells past the caps are ignored, never read
    if last_value_row > max_row:
        raise _too_many_rows(last_value_row, limits)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(data: bytes, limits: Limits) -> list[list]:
    """The first sheet's rows (header first) as lists of values, trailing empty rows dropped.

    Raises :class:`SheetRefused` with an empty message when the file is not a readable workbook
    (the caller words it with the file's name), and with a message for every excess.
    """
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SheetRefused("")
    with zf:
        _check_zip(zf, limits)
        try:
            path = _first_sheet_path(zf)
            _check_shared_strings(zf)
            _scan_sheet(zf, path, limits)
        except SheetRefused:
            raise
        except Exception:  # broken XML, bad CRC, forbidden DTD or entity (defusedxml)
            raise SheetRefused("")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            rows: list[list] = []
            for values in ws.iter_rows(
                min_row=1, max_row=limits.max_rows + 2, max_col=limits.max_cols, values_only=True
            ):
                rows.append(list(values))
        finally:
            wb.close()
    except SheetRefused:
        raise
    except Exception:
        raise SheetRefused("")
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    for row in rows:
        while row and _blank(row[-1]):
            row.pop()
    if len(rows) - 1 > limits.max_rows:  # cannot happen after the scan; kept as the last word
        raise _too_many_rows(len(rows), limits)
    return rows
