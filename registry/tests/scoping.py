"""Out-of-scope objects for the URL walker in core/tests/test_scoping.py.

`routes(tree)` returns {url name or API path template: kwargs} for objects that lie outside
village A1 (the walker logs in as A1's village official). Every route with a path parameter
must appear in some app's scoping.py, or the walker fails.
"""

from core.testing import make_household, make_person
from registry.models import LedgerImport


def routes(tree) -> dict:
    household = make_household(tree.village_b1, address="乙一村七组7号")
    person = make_person(household, "乙村人")
    ledger = LedgerImport.objects.create(
        unit=tree.village_b1, scope_path=tree.village_b1.path, original_name="乙一村台账.xlsx", stored_path=""
    )
    return {
        "registry:ledger_preview": {"pk": ledger.pk},
        "registry:ledger_status": {"pk": ledger.pk},
        "registry:ledger_rerun": {"pk": ledger.pk},
        "registry:ledger_quarantine": {"pk": ledger.pk},
        "/api/v1/registry/ledger/imports/{import_id}": {"import_id": ledger.pk},
        "/api/v1/registry/ledger/imports/{import_id}/preview": {"import_id": ledger.pk},
        "/api/v1/registry/ledger/imports/{import_id}/confirm": {
            "import_id": ledger.pk,
            "_body": {"mapping": None},
        },
        "/api/v1/registry/ledger/imports/{import_id}/quarantine": {"import_id": ledger.pk},
        "registry:household_detail": {"pk": household.pk},
        "registry:person_detail": {"pk": person.pk},
        "registry:person_edit": {"pk": person.pk},
        "registry:person_reveal": {"pk": person.pk},
        "/api/v1/registry/households/{household_id}": {"household_id": household.pk},
        "/api/v1/registry/people/{person_id}": {"person_id": person.pk},
        "/api/v1/registry/people/{person_id}/reveal": {
            "person_id": person.pk,
            "_body": {"field": "id_number", "purpose": "越权查看"},
        },
    }
