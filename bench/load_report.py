"""Markdown report of one `make load` run: per endpoint throughput, p50/p95/p99 and errors, and the ceiling ratio.

.venv/bin/python bench/load_report.py var/load/<run>    # reads mixed_stats.csv, ceiling_stats.csv, uptime-*.txt
"""

import csv
import sys
from pathlib import Path

TARGET_RPS, TARGET_P95_MS = 150, 300


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _num(row: dict, key: str) -> float:
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def _load(run: Path, name: str) -> str:
    p = run / f"uptime-{name}.txt"
    return p.read_text().split("load average:")[-1].strip() if p.exists() else "?"


def report(run: Path) -> str:
    mixed = _rows(run / "mixed_stats.csv")
    ceiling = _rows(run / "ceiling_stats.csv")
    failures = _rows(run / "mixed_failures.csv")
    lines = [
        f"### Load run {run.name}",
        "",
        f"Load average (1, 5, 15 min): before {_load(run, 'before')}; after the mixed run {_load(run, 'mixed')}; "
        f"after the ceiling run {_load(run, 'after')}.",
        "",
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total = None
    for row in mixed:
        if row["Name"] == "Aggregated":
            total = row
            continue
        lines.append(_line(row, f"{row['Type']} {row['Name']}" if row["Type"] != "GET" else row["Name"]))
    if total:
        lines.append(_line(total, "**all (mixed)**"))
    ceil_total = next((r for r in ceiling if r["Name"] == "Aggregated"), None)
    if ceil_total:
        lines.append(_line(ceil_total, "**/healthz alone (ceiling run)**"))
    lines.append("")
    if total:
        rps, p95, errors = _num(total, "Requests/s"), _num(total, "95%"), int(_num(total, "Failure Count"))
        verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
        lines += [
            f"- mixed throughput {rps:.0f} req/s (target {TARGET_RPS}: {verdict(rps >= TARGET_RPS)}); "
            f"p95 {p95:.0f} ms (target < {TARGET_P95_MS}: {verdict(p95 < TARGET_P95_MS)}); "
            f"errors {errors} (target 0: {verdict(errors == 0)})",
        ]
        if ceil_total and _num(ceil_total, "Requests/s"):
            ratio = rps / _num(ceil_total, "Requests/s")
            lines.append(
                f"- ceiling: /healthz alone {_num(ceil_total, 'Requests/s'):.0f} req/s on the same stack; "
                f"mixed / ceiling = {ratio:.2f}"
            )
    if failures:
        lines += ["", "Errors:", ""]
        for f in failures[:20]:
            lines.append(f"- {f['Occurrences']} × {f['Method']} {f['Name']}: {f['Error'][:200]}")
    return "\n".join(lines) + "\n"


def _line(row: dict, label: str) -> str:
    return (
        f"| {label} | {int(_num(row, 'Request Count'))} | {int(_num(row, 'Failure Count'))} | "
        f"{_num(row, 'Requests/s'):.1f} | {_num(row, '50%'):.0f} | {_num(row, '95%'):.0f} | "
        f"{_num(row, '99%'):.0f} | {_num(row, 'Max Response Time'):.0f} |"
    )


if __name__ == "__main__":
    sys.stdout.write(report(Path(sys.argv[1])))
