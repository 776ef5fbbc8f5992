"""Hash every existing entry into the chain, then make the table append-only with database triggers."""

from django.db import migrations


def backfill(apps, schema_editor):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from doorstep_verify.chain import GENESIS, data_hash, entry_hash
    from journal.models import iso_utc

    Entry = apps.get_model("journal", "Entry")
    prev = GENESIS
    for expected, entry in enumerate(Entry.objects.order_by("seq").iterator(chunk_size=2000), start=1):
        if entry.seq != expected:
            raise RuntimeError(f"journal has a gap before seq {entry.seq}; it cannot be chained as it is")
        entry.data = json.loads(json.dumps(entry.data or {}, cls=DjangoJSONEncoder))
        entry.data_hash = data_hash(entry.data)
        entry.prev_hash = prev
        entry.entry_hash = entry_hash(
            {
                "seq": entry.seq,
                "created_at": iso_utc(entry.created_at),
                "actor_id": entry.actor_id,
                "actor_label": entry.actor_label,
                "action": entry.action,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "target_label": entry.target_label,
                "data_hash": entry.data_hash,
                "prev_hash": entry.prev_hash,
            }
        )
        entry.save(update_fields=["data", "data_hash", "prev_hash", "entry_hash"])
        prev = entry.entry_hash


def install(apps, schema_editor):
    from journal.db import install_guards

    install_guards(schema_editor.connection)


def uninstall(apps, schema_editor):
    from journal.db import remove_guards

    remove_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_chain_checkpoints_encounters")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
