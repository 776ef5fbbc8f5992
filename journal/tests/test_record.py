import pytest
from django.db import transaction

import journal
from journal.models import Entry
from journal.services import UnknownAction


def test_entries_get_consecutive_sequence_numbers(tree):
    start = Entry.objects.count()
    journal.record(actor=None, action="journal.entry.exported", data={"n": 1})
    journal.record(actor=None, action="journal.entry.exported", data={"n": 2})
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, start + 3))


def test_unregistered_action_is_refused(db):
    with pytest.raises(UnknownAction):
        journal.record(actor=None, action="nobody.knows.this")


def test_rolled_back_business_change_leaves_no_entry(db):
    before = Entry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        journal.record(actor=None, action="journal.entry.exported")
        raise RuntimeError
    assert Entry.objects.count() == before


def test_every_registered_action_code_is_dotted_and_has_text():
    from journal.actions import ACTIONS

    assert ACTIONS
    for code, text in ACTIONS.items():
        assert code.count(".") >= 2 and str(text).strip()
