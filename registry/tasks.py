"""Background work for the registry: ledger imports run here, away from the request."""

from django_tasks import task

from core import jobs


@task()
def run_ledger_import(ledger_import_id: int) -> dict:
    from registry.ledger.services import ledger_run

    result = ledger_run(ledger_import_id=ledger_import_id)
    return {"id": result.pk, "status": result.status}


@jobs.on_lost(run_ledger_import)
def _ledger_import_lost(ledger_import_id: int, *, reason: str) -> None:
    from registry.ledger.services import ledger_mark_lost

    ledger_mark_lost(ledger_import_id=ledger_import_id, reason=reason)
