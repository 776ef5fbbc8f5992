"""Out-of-scope objects for the URL walker (core/tests/test_scoping.py): all in village B1."""

from django.utils import timezone

import journal
from core.testing import make_household, make_person
from journal.models import Encounter


def routes(tree) -> dict:
    household = make_household(tree.village_b1, address="乙一村八组8号")
    person = make_person(household, "乙村人")
    encounter = Encounter.objects.create(
        village=tree.village_b1,
        household=household,
        scope_path=household.scope_path,
        occurred_at=timezone.now(),
        place="乙一村村委会",
        counterpart="乙村人",
        asked="要求补偿",
        recorded_by=_b_staff(tree),
    )
    entry = journal.record(actor=None, action="journal.encounter.recorded", target=encounter, data={})
    return {
        "journal:encounter_detail": {"pk": encounter.pk},
        "journal:encounter_acknowledge": {"pk": encounter.pk},
        "journal:receipt": {"seq": entry.seq},
        "journal:person_access": {"pk": person.pk},
        "journal:evidence": {"target_type": "journal.encounter", "target_id": encounter.pk},
        "/api/v1/journal/receipts/{seq}": {"seq": entry.seq},
    }


def _b_staff(tree):
    from core.testing import make_staff
    from territory.roles import Role

    return make_staff(Role.VILLAGE_OFFICIAL, [tree.village_b1], username="journal_scoping_b1")
