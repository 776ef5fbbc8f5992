"""The fuzzing fixture: one county, two townships with data in both, and the demo's roles.

`build_world()` fills township A (villages A1 with a grid, A2) and township B (village B1) with
households, people, visits, day plans, demands, tasks, report templates and fills, and ledger
imports, all through the services, then creates one staff member per demo role with an API token.
`reachable()` is the scoping rule written independently of the selectors: an object a role may see
lies inside its jurisdiction, or is linked to it by department (a county handler's demands and the
tasks its department issued) or by the person (their own plan route, their own task assignment).
Permissions only ever narrow that; nothing outside it may appear in any answer.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from core.testing import Tree, build_tree, make_household, make_person, make_staff, synthetic_id
from territory.models import AdminUnit, Staff
from territory.roles import Role
from territory.services import token_issue

# The demo's logins (README: `make demo`), each with the jurisdiction it has in the demo county.
ROLE_NAMES = ["admin", "supervisor", "handler", "leader", "cadre", "village", "grid"]


@dataclass
class World:
    tree: Tree
    staff: dict[str, Staff]
    keys: dict[str, str]
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> {label: pk}, both townships
    setup: dict = field(default_factory=dict)


def build_world() -> World:
    from burden import services as burden_services
    from burden.tests import workbooks
    from demands.tests.factories import make_categories, make_demand
    from registry.ledger.services import ledger_upload
    from registry.tests import ledgers
    from visits import services as visit_services

    tree = build_tree()
    setup = make_categories(tree)
    visit_services.policies_seed(actor=None, county=tree.county)
    roles = {
        "admin": make_staff(Role.ADMINISTRATOR, [tree.county], username="fz-admin"),
        "supervisor": make_staff(Role.COUNTY_SUPERVISOR, [tree.county], username="fz-supervisor"),
        "handler": make_staff(
            Role.COUNTY_HANDLER, [tree.county], username="fz-handler", department=setup["civil"]
        ),
        "leader": make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="fz-leader"),
        "cadre": make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1, tree.village_a2], username="fz-cadre"),
        "village": make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="fz-village"),
        "grid": make_staff(Role.VILLAGE_OFFICIAL, [tree.grid_a1], username="fz-grid"),
    }
    # As in the demo, the administrator is also a Django superuser.
    Staff.objects.filter(pk=roles["admin"].pk).update(is_staff=True, is_superuser=True)
    roles["admin"].refresh_from_db()
    leader_b = make_staff(Role.TOWNSHIP_LEADER, [tree.town_b], username="fz-leader-b")
    cadre_b = make_staff(Role.TOWNSHIP_CADRE, [tree.village_b1], username="fz-cadre-b")
    keys = {name: token_issue(actor=s, staff=s, name="fuzz")[1] for name, s in roles.items()}
    ids: dict[str, dict[str, int]] = {k: {} for k in KINDS}

    places = {
        "a1_grid": (tree.village_a1, tree.grid_a1, roles["cadre"]),
        "a1": (tree.village_a1, None, roles["cadre"]),
        "a2": (tree.village_a2, None, roles["cadre"]),
        "b1": (tree.village_b1, None, cadre_b),
    }
    for n, (label, (village, grid, cadre)) in enumerate(places.items()):
        household = make_household(
            village,
            grid=grid,
            address=f"{village.name}{n + 1}组{n + 1}号",
            latitude=village.latitude + 0.001 * n,
            longitude=village.longitude + 0.001 * n,
            tags=[tree.tags["dibao"]],
        )
        person = make_person(
            household,
            f"{village.name}户主",
            id_number=synthetic_id(date(1941, 2, 3)),
            birth_date=date(1941, 2, 3),
            phone="13900001234",
        )
        person.tags.add(tree.tags["elderly_alone"])
        visit = visit_services.visit_record(actor=cadre, household=household, note="例行走访")
        ids["household"][label] = household.pk
        ids["person"][label] = person.pk
        ids["visit"][label] = visit.pk
        for category in ("road", "welfare", "land"):
            demand = make_demand(
                tree, setup, category=category, place_unit=village, text=f"{village.name}的{category}诉求"
            )
            ids["demand"][f"{label}_{category}"] = demand.pk

    day = timezone.localdate() + timedelta(days=1)
    for label, township, planner, cadre in [
        ("a", tree.town_a, roles["leader"], roles["cadre"]),
        ("b", tree.town_b, leader_b, cadre_b),
    ]:
        plan = visit_services.plan_create(
            actor=planner, township=township, day=day, cadres=[cadre], params={"seconds": 0.2}
        )
        ids["plan"][label] = plan.pk
        stop = plan.routes.first().stops.first() if plan.routes.exists() else None
        if stop is not None:
            ids["stop"][label] = stop.pk

    now = timezone.now()
    tasks = [
        ("a", tree.town_a, None, [tree.village_a1, tree.village_a2]),
        ("b", tree.town_b, None, [tree.village_b1]),
        ("civil_a", tree.county, setup["civil"], [tree.town_a]),
        ("land_b", tree.county, setup["land_dept"], [tree.town_b]),
    ]
    for label, issuer, department, units in tasks:
        task = burden_services.task_record(
            actor=None,
            type="form",
            title=f"{label}报表",
            issuer_unit=issuer,
            issuer_department=department,
            received_at=now,
            deadline=now + timedelta(days=5),
            units=units,
        )
        ids["task"][label] = task.pk

    for label, township, leader in [("a", tree.town_a, roles["leader"]), ("b", tree.town_b, leader_b)]:
        template = burden_services.template_upload(
            actor=leader, unit=township, name=f"{township.name}报表", content=workbooks.village_template()
        )
        template = burden_services.template_confirm(
            actor=leader, template=template, row_unit=template.row_unit, sources={}
        )
        fill = burden_services.fill_request(actor=leader, template=template)
        ids["template"][label] = template.pk
        ids["fill"][label] = fill.pk

    for label, village, uploader in [
        ("a1", tree.village_a1, roles["village"]),
        ("b1", tree.village_b1, cadre_b),
    ]:
        ledger = ledger_upload(
            actor=uploader, unit=village, content=ledgers.to_xlsx(ledgers.messy(3)), filename="台账.xlsx"
        )
        ids["ledger_import"][label] = ledger.pk

    for label, unit in [
        ("county", tree.county),
        ("a", tree.town_a),
        ("a1", tree.village_a1),
        ("a1_grid", tree.grid_a1),
        ("a2", tree.village_a2),
        ("b", tree.town_b),
        ("b1", tree.village_b1),
    ]:
        ids["unit"][label] = unit.pk
    return World(tree=tree, staff=roles, keys=keys, ids=ids, setup=setup)


# ---------------------------------------------------------------- the scoping rule, independently


def _paths(user) -> tuple[str, ...]:
    return tuple(user.jurisdictions.values_list("path", flat=True)) if user is not None else ()


def _inside(user, *paths: str | None) -> bool:
    own = _paths(user)
    return any(p and p.startswith(j) for p in paths for j in own)


def _unit(user, pk) -> bool:
    unit = AdminUnit.objects.filter(pk=pk).first()
    return unit is not None and _inside(user, unit.path)


def _household(user, pk) -> bool:
    from registry.models import Household

    row = Household.objects.filter(pk=pk).values_list("scope_path", flat=True).first()
    return row is not None and _inside(user, row)


def _person(user, pk) -> bool:
    from registry.models import Person

    row = Person.objects.filter(pk=pk).values_list("household__scope_path", flat=True).first()
    return row is not None and _inside(user, row)


def _visit(user, pk) -> bool:
    from visits.models import Visit

    row = Visit.objects.filter(pk=pk).values_list("scope_path", flat=True).first()
    return row is not None and _inside(user, row)


def _plan(user, pk) -> bool:
    from visits.models import Plan

    plan = Plan.objects.filter(pk=pk).first()
    if plan is None:
        return False
    return (
        _inside(user, plan.scope_path)
        or plan.created_by_id == user.pk
        or plan.routes.filter(cadre=user).exists()
    )


def _stop(user, pk) -> bool:
    from visits.models import PlanStop

    plan_id = PlanStop.objects.filter(pk=pk).values_list("route__plan_id", flat=True).first()
    return plan_id is not None and _plan(user, plan_id)


def _demand(user, pk) -> bool:
    from demands.models import Demand

    demand = Demand.objects.filter(pk=pk).first()
    if demand is None:
        return False
    by_department = user.department_id is not None and demand.owner_department_id == user.department_id
    if user.role == Role.COUNTY_HANDLER:
        return by_department
    return by_department or _inside(user, demand.scope_path, demand.owner_path)


def _task(user, pk) -> bool:
    from burden.models import Task

    task = Task.objects.filter(pk=pk).first()
    if task is None:
        return False
    if user.department_id is not None and task.issuer_department_id == user.department_id:
        return True
    if user.role == Role.COUNTY_HANDLER:
        return False
    return any(_inside(user, a.scope_path) or a.staff_id == user.pk for a in task.assignments.all())


def _scoped_row(model_path: str):
    def check(user, pk) -> bool:
        from django.apps import apps

        model = apps.get_model(model_path)
        row = model.objects.filter(pk=pk).values_list("scope_path", flat=True).first()
        return row is not None and _inside(user, row)

    return check


KINDS = {
    "unit": _unit,
    "household": _household,
    "person": _person,
    "visit": _visit,
    "plan": _plan,
    "stop": _stop,
    "demand": _demand,
    "task": _task,
    "template": _scoped_row("burden.ReportTemplate"),
    "fill": _scoped_row("burden.ReportFill"),
    "ledger_import": _scoped_row("registry.LedgerImport"),
}


def reachable(user, kind: str, pk) -> bool:
    """Whether `user` may ever see object `pk` of `kind` (an upper bound; permissions narrow it)."""
    return user is not None and KINDS[kind](user, pk)


# Where each API answer names objects: path parameter -> kind, and list path -> (kind, id field).
PATH_PARAM_KINDS = {
    "unit_id": "unit",
    "household_id": "household",
    "person_id": "person",
    "import_id": "ledger_import",
    "visit_id": "visit",
    "plan_id": "plan",
    "stop_id": "stop",
    "demand_id": "demand",
    "task_id": "task",
    "template_id": "template",
    "fill_id": "fill",
}
LIST_KINDS = {
    "/api/v1/territory/units": ("unit", "id"),
    "/api/v1/registry/households": ("household", "id"),
    "/api/v1/registry/people": ("person", "id"),
    "/api/v1/visits/visits": ("visit", "id"),
    "/api/v1/visits/due": ("household", "household_id"),
    "/api/v1/visits/plans": ("plan", "id"),
    "/api/v1/demands/demands": ("demand", "id"),
    "/api/v1/burden/tasks": ("task", "id"),
    "/api/v1/burden/templates": ("template", "id"),
    "/api/v1/burden/fills": ("fill", "id"),
}
