"""manage.py import_ledger FILE --unit CODE: the same import as the web page, run here and now."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.ledger import services
from territory.models import AdminUnit


class Command(BaseCommand):
    help = "导入一个台账文件（.xlsx/.xls/.csv）；最后一行是 created=N updated=N unchanged=N quarantined=N"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="导入到的单位代码（村、网格、乡镇或县）")
        parser.add_argument("--sheet", default="", help="只导入这个工作表（默认：所有找得到表头的工作表）")
        parser.add_argument(
            "--mapping",
            default="auto",
            help='"auto"（按同义词或上次确认的对应关系），或JSON：{"工作表": {"列序号(0起)": "字段"}}',
        )

    def handle(self, *args, file: Path, unit: str, sheet: str, mapping: str, **options):
        try:
            target = AdminUnit.objects.get(code=unit)
        except AdminUnit.DoesNotExist:
            raise CommandError(f"unit {unit!r} does not exist") from None
        if not file.is_file():
            raise CommandError(f"cannot read {file}: no such file")
        chosen = None
        if mapping != "auto":
            try:
                chosen = json.loads(mapping)
            except ValueError:
                raise CommandError("--mapping must be 'auto' or JSON") from None
        try:
            result = services.import_file(
                actor=None, unit=target, path=file, sheet=sheet or None, mapping=chosen
            )
        except ValidationError as exc:
            raise CommandError(f"cannot read {file}: {' '.join(exc.messages)}") from None
        for row in result.quarantined_rows.all()[:20]:
            self.stdout.write(f"  {row.sheet}!{row.row_number}: {row.reason}")
        if result.quarantined_count > 20:
            self.stdout.write(f"  … {result.quarantined_count - 20} more quarantined rows")
        for warning in result.warnings[:20]:
            self.stdout.write(f"  warning {warning['sheet']}!{warning['row']}: {warning['message']}")
        skipped = " ".join(f"{k}={v}" for k, v in sorted(result.skipped.items()))
        self.stdout.write(f"import #{result.pk}: data_rows={result.data_rows} skipped: {skipped or '-'}")
        self.stdout.write(
            f"created={result.created_count} updated={result.updated_count} "
            f"unchanged={result.unchanged_count} quarantined={result.quarantined_count}"
        )
