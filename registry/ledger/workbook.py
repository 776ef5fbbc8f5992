"""The quarantine workbook: one sheet per source sheet, each with its own header, cells neutralised."""

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from core.excel import neutralise


def write_xlsx_sheets(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence]]]) -> bytes:
    """(sheet name, header, rows) per sheet; names keep the source sheet's so a fixed file reads alike."""
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    used: set[str] = set()
    for name, header, rows in sheets:
        title = (name or "Sheet")[:31]
        for char in "[]:*?/\\":
            title = title.replace(char, "_")
        n = 1
        while title in used:
            n += 1
            title = f"{title[:28]}_{n}"
        used.add(title)
        ws = wb.create_sheet(title=title)
        ws.freeze_panes = "A2"
        head = []
        for h in header:
            cell = WriteOnlyCell(ws, value=str(h))
            cell.font, cell.fill = bold, fill
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
