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
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    widths = [max(8, min(40, len(str(h)) * 2 + 2)) for h in header]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
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
