"""Build the demands benchmark county: units, staff and a year of demands, without the 300,000-person registry.

The demands benchmark reads nothing from the registry, and the full `demo_data --scale county` spends
most of its 15 minutes there. Same generator, same seed, same 50,000 demands (5,000 open):

    DATABASE_URL=sqlite:////tmp/demands-county.sqlite3 .venv/bin/python bench/demands_build.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorstep_demands_bench .venv/bin/python bench/demands_build.py

The database must be empty (it is migrated first; a PostgreSQL database must already exist).
"""

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.demo import DemoContext
    from demands import demo as demands_demo
    from territory import demo as territory_demo

    call_command("migrate", verbosity=0)
    ctx = DemoContext(scale="county", rng=random.Random(20220615), stdout=sys.stdout)  # noqa: S311 - synthetic
    started = time.perf_counter()
    with transaction.atomic():
        for module in (territory_demo, demands_demo):
            t0 = time.perf_counter()
            module.build(ctx)
            print(f"  {module.__name__}: {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
