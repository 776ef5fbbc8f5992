from pathlib import Path

from django.core.management.base import BaseCommand

from core.analytics import analytics_export


class Command(BaseCommand):
    help = (
        "Write de-identified tables (units, households, people, visits, demands, journal actions) as Parquet "
        "for DuckDB; no names, ID numbers, phones, addresses or free text. The export is journaled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="directory for the .parquet files")

    def handle(self, *args, output, **options):
        tables = analytics_export(output_dir=Path(output), actor="manage.py export_analytics")
        for table in tables:
            self.stdout.write(
                f"{table.name:<12} {table.rows:>10} rows {table.bytes:>12} bytes {table.seconds:8.1f}s"
            )
        self.stdout.write(self.style.SUCCESS(f"Parquet files in {output}; read them with duckdb."))
