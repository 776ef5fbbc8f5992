import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

import journal
from doorstep_verify.chain import GENESIS, data_hash, entry_hash
from journal.models import Entry


def _record(n=1, **data):
    return [
        journal.record(actor=None, action="journal.entry.exported", data={"n": i, **data}) for i in range(n)
    ]


def test_each_entry_links_to_the_previous_and_hashes_its_own_content(db):
    entries = _record(3, note="x")
    stored = list(Entry.objects.order_by("seq"))
    assert stored[0].prev_hash == GENESIS or stored[0].seq > 1
    for before, after in zip(stored, stored[1:], strict=False):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1
    for entry in stored:
        d = entry.as_chain_dict()
        assert entry_hash(d) == entry.entry_hash
        assert data_hash(entry.data) == entry.data_hash
    assert [e.entry_hash for e in entries] == [e.entry_hash for e in stored[-3:]]


def test_database_refuses_to_update_an_entry(db):
    (entry,) = _record()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(action="registry.person.updated")


def test_database_refuses_to_delete_an_entry(db):
    (entry,) = _record()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_database_refuses_raw_sql_edit_too(db):
    (entry,) = _record()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE journal_entry SET data = %s WHERE id = %s", ['{"n": 99}', entry.pk])


def test_database_refuses_an_entry_out_of_sequence(db):
    (entry,) = _record()
    rogue = Entry(
        seq=entry.seq + 5,
        created_at=entry.created_at,
        action=entry.action,
        data={},
        data_hash=data_hash({}),
        prev_hash=entry.entry_hash,
        entry_hash="f" * 64,
    )
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        rogue.save(force_insert=True)


def test_dates_and_tuples_in_data_hash_as_they_read_back(db):
    import datetime

    (entry,) = _record(when=datetime.date(2026, 1, 2), pair=(1, 2))
    fresh = Entry.objects.get(pk=entry.pk)
    assert fresh.data["when"] == "2026-01-02" and fresh.data["pair"] == [1, 2]
    assert data_hash(fresh.data) == fresh.data_hash


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_transactional_tests_start_from_an_empty_chain(run):
    """The test-only backend lets the flush between transactional tests empty the journal."""
    assert not Entry.objects.exists()
    first, second = _record(2)
    assert (first.seq, first.prev_hash, second.prev_hash) == (1, GENESIS, first.entry_hash)


def test_guards_dropped_by_a_table_rebuild_are_reinstalled_after_migrate(db):
    from journal.apps import _reinstall_guards
    from journal.db import missing_guards, remove_guards

    remove_guards(connection)
    assert missing_guards(connection)
    _reinstall_guards(sender=None, using="default")
    assert missing_guards(connection) == []
    (entry,) = _record()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()


def test_redaction_is_journaled_clears_only_data_and_the_chain_still_verifies(administrator):
    from journal.services import checkpoint_create, entry_redact
    from journal.verification import verify_journal

    (entry,) = _record(1, name="张三", note="personal")
    checkpoint_create()
    entry_redact(actor=administrator, entry=entry, reason="保存期限届满")
    entry.refresh_from_db()
    assert (
        entry.data == {}
        and entry.redacted_at is not None
        and entry.data_hash == data_hash({"n": 0, "name": "张三", "note": "personal"})
    )
    redaction = Entry.objects.get(action="journal.entry.redacted")
    assert redaction.data["seq"] == entry.seq and redaction.target_id == str(entry.seq)
    assert verify_journal().ok
    # The commitment is kept: nothing else can be put in the erased entry's place.
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(action="journal.entry.exported", data={"n": 5})


def test_database_refuses_a_redaction_that_is_not_journaled(db):
    from django.utils import timezone

    (entry,) = _record()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(data={}, redacted_at=timezone.now())


def test_only_the_capability_may_redact(village_official):
    from django.core.exceptions import PermissionDenied

    from journal.services import entry_redact

    (entry,) = _record()
    with pytest.raises(PermissionDenied):
        entry_redact(actor=village_official, entry=entry, reason="x")
