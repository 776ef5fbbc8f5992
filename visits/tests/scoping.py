"""Out-of-scope objects for the URL walker in core/tests/test_scoping.py (see registry/tests/scoping.py)."""

from django.utils import timezone

from core.testing import make_household, make_person, make_staff
from territory.roles import Role
from visits import services


def routes(tree) -> dict:
    services.policies_seed(actor=None, county=tree.county)
    household = make_household(tree.village_b1, address="乙一村八组8号", latitude=33.86, longitude=114.46)
    person = make_person(household, "乙村人")
    person.tags.add(tree.tags["elderly_alone"])
    cadre_b = make_staff(Role.TOWNSHIP_CADRE, [tree.village_b1], username="visits-cadre-b")
    visit = services.visit_record(
        actor=cadre_b, household=household, client_id="0b7c2f1e-8a35-4c1e-9a51-1c2d3e4f5a6b"
    )
    conflict = services.visit_submit(
        actor=cadre_b, household=household, client_id="0b7c2f1e-8a35-4c1e-9a51-1c2d3e4f5a6b", note="改过"
    ).conflict
    plan = services.plan_create(
        actor=cadre_b, township=tree.town_b, day=timezone.localdate(), cadres=[cadre_b], added=[household.pk]
    )
    route = plan.routes.get()
    stop = route.stops.first()
    from visits.models import VisitPolicy

    return {
        "visits:policy_edit": {"pk": VisitPolicy.objects.filter(county=tree.county).first().pk},
        "/api/v1/visits/townships/{township_id}/matrix": {
            "township_id": tree.town_b.pk,
            "_body": {"rows": []},
        },
        "visits:conflict_resolve": {"pk": conflict.pk},
        "visits:plan_detail": {"pk": plan.pk},
        "visits:plan_map": {"pk": plan.pk},
        "visits:plan_sheet": {"pk": plan.pk},
        "visits:stop_skip": {"pk": stop.pk},
        "visits:route_trip": {"pk": route.pk},
        "visits:claim_export": {"cadre_id": cadre_b.pk, "fmt": "pdf"},
        "/api/v1/visits/visits/{visit_id}": {"visit_id": visit.pk},
        "/api/v1/visits/plans/{plan_id}": {"plan_id": plan.pk},
        "/api/v1/visits/stops/{stop_id}/skip": {"stop_id": stop.pk, "_body": {}},
    }
