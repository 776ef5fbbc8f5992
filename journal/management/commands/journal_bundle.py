from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from journal.evidence import build_bundle
from journal.services import entry_record


class Command(BaseCommand):
    help = "Export the evidence bundle (zip) of one case, e.g. journal.encounter 3; the export is journaled."

    def add_arguments(self, parser):
        parser.add_argument(
            "target_type", help="app_label.model, e.g. journal.encounter or registry.household"
        )
        parser.add_argument("target_id")
        parser.add_argument("--out", required=True)

    def handle(self, *args, target_type, target_id, out, **options):
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"unknown target type {target_type}") from exc
        target = model._default_manager.filter(pk=target_id).first()
        if target is None:
            raise CommandError(f"no {target_type} {target_id}")
        with transaction.atomic():
            payload, count = build_bundle(target=target)
            entry_record(
                actor="manage.py journal_bundle",
                action="journal.evidence.exported",
                target=target,
                data={"entries": count, "bytes": len(payload)},
            )
        Path(out).write_bytes(payload)
        self.stdout.write(f"{count} entries → {out}")
