"""Background work for the journal: the periodic signed checkpoint."""

from django_tasks import task


@task()
def checkpoint_periodic() -> int:
    """Sign a checkpoint of the journal as it stands; run it every few minutes (cron or a worker schedule)."""
    from journal.services import checkpoint_create

    return checkpoint_create().tree_size
