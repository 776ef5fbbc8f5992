"""The analytics path: de-identified tables written as Parquet, for DuckDB (or any Parquet reader) off the live database.

Nothing personal leaves: no names, ID numbers, phones, addresses, coordinates, free text or journal
content; people keep only sex, birth year, relation and residence. Each table is streamed from the
database in chunks into a CSV scratch file and converted by DuckDB, so memory stays flat at any size.
"""

import csv
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from journal import services as journal_services

CHUNK = 10_000


def _datasets() -> dict:
    from demands.models import Demand
    from journal.models import Entry
    from registry.models import Household, Person
    from territory.models import AdminUnit
    from visits.models import Visit

    return {
        "units": (AdminUnit.objects.order_by("id"), ["id", "code", "name", "level", "parent_id", "path"]),
        "households": (
            Household.objects.order_by("id"),
            ["id", "village_id", "grid_id", "scope_path", "occupancy", "created_at"],
        ),
        "people": (
            Person.objects.order_by("id"),
            ["id", "household_id", "scope_path", "sex", "birth_date__year", "relation", "residence"],
        ),
        "visits": (
            Visit.objects.order_by("id"),
            ["id", "household_id", "actor_id", "scope_path", "mode", "visited_at", "next_visit_date"],
        ),
        "demands": (
            Demand.objects.order_by("id"),
            [
                "id",
                "place_unit_id",
                "scope_path",
                "category_id",
                "channel",
                "owner_level",
                "owner_unit_id",
                "owner_department_id",
                "status",
                "outcome",
                "transfers",
                "reopen_count",
                "created_at",
                "accept_due",
                "resolve_due",
                "accepted_at",
                "answered_at",
                "closed_at",
                "hours_to_answer",
                "accept_breached",
                "resolve_breached",
                "verdict_resolved",
                "verdict_satisfied",
            ],
        ),
        "journal": (Entry.objects.order_by("seq"), ["seq", "created_at", "action", "target_type"]),
    }


@dataclass
class ExportedTable:
    name: str
    rows: int
    bytes: int
    seconds: float


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _header(fields: list[str]) -> list[str]:
    return ["birth_year" if f == "birth_date__year" else f for f in fields]


def analytics_export(*, output_dir: Path, actor=None) -> list[ExportedTable]:
    """Write <table>.parquet per de-identified dataset into output_dir; journaled with the row counts."""
    import duckdb

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="doorstep-analytics-") as scratch:
        for name, (queryset, fields) in _datasets().items():
            started = time.perf_counter()
            csv_path = Path(scratch) / f"{name}.csv"
            rows = 0
            with csv_path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(_header(fields))
                for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
                    writer.writerow(["" if v is None else v for v in row])
                    rows += 1
            target = output_dir / f"{name}.parquet"
            con = duckdb.connect()
            try:
                con.execute(
                    f"COPY (SELECT * FROM read_csv({_sql_path(csv_path)}, header = true, sample_size = -1)) "  # noqa: S608
                    f"TO {_sql_path(target)} (FORMAT parquet, COMPRESSION zstd)"
                )
            finally:
                con.close()
            results.append(ExportedTable(name, rows, target.stat().st_size, time.perf_counter() - started))
    with transaction.atomic():
        journal_services.entry_record(
            actor=actor,
            action="core.analytics.exported",
            target=("core.analytics", output_dir.name),
            data={"tables": {t.name: t.rows for t in results}},
        )
    return results
