"""Excel is a format, not a model: exporters yield a header and rows, and this one writer makes xlsx or CSV.

Every text cell that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) is neutralised with a leading apostrophe, so an exported list cannot attack
whoever opens it.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1") -> bytes:
    """A streaming (write-only) workbook: memory stays flat however many rows there are."""
    return write_xlsx_sheets([(title, header, rows)])


def _sheet_title(name: str, used: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    title = (name or "Sheet")[:31]
    for char in "[]:*?/\\":
        title = title.replace(char, "_")
    base, n = title, 1
    while title in used:
        n += 1
        title = f"{base[:28]}_{n}"
    used.add(title)
    return title


def write_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """(sheet name, header, rows) per sheet, each with a bold frozen header and neutralised cells."""
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    used: set[str] = set()
    for name, header, rows in sheets:
        ws = wb.create_sheet(title=_sheet_title(name, used))
        for i, h in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(8, min(40, len(str(h)) * 2 + 2))
        ws.freeze_panes = "A2"
        head_cells = []
        for h in header:
            cell = WriteOnlyCell(ws, value=str(h))
            cell.font, cell.fill = bold, fill
            head_cells.append(cell)
        ws.append(head_cells)
        for row in rows:
            ws.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it without garbling."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], *, fmt: str = "xlsx"
) -> HttpResponse:
    """An attachment response in xlsx (default) or csv."""
    if fmt == "csv":
        content, mime, ext = write_csv(header, rows), "text/csv; charset=utf-8", "csv"
    else:
        content, mime, ext = write_xlsx(header, rows), XLSX_MIME, "xlsx"
    response = HttpResponse(content, content_type=mime)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}.{ext}')}"
    return response
