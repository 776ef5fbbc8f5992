"""Database size per person, household, visit, demand and journal entry, measured on PostgreSQL (docs/scale.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorstep_scale .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py demo_data --scale county
    DATABASE_URL=... .venv/bin/python bench/scale_db.py sizes                      # Markdown tables
    DATABASE_URL=... .venv/bin/python bench/scale_db.py journal --entries 20000    # append realistic entries

The demo builds its bulk rows without journal entries (a real county journals every write), so
`journal` appends entries shaped like the ones services write (visit recorded, demand accepted, …)
through journal.record, to measure what an entry costs on disk. Run `sizes` after it (VACUUM ANALYZE first).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

PER = {  # table -> what one row stands for
    "registry_person": "person",
    "registry_household": "household",
    "registry_household_tags": "household tag",
    "registry_person_tags": "person tag",
    "visits_visit": "visit",
    "demands_demand": "demand",
    "demands_demandevent": "demand event",
    "journal_entry": "journal entry",
}


def sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
                   pg_indexes_size(c.oid), COALESCE(pg_total_relation_size(c.reltoastrelid), 0)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = current_schema()
            ORDER BY 2 DESC
            """
        )
        tables = cursor.fetchall()
        counts = {}
        for name, *_ in tables[:25]:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - names from pg_class
            counts[name] = cursor.fetchone()[0]
    people = counts.get("registry_person") or 1
    print(
        f"database {total / 2**20:.1f} MiB; {people} people → {total / people:.0f} bytes per person (all tables)"
    )
    print()
    print("| table | rows | total MiB | heap MiB | index MiB | toast MiB | index share | bytes/row |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, total_b, heap, index, toast in tables[:25]:
        rows = counts[name]
        share = index / total_b if total_b else 0
        per_row = f"{total_b / rows:.0f}" if rows else "–"
        print(
            f"| {name} | {rows} | {total_b / 2**20:.1f} | {heap / 2**20:.1f} | {index / 2**20:.1f} | "
            f"{toast / 2**20:.1f} | {share:.0%} | {per_row} |"
        )
    print()
    print(
        json.dumps(
            {
                "database_bytes": total,
                "people": people,
                "tables": {
                    name: {"rows": counts[name], "total": t, "heap": h, "index": i, "toast": x}
                    for name, t, h, i, x in tables[:25]
                },
            }
        )
    )


def journal(entries: int) -> None:
    import random

    from django.db import transaction

    import journal as fair_record
    from registry.models import Household

    rng = random.Random(20261127)  # noqa: S311 - synthetic
    households = list(Household.objects.values_list("pk", "scope_path")[:5000])
    shapes = [
        (
            "visits.visit.recorded",
            "visits.visit",
            lambda h: {"household": h[0], "mode": "in_person", "client_id": None},
        ),
        (
            "demands.demand.accepted",
            "demands.demand",
            lambda h: {"ticket": f"2026{rng.randrange(10**8):08d}"},
        ),
        (
            "demands.demand.answered",
            "demands.demand",
            lambda h: {"ticket": f"2026{rng.randrange(10**8):08d}", "outcome": "resolved", "hours": 30.5},
        ),
        ("registry.person.updated", "registry.person", lambda h: {"fields": ["residence", "note"]}),
    ]
    started = time.perf_counter()
    batch = 500
    for start in range(0, entries, batch):
        with transaction.atomic():
            for _ in range(min(batch, entries - start)):
                action, target_type, data = rng.choice(shapes)
                h = rng.choice(households)
                fair_record.record(
                    actor="bench", action=action, target=(target_type, rng.randrange(1, 10**6)), data=data(h)
                )
    elapsed = time.perf_counter() - started
    print(f"{entries} entries appended in {elapsed:.1f}s ({entries / elapsed:.0f}/s)")


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sizes")
    j = sub.add_parser("journal")
    j.add_argument("--entries", type=int, default=20000)
    args = parser.parse_args()
    django.setup()
    if args.cmd == "sizes":
        sizes()
    else:
        journal(args.entries)


if __name__ == "__main__":
    main()
