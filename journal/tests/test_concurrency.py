"""Fifty writers at once on PostgreSQL still make one gap-free chain (SQLite serialises writers by itself)."""

import threading

import pytest
from django.db import connection, connections

import journal
from doorstep_verify.chain import verify_chain
from journal.models import Entry
from journal.verification import stored_entries

WRITERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_make_one_gap_free_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is serialised by the advisory lock on PostgreSQL only")
    barrier = threading.Barrier(WRITERS)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=30)
            for k in range(2):
                journal.record(actor=None, action="journal.entry.exported", data={"writer": n, "k": k})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 2 * WRITERS + 1))
    assert verify_chain(stored_entries()) is None


@pytest.mark.django_db(transaction=True)
def test_rolled_back_writer_leaves_no_entry_and_no_gap():
    from django.db import transaction

    journal.record(actor=None, action="journal.entry.exported", data={"n": 1})
    with pytest.raises(RuntimeError), transaction.atomic():
        journal.record(actor=None, action="journal.entry.exported", data={"n": 2})
        raise RuntimeError("business change failed")
    journal.record(actor=None, action="journal.entry.exported", data={"n": 3})
    assert list(Entry.objects.order_by("seq").values_list("seq", "data")) == [(1, {"n": 1}), (2, {"n": 3})]
    assert verify_chain(stored_entries()) is None
