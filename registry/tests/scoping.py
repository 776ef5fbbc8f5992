"""Out-of-scope objects for the URL walker in core/tests/test_scoping.py.

`routes(tree)` returns {url name or API path template: kwargs} for objects that lie outside
village A1 (the walker logs in as A1's village official). Every route with a path parameter
must appear in some app's scoping.py, or the walker fails.
"""

from core.testing import make_household, make_person


def routes(tree) -> dict:
    household = make_household(tree.village_b1, address="乙一村七组7号")
    person = make_person(household, "乙村人")
    return {
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
