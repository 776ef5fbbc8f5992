"""Reading a ledger file into sheets of rows (lists of cell values), whatever its format.

.xlsx and .xls go through python-calamine (Rust; several times faster than openpyxl's read-only
mode, see docs/bench/ledgers.md); .csv is decoded as UTF-8 (with or without BOM) or, failing that,
GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows writes).
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _


class UnreadableFile(ValueError):
    """The file cannot be read at all (wrong format, damaged, encrypted)."""


@dataclass
class Sheet:
    name: str
    rows: list[list]


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("无法识别这个CSV文件的编码，请另存为UTF-8或GBK编码的CSV，或直接上传Excel文件。"))


INTERN_LIMIT = 1000  # distinct values a column may have and still be shared


def shared_cells(rows) -> list[list]:
    """The rows as lists, with each column's repeated strings made one object.

    A 200,000-row ledger repeats its 村, 组, 民族, 与户主关系, 居住状态 in every row, each cell a new
    string from the reader: sharing them saves ~100 MB, the largest part of what the rows weigh
    (docs/bench/ledgers.md). A column with more distinct values than INTERN_LIMIT (names, IDs,
    phones) stops being tracked, so the tables stay small.
    """
    seen: list[dict | None] = []
    out = []
    for source in rows:
        row = list(source)
        if len(seen) < len(row):
            seen.extend({} for _ in range(len(row) - len(seen)))
        for column, value in enumerate(row):
            if type(value) is not str:
                continue
            table = seen[column]
            if table is None:
                continue
            same = table.get(value)
            if same is not None:
                row[column] = same
            elif len(table) < INTERN_LIMIT:
                table[value] = value
            else:
                seen[column] = None
        out.append(row)
    return out


def read_csv(data: bytes) -> list[Sheet]:
    text = decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = shared_cells(csv.reader(io.StringIO(text), dialect))
    return [Sheet(name="CSV", rows=rows)]


def read_workbook(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            sheets.append(Sheet(name=name, rows=shared_cells(sheet.to_python(skip_empty_area=False))))
        return sheets
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types for damaged files
        raise UnreadableFile(
            _("无法读取这个表格文件（%(error)s）。请确认它是.xlsx、.xls或.csv文件，没有加密，也没有损坏。")
            % {"error": str(exc)[:120]}
        ) from None


def read(path: Path, *, filename: str = "") -> list[Sheet]:
    """All sheets of the file; raises UnreadableFile when nothing can be read."""
    suffix = Path(filename or path.name).suffix.lower()
    if suffix == ".csv":
        return read_csv(Path(path).read_bytes())
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return read_workbook(Path(path))
    raise UnreadableFile(
        _("只能导入.xlsx、.xls或.csv文件，这个文件是“%(suffix)s”。") % {"suffix": suffix or "?"}
    )
