"""Ledger import benchmark: a generated N-row, 15-column .xlsx ledger, end to end, on SQLite and PostgreSQL.

    .venv/bin/python bench/ledgers_import.py all --rows 200000          # everything, prints a Markdown table
    .venv/bin/python bench/ledgers_import.py generate --rows 1000 --out /tmp/l.xlsx
    .venv/bin/python bench/ledgers_import.py parse --engine calamine /tmp/l.xlsx
    .venv/bin/python bench/ledgers_import.py import --db sqlite /tmp/l.xlsx

Each measurement runs in its own process so that its peak RSS (ru_maxrss) is its own. The
PostgreSQL leg uses the database named by DOORSTEP_PG_DB (suffixed _bench), created if missing.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = [
    "序号",
    "村",
    "组",
    "户编号",
    "户主姓名",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "民族",
    "与户主关系",
    "联系电话",
    "住址",
    "居住状态",
    "备注",
]
VILLAGES = 20
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = "伟强磊军勇杰涛明超刚平辉芳娜敏静丽艳娟霞秀英兰凤玲桂珍梅红琴云"
RELATIONS = ["配偶", "子", "女", "孙子", "孙女", "父亲", "母亲", "儿媳"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(rows: int, out: Path, seed: int = 2026) -> None:
    """Households of 1-5 people over 20 villages; ~1% of rows carry a trap (sci-notation ID, bad date)."""
    from openpyxl import Workbook

    from registry import idcard

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["乙镇2026年常住人口台账"])
    ws.append(["填报单位：乙镇人民政府"])
    ws.append(HEADER)
    n, household = 0, 0
    while n < rows:
        household += 1
        village = f"第{household % VILLAGES + 1}村"
        group = f"{household % 9 + 1}组"
        surname = rng.choice(SURNAMES)
        head = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
        for m in range(min(rng.randint(1, 5), rows - n)):
            n += 1
            sex = rng.choice("MF")
            birth = date(rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28))
            number = idcard.make_number("419902", birth, n % 1000)
            number = number[:14] + f"{(n // 1000) % 10}{n % 100:02d}"
            number = number[:16] + ("1" if sex == "M" else "2")
            number = number + idcard.check_char(number)
            birth_cell = birth.strftime("%Y-%m-%d")
            trap = rng.random()
            if trap < 0.005:
                number = "4.10102E+17"
            elif trap < 0.01:
                birth_cell = "不详"
            ws.append(
                [
                    n,
                    village,
                    group,
                    f"H{household:07d}",
                    head,
                    head if m == 0 else surname + rng.choice(GIVEN) + rng.choice(GIVEN) + str(m),
                    number,
                    "男" if sex == "M" else "女",
                    birth_cell,
                    "汉族",
                    "户主" if m == 0 else rng.choice(RELATIONS),
                    f"138{n:08d}" if rng.random() < 0.6 else "",
                    f"{group}{household}号",
                    rng.choice(["常住", "外出务工", "常住", "外出就学"]),
                    "",
                ]
            )
    ws.append(["合计", None, None, None, None, f"{rows}人"])
    wb.save(out)


def parse(engine: str, path: Path) -> dict:
    start, cpu_start = time.perf_counter(), cpu_s()
    if engine == "calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
        count = len(rows)
    else:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        count = sum(1 for _row in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
    return {
        "engine": engine,
        "rows": count,
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(cpu_s() - cpu_start, 2),
        "rss_mb": round(rss_mb()),
    }


def _django(db: str, *, reset: bool = True) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if db == "sqlite":
        path = Path(tempfile.gettempdir()) / "ledgers-bench.sqlite3"
        for suffix in ("", "-wal", "-shm") if reset else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        name = os.environ.get("DOORSTEP_PG_DB", "doorstep_ledgers") + "_bench"
        if reset:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run_import(db: str, path: Path, *, again: bool = False) -> dict:
    """First import into an empty registry; with again=True, import the same file into the registry
    the previous run left (in a fresh process, so the peak RSS is the re-import's own)."""
    _django(db, reset=not again)
    from django.conf import settings

    settings.PRIVATE_ROOT = Path(tempfile.mkdtemp(prefix="ledgers-bench-"))
    from registry.ledger import engine, services
    from territory import services as territory_services
    from territory.models import AdminUnit

    if again:
        town = AdminUnit.objects.get(code="419902001000")
    else:
        mk = territory_services.unit_create
        county = mk(actor=None, code="419902000000", name="基准县", latitude=33.9, longitude=114.5)
        town = mk(actor=None, code="419902001000", name="乙镇", parent=county, latitude=33.9, longitude=114.5)
        for i in range(VILLAGES):
            code, name = f"419902001{i + 1:03d}", f"第{i + 1}村"
            mk(actor=None, code=code, name=name, parent=town, latitude=33.9, longitude=114.5)

    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0) + time.perf_counter() - start

        return wrapper

    engine.plan = timed("validate_match", engine.plan)
    engine.apply = timed("write", engine.apply)
    services.reader.read = timed("read", services.reader.read)
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), cpu_s()
    first = services.import_file(actor=None, unit=town, path=path)
    total, cpu = time.perf_counter() - start, cpu_s() - cpu_start
    counts = [first.created_count, first.updated_count, first.unchanged_count, first.quarantined_count]
    result = {
        "db": db,
        "data_rows": first.data_rows,
        "counts": counts,
        "seconds": round(total, 1),
        "cpu_seconds": round(cpu, 1),
        "phases": {k: round(v, 1) for k, v in phases.items()},
        "rss_mb": round(rss_mb()),
        # 1-minute load average before and after: wall time means little on a busy machine
        "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    result["run"] = "re-import" if again else "first import"
    return result


def _sub(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_all(rows: int, dbs: list[str], repeat: int) -> None:
    path = Path(tempfile.gettempdir()) / f"ledgers-bench-{rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        generate(rows, path)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f}s",
            flush=True,
        )
    parses = {"calamine": [], "openpyxl": []}
    for _ in range(repeat):
        for engine in parses:  # alternated, so both see the same machine load
            parses[engine].append(_sub("parse", "--engine", engine, str(path)))
            print(json.dumps(parses[engine][-1]), flush=True)
    imports = []
    for db in dbs:
        imports.append(_sub("import", "--db", db, str(path)))
        print(json.dumps(imports[-1], ensure_ascii=False), flush=True)
        imports.append(_sub("import", "--db", db, "--again", str(path)))
        print(json.dumps(imports[-1], ensure_ascii=False), flush=True)
    print()
    print("| parser | runs | median wall s | max wall s | median CPU s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for engine, results in parses.items():
        if not results:
            continue
        secs = sorted(r["seconds"] for r in results)
        cpus = sorted(r["cpu_seconds"] for r in results)
        print(
            f"| {engine} | {len(secs)} | {secs[len(secs) // 2]} | {secs[-1]} | {cpus[len(cpus) // 2]} | "
            f"{max(r['rss_mb'] for r in results)} |"
        )
    print()
    print(
        "| database | run | data rows | created/updated/unchanged/quarantined | wall s | CPU s | read s "
        "| validate+match s | write s | peak RSS MB | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in imports:
        p = r["phases"]
        print(
            f"| {r['db']} | {r['run']} | {r['data_rows']} | {'/'.join(map(str, r['counts']))} | {r['seconds']} "
            f"| {r['cpu_seconds']} | {p.get('read')} | {p.get('validate_match')} | {p.get('write')} | {r['rss_mb']} "
            f"| {'→'.join(map(str, r.get('load', [])))} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, default=200_000)
    g.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("parse")
    p.add_argument("--engine", choices=["calamine", "openpyxl"], required=True)
    p.add_argument("path", type=Path)
    i = sub.add_parser("import")
    i.add_argument("--db", choices=["sqlite", "pg"], required=True)
    i.add_argument("--again", action="store_true", help="re-import into the registry the last run left")
    i.add_argument("path", type=Path)
    a = sub.add_parser("all")
    a.add_argument("--rows", type=int, default=200_000)
    a.add_argument("--db", action="append", choices=["sqlite", "pg"])
    a.add_argument("--repeat", type=int, default=3)
    a.add_argument("--skip-parse", action="store_true")
    args = parser.parse_args()
    if args.cmd == "generate":
        generate(args.rows, args.out)
    elif args.cmd == "parse":
        print(json.dumps(parse(args.engine, args.path)))
    elif args.cmd == "import":
        print(json.dumps(run_import(args.db, args.path, again=args.again), ensure_ascii=False))
    else:
        run_all(args.rows, args.db or ["sqlite", "pg"], 0 if args.skip_parse else args.repeat)


if __name__ == "__main__":
    main()
