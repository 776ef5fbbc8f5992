import io

from openpyxl import load_workbook

from core.excel import write_csv, write_xlsx


def test_formula_cells_are_neutralised_in_xlsx():
    data = write_xlsx(
        ["姓名", "备注"], [["张三", '=HYPERLINK("http://x")'], ["李四", "+1"], ["王五", "@SUM(A1)"]]
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["姓名", "备注"]
    assert ws["B2"].value.startswith("'=")
    assert ws["B3"].value == "'+1"
    assert ws["B4"].value == "'@SUM(A1)"
    assert ws["B2"].data_type != "f"


def test_csv_has_bom_and_neutralised_cells():
    data = write_csv(["a"], [["-2+3"], [5]])
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'-2+3" in text and "\n5" in text.replace("\r", "")
