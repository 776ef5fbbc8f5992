from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import crypto
from core.testing import make_household, make_person, synthetic_id
from journal.models import Entry
from registry import services
from registry.models import Person


@pytest.fixture
def household(tree):
    return make_household(tree.village_a1, grid=tree.grid_a1, address="甲一村一组3号")


def test_person_id_number_is_encrypted_indexed_and_masked(household):
    number = synthetic_id(date(1948, 5, 6), "F")
    person = make_person(household, "王秀英", id_number=number, phone="138 0000 1234")
    row = Person.objects.values("id_cipher", "id_index", "id_masked", "phone_cipher", "phone_masked").get(
        pk=person.pk
    )
    assert number not in row["id_cipher"]
    assert crypto.decrypt(row["id_cipher"], context="person.id_number") == number
    assert row["id_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert row["phone_masked"] == "138****1234"
    assert person.birth_date == date(1948, 5, 6) and person.sex == "F"
    assert person.name_initials == "wxy"


def test_birth_date_that_contradicts_id_number_is_rejected(household):
    with pytest.raises(ValidationError) as exc:
        make_person(household, id_number=synthetic_id(date(1950, 1, 1)), birth_date=date(1951, 1, 1))
    assert "birth_date" in exc.value.message_dict


def test_same_id_number_cannot_be_registered_twice(household, tree):
    number = synthetic_id()
    make_person(household, id_number=number)
    other = make_household(tree.village_a2)
    with pytest.raises(ValidationError) as exc:
        make_person(other, "李四", id_number=number)
    assert "id_number" in exc.value.message_dict


def test_creating_a_head_sets_the_household_head_name(household):
    make_person(household, "赵大山")
    household.refresh_from_db()
    assert household.head_name == "赵大山"


def test_village_official_cannot_create_person_in_other_village(tree, village_official):
    other = make_household(tree.village_b1)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=village_official, household=other, name="越权")


def test_update_journals_changed_fields_with_personal_data_masked(household, village_official):
    person = make_person(household, phone="13800001111")
    services.person_update(
        actor=village_official, person=person, phone="13900002222", residence="migrant_work"
    )
    entry = Entry.objects.filter(action="registry.person.updated").get()
    changed = entry.data["changed"]
    assert changed["phone"] == ["138****1111", "139****2222"]
    assert changed["residence"] == ["resident", "migrant_work"]
    assert "13900002222" not in str(entry.data)
    assert entry.actor == village_official


def test_update_without_changes_writes_no_journal_entry(household, village_official):
    person = make_person(household)
    before = Entry.objects.count()
    services.person_update(actor=village_official, person=person, name=person.name)
    assert Entry.objects.count() == before


def test_reveal_needs_purpose_and_is_journaled(household, village_official):
    number = synthetic_id()
    person = make_person(household, id_number=number)
    with pytest.raises(ValidationError):
        services.person_reveal(actor=village_official, person=person, field="id_number", purpose="")
    assert (
        services.person_reveal(actor=village_official, person=person, field="id_number", purpose="核对低保")
        == number
    )
    entry = Entry.objects.get(action="registry.person.pii_viewed")
    assert entry.data == {"field": "id_number", "purpose": "核对低保"}
    assert entry.target_id == str(person.pk)


def test_reveal_refused_without_permission(household, county_supervisor):
    person = make_person(household, id_number=synthetic_id())
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=county_supervisor, person=person, field="id_number", purpose="想看看")
    assert not Entry.objects.filter(action="registry.person.pii_viewed").exists()


def test_household_in_grid_of_other_village_rejected(tree):
    with pytest.raises(ValidationError):
        make_household(tree.village_a2, grid=tree.grid_a1)


def test_invalid_phone_rejected_with_message(household):
    with pytest.raises(ValidationError) as exc:
        make_person(household, phone="abc-123")
    assert "电话号码" in str(exc.value)
