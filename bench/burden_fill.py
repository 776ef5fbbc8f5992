"""Benchmark the report filler (一表通) on the county-scale demo.

    DATABASE_URL=sqlite:////tmp/burden-county.sqlite3 DJANGO_SETTINGS_MODULE=config.settings.dev \
        .venv/bin/python bench/burden_fill.py [--village-runs 5] [--person-runs 3] [--compare-openpyxl]

Each case runs in its own child process, so its peak RSS (ru_maxrss) is its own:
  village   300 villages x 20 aggregate columns (plus 序号 and 村名), filled in place by openpyxl
  person    ~300,000 rows x 15 columns, header kept by openpyxl and data rows streamed as sheet XML
  openpyxl  the same person fill done naively: every cell through openpyxl in memory (for comparison)
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VILLAGE_SOURCES = [
    ("户数", "households"),
    ("常住户数", "resident_households"),
    ("空置户数", "vacant_households"),
    ("户籍人口", "people"),
    ("常住人口", "resident_people"),
    ("外出务工人数", "migrant_workers"),
    ("外出人口", "away_people"),
    ("男性人数", "male"),
    ("女性人数", "female"),
    ("60岁以上人数", "age60"),
    ("80岁以上人数", "age80"),
    ("18岁以下人数", "minors"),
    ("独居老人数", "elderly_alone"),
    ("特困人员数", "tekun"),
    ("残疾人数", "disabled"),
    ("留守儿童数", "left_behind_child"),
    ("退役军人数", "veteran"),
    ("低保户数", "dibao_households"),
    ("低保人数", "dibao_people"),
    ("脱贫监测户数", "monitor_households"),
]
PERSON_COLUMNS = [
    "序号",
    "姓名",
    "性别",
    "出生日期",
    "年龄",
    "身份证号",
    "联系电话",
    "与户主关系",
    "居住状态",
    "所属乡镇",
    "所在村",
    "家庭住址",
    "户主姓名",
    "户编号",
    "人员类别",
]


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def village_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "各村情况"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=22)
    ws["A1"] = "全县各村人口和重点人群情况统计表"
    ws["A1"].font = Font(size=16, bold=True)
    ws.cell(2, 1, "序号")
    ws.cell(2, 2, "村（社区）名称")
    for i, (label, _code) in enumerate(VILLAGE_SOURCES, start=3):
        ws.cell(2, i, label).font = Font(bold=True)
    wb.create_sheet("填表说明")["A1"] = "数据截至上月末"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def person_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    ws["A1"] = "全县人员花名册"
    box = Border(*(Side(style="thin"),) * 4)
    for c, label in enumerate(PERSON_COLUMNS, start=1):
        ws.cell(2, c, label).font = Font(bold=True)
        ws.cell(3, c).border = box
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _actor():
    from territory.models import Staff

    return Staff.objects.get(username="admin")


def _template(kind: str):
    from burden import services
    from territory.selectors import top_units

    actor = _actor()
    unit = top_units(user=actor)[0]
    content = village_workbook() if kind == "village" else person_workbook()
    started = time.perf_counter()
    template = services.template_upload(actor=actor, unit=unit, name=f"bench-{kind}", content=content)
    upload = time.perf_counter() - started
    unmapped = [c["label"] for c in template.columns if not c["source"]]
    services.template_confirm(
        actor=actor,
        template=template,
        row_unit=template.row_unit,
        sources={c["col"]: c["source"] for c in template.columns},
    )
    return actor, template, upload, unmapped


def child(kind: str) -> dict:
    """One measured fill in this process; prints JSON with seconds and peak RSS."""
    _setup()
    # A server process has these loaded already; do not time their import.
    import registry.selectors  # noqa: F401
    from burden import filler

    actor, template, upload, unmapped = _template(kind if kind != "openpyxl" else "person")
    started = time.perf_counter()
    if kind == "openpyxl":
        cells, rows = _naive_openpyxl(template, actor)
        size = 0
    else:
        result = filler.fill(template, actor)
        cells, rows, size = result.cells, result.rows, len(result.content)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    template.file.delete(save=False)
    template.delete()
    return {
        "kind": kind,
        "seconds": round(seconds, 3),
        "upload_seconds": round(upload, 3),
        "rows": rows,
        "cells": cells,
        "bytes": size,
        "peak_rss_mb": round(rss_mb),
        "unmapped": unmapped,
    }


def _naive_openpyxl(template, actor) -> tuple[int, int]:
    """What the obvious approach costs: load the template, set every cell through openpyxl, save."""
    from django.utils import timezone
    from openpyxl import load_workbook

    from burden import filler

    with template.file.open("rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    ws = wb[template.sheet_name]
    people, _households = filler._scoped(actor, template)
    mapped = [(c["col"], c["source"]) for c in template.columns if c["source"]]
    cells = rows = 0
    for i, row in enumerate(filler._person_rows(people, {s for _c, s in mapped}, timezone.localdate())):
        r = template.data_start + i
        for col, source in mapped:
            value = i + 1 if source == "seq" else row.get(source)
            if value not in (None, ""):
                ws.cell(r, col, filler.neutralise(value))
                cells += 1
        rows += 1
    wb.save(io.BytesIO())
    return cells, rows


def aggregate_only(runs: int) -> list[float]:
    """The database part of the village fill alone: grouped queries over ~300,000 people."""
    _setup()
    from burden import filler
    from burden.models import RowUnit
    from registry.selectors import household_scope, person_scope
    from territory.selectors import unit_list

    actor = _actor()
    units = list(unit_list(user=actor, level="village").select_related("parent"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        filler.aggregate(
            people=person_scope(actor),
            households=household_scope(actor),
            units=units,
            level=RowUnit.VILLAGE,
            sources={code for _label, code in VILLAGE_SOURCES},
        )
        times.append(time.perf_counter() - started)
    return times


def _run_child(kind: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(results: list[dict]) -> dict:
    secs = sorted(r["seconds"] for r in results)
    p95 = secs[min(len(secs) - 1, round(0.95 * (len(secs) - 1)))]
    return {
        "runs": len(secs),
        "median_s": round(statistics.median(secs), 2),
        "p95_s": round(p95, 2),
        "max_rss_mb": max(r["peak_rss_mb"] for r in results),
        "rows": results[0]["rows"],
        "cells": results[0]["cells"],
        "output_mb": round(results[0]["bytes"] / 1e6, 1),
        "upload_s": results[0]["upload_seconds"],
        "unmapped": results[0]["unmapped"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--village-runs", type=int, default=5)
    parser.add_argument("--person-runs", type=int, default=3)
    parser.add_argument("--compare-openpyxl", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child), ensure_ascii=False))
        return
    agg = aggregate_only(args.village_runs)
    report = {
        "aggregate_queries_only": {
            "median_s": round(statistics.median(agg), 3),
            "max_s": round(max(agg), 3),
        },
        "village": _summary([_run_child("village") for _ in range(args.village_runs)]),
        "person": _summary([_run_child("person") for _ in range(args.person_runs)]),
    }
    if args.compare_openpyxl:
        report["person_naive_openpyxl"] = _summary([_run_child("openpyxl")])
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
