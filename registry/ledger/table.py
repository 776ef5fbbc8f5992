"""Finding the table in a sheet: the header (one or two rows, merged cells), then the data rows.

Titles and notes above the header, blank rows, total/subtotal rows, notes below the table and
header rows repeated on every printed page are recognised and set aside (and counted), never
mistaken for people.
"""

import re
from dataclasses import dataclass, field

from registry.ledger import cells, columns

HEADER_SEARCH_ROWS = 30
TOTAL_RE = re.compile(r"^(合计|小计|总计|共计|总数|汇总)")
NOTE_RE = re.compile(r"^(注|备注[:：]|说明|填表|制表|审核|填报|负责人|联系人|统计时间|打印)")


@dataclass
class Table:
    sheet: str
    header_rows: list[int]  # 0-based indexes of the header row(s)
    labels: list[str]  # one label per column: child label, or parent-child when two header rows
    proposed: dict[int, str]  # column index -> field
    data: list[tuple[int, list]] = field(default_factory=list)  # (0-based row index, cells)
    skipped: dict[str, int] = field(default_factory=dict)  # blank / total / note / repeated header

    @property
    def signature(self) -> str:
        return columns.signature(self.labels)


def _labels_one(row: list) -> list[str]:
    return [cells.text(v) for v in row]


def _labels_two(parent: list, child: list) -> list[str]:
    width = max(len(parent), len(child))
    parent = [cells.text(v) for v in parent] + [""] * (width - len(parent))
    child = [cells.text(v) for v in child] + [""] * (width - len(child))
    filled, current = [], ""
    for p, c in zip(parent, child, strict=True):
        if p:
            current = p
        elif not c:
            current = ""
        # a merged parent spans the children to its right until the next parent label
        filled.append(p or (current if c else ""))
    labels = []
    for p, c in zip(filled, child, strict=True):
        if p and c and p != c:
            labels.append(f"{p}-{c}")
        else:
            labels.append(c or p)
    return labels


def _label_field(label: str) -> str | None:
    if "-" in label:
        parent, child = label.split("-", 1)
        for candidate in (child, label, parent):
            if columns.is_known(candidate):
                return columns.match(candidate)
    return columns.match(label)


def _propose(labels: list[str]) -> tuple[dict[int, str], int]:
    proposed: dict[int, str] = {}
    recognised = 0
    for i, label in enumerate(labels):
        if not label:
            continue
        if columns.is_known(label.split("-", 1)[-1]) or columns.is_known(label):
            recognised += 1
        field_name = _label_field(label)
        if field_name and field_name not in proposed.values():
            proposed[i] = field_name
    return proposed, recognised + len(proposed)


def _non_empty(row: list) -> int:
    return sum(1 for v in row if cells.text(v))


def find_table(name: str, rows: list[list]) -> Table | None:
    """The best header (one row or a parent row plus a child row) among the first rows, or None."""
    best: tuple[int, int, list[int], list[str], dict] | None = None
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for r in range(limit):
        if _non_empty(rows[r]) < 2:
            continue
        candidates = [([r], _labels_one(rows[r]))]
        if r + 1 < len(rows) and _non_empty(rows[r + 1]) >= 1:
            candidates.append(([r, r + 1], _labels_two(rows[r], rows[r + 1])))
        for header_rows, labels in candidates:
            proposed, score = _propose(labels)
            if len(proposed) < 2:
                continue
            key = (score, -len(header_rows))
            if best is None or key > (best[0], best[1]):
                best = (score, -len(header_rows), header_rows, labels, proposed)
    if best is None:
        return None
    _score, _n, header_rows, labels, proposed = best
    table = Table(sheet=name, header_rows=header_rows, labels=labels, proposed=proposed)
    header_raw = [cells.text(v) for v in rows[header_rows[-1]]]
    first_label = next((i for i, v in enumerate(header_raw) if v), 0)
    skipped = {"blank": 0, "total": 0, "note": 0, "header": 0}
    for index in range(header_rows[-1] + 1, len(rows)):
        row = rows[index]
        filled = [v for v in row if v is not None and v != "" and not (isinstance(v, str) and not v.strip())]
        if not filled:
            skipped["blank"] += 1
        elif any(isinstance(v, str) and TOTAL_RE.match(v.replace(" ", "").strip()) for v in row[:4]):
            skipped["total"] += 1
        elif len(filled) == 1 and isinstance(filled[0], str) and NOTE_RE.match(cells.text(filled[0])):
            skipped["note"] += 1
        elif (
            len(row) > first_label
            and isinstance(row[first_label], str)
            and cells.text(row[first_label]) == header_raw[first_label]
            and [cells.text(v) for v in row] == header_raw[: len(row)]
        ):
            skipped["header"] += 1
        else:
            table.data.append((index, row))
    table.skipped = {k: v for k, v in skipped.items() if v}
    return table
