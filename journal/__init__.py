"""The fair record. Every service calls `journal.record(...)` inside its own transaction."""


def record(**kwargs):
    """Append one journal entry; see journal.services.entry_record for the arguments."""
    from journal.services import entry_record

    return entry_record(**kwargs)
