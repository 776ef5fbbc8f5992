"""Deliberately messy ledgers, generated (no committed binaries): each trap real offices' files contain.

`Ledger` holds rows of plain values plus the layout tricks; `to_xlsx`, `to_xls` and `to_csv`
write it the way Excel (or WPS) would.
"""

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook

from registry import idcard

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟强磊军勇杰涛明超刚平辉芳娜敏静丽艳娟霞秀英兰凤"
HEADER = [
    "序号",
    "户主姓名",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "与户主关系",
    "联系电话",
    "住址",
    "居住状态",
]


def make_id(birth: date, n: int, sex: str = "M") -> str:
    seq = 800 + (n * 2 + (1 if sex == "M" else 0)) % 200
    return idcard.make_number("419901", birth, seq)


@dataclass
class Ledger:
    """A sheet: title/notes lines above, a header (one or two rows), data rows, lines below."""

    header: list[str] = field(default_factory=lambda: list(HEADER))
    rows: list[list] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    parent_header: list[str] | None = None  # a second header row above `header` (merged groups)
    merges: list[str] = field(default_factory=list)  # openpyxl ranges, e.g. "A1:J1"
    footer: list[list] = field(default_factory=list)
    name: str = "花名册"

    def all_rows(self) -> list[list]:
        out = [[t] for t in self.title]
        if self.parent_header:
            out.append(self.parent_header)
        out.append(self.header)
        return out + self.rows + self.footer

    @property
    def first_data_row(self) -> int:
        """1-based spreadsheet row of the first data row."""
        return len(self.title) + (2 if self.parent_header else 1) + 1


def households(n: int, *, seed: int = 1, village: str = "", start: int = 0) -> list[list]:
    """n households of 1-4 people as clean rows in HEADER order."""
    rng = random.Random(seed)
    rows, k = [], start
    for h in range(n):
        surname = rng.choice(SURNAMES)
        head = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
        address = f"{village}{h % 8 + 1}组{h + 1 + start}号"
        size = rng.randint(1, 4)
        for m in range(size):
            k += 1
            sex = "M" if (m == 0 or rng.random() < 0.5) else "F"
            birth = date(rng.randint(1935, 2015), rng.randint(1, 12), rng.randint(1, 28))
            name = head if m == 0 else surname + rng.choice(GIVEN) + rng.choice(GIVEN) + str(m)
            relation = "户主" if m == 0 else rng.choice(["配偶", "子", "女", "孙子"])
            rows.append(
                [
                    k,
                    head,
                    name,
                    make_id(birth, k, sex),
                    "男" if sex == "M" else "女",
                    birth.strftime("%Y-%m-%d"),
                    relation,
                    f"13{k % 10}0000{k % 10000:04d}" if rng.random() < 0.6 else "",
                    address,
                    rng.choice(["常住", "外出务工", "常住", "外出就学"]),
                ]
            )
    return rows


def to_xlsx(*sheets: Ledger, numeric_columns: set[int] = frozenset()) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for ledger in sheets:
        ws = wb.create_sheet(ledger.name)
        for row in ledger.all_rows():
            ws.append(row)
        for cell_range in ledger.merges:
            ws.merge_cells(cell_range)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_xls(*sheets: Ledger) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for ledger in sheets:
        ws = wb.add_sheet(ledger.name)
        for r, row in enumerate(ledger.all_rows()):
            for c, value in enumerate(row):
                if value is None:
                    continue
                ws.write(r, c, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_csv(ledger: Ledger, *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in ledger.all_rows():
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def messy(n_households: int = 6, *, seed: int = 7) -> Ledger:
    """Title and notes above, the header on row 4, a blank row, a subtotal, a closing note."""
    rows = households(n_households, seed=seed)
    ledger = Ledger(
        title=["甲一村2026年常住人口台账", "填报单位：甲一村村委会        填报时间：2026年10月"],
        rows=rows[:4] + [[None] * 10] + rows[4:] + [["小计", None, f"{len(rows)}人"]],
        footer=[["注：本表由村委会填写，身份证号请设为文本格式。"]],
        merges=["A1:J1"],
    )
    return ledger
