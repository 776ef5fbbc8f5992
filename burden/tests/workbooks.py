"""Excel templates as upper levels send them, built in the test suite: one per layout trap."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FONT = Font(name="宋体", bold=True, size=11)
HEAD_FILL = PatternFill("solid", fgColor="FFD9E1F2")
DATA_FONT = Font(name="仿宋", size=10, color="FF1F3864")


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _notes(wb) -> None:
    notes = wb.create_sheet("填表说明")
    notes["A1"] = "1. 数据截至上月末。"
    notes["A2"] = "2. 请勿修改表头。"
    notes["A1"].font = Font(italic=True, color="FF808080")
    notes.column_dimensions["A"].width = 44


def village_template(*, listed_villages: list[str] | None = None, total_row: bool = True) -> bytes:
    """Title, an info row, a two-row merged header, a 1,2,3 row, a 合计 row and a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人口统计"
    ws.merge_cells("A1:I1")
    ws["A1"] = "2026年各村人口和重点人群情况统计表"
    ws["A1"].font = Font(name="黑体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = "填报单位：（盖章）"
    ws["G2"] = "填报日期：   年  月  日"
    heads = {
        "A3": "序号",
        "B3": "村（社区）名称",
        "C3": "户数（户）",
        "D3": "人口情况",
        "D4": "户籍人口",
        "E4": "常住人口",
        "F3": "其中：60周岁及以上人数",
        "G3": "独居老人（人）",
        "H3": "低保户数",
        "I3": "村级公益岗位数",
    }
    for ref, text in heads.items():
        ws[ref] = text
    for ref in ("A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4", "H3:H4", "I3:I4"):
        ws.merge_cells(ref)
    for row in ws.iter_rows(min_row=3, max_row=4, max_col=9):
        for cell in row:
            cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c in range(1, 10):
        ws.cell(5, c, c).border = BOX
    data_row = 6
    if total_row:
        ws.cell(6, 2, "合计").font = Font(bold=True)
        data_row = 7
    for i, name in enumerate(listed_villages or []):
        ws.cell(data_row + i, 2, name)
    for c in range(1, 10):
        cell = ws.cell(data_row, c)
        cell.font, cell.border = DATA_FONT, BOX
        cell.number_format = "#,##0" if c > 2 else "General"
    for letter, width in zip("ABCDEFGHI", (6, 18, 10, 10, 10, 14, 12, 10, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[3].height = 30
    ws.freeze_panes = "C6"
    _notes(wb)
    return _save(wb)


def township_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "乡镇汇总"
    ws["A1"] = "各乡镇留守儿童和特困人员统计"
    for c, text in enumerate(("序号", "乡镇名称", "常住人口", "留守儿童数", "特困人员数", "网格数"), start=1):
        ws.cell(2, c, text).font = HEAD_FONT
    return _save(wb)


def person_template() -> bytes:
    """One row per person: a title, a header with units in brackets, a styled first data row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.merge_cells("A1:J1")
    ws["A1"] = "重点人群花名册"
    ws["A1"].font = Font(size=14, bold=True)
    heads = (
        "序号",
        "姓名",
        "性别",
        "出生年月",
        "年龄（岁）",
        "身份证号码",
        "所在村",
        "家庭住址",
        "人员类别",
        "帮扶责任人",
    )
    for c, text in enumerate(heads, start=1):
        cell = ws.cell(2, c, text)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BOX
    for c in range(1, len(heads) + 1):
        cell = ws.cell(3, c)
        cell.font, cell.border = DATA_FONT, BOX
    ws.column_dimensions["H"].width = 30
    ws.merge_cells("A3:B3")  # a stray merge in the data area must not survive into the data rows
    _notes(wb)
    return _save(wb)


def household_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "户表"
    for c, text in enumerate(
        ("序号", "户主姓名", "户编号", "家庭住址", "家庭人口", "常住人数", "户类别"), start=1
    ):
        ws.cell(1, c, text).font = HEAD_FONT
    return _save(wb)
