"""Staff API for demands: the same selectors (scoping) and services (rules, journal) as the UI."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from demands import selectors, services
from demands import text as demand_text
from demands.models import Demand
from registry import selectors as registry_selectors
from territory.models import AdminUnit, Department
from territory.selectors import unit_list

router = Router(tags=["demands"])


class DemandOut(Schema):
    id: int
    ticket: str
    category: str
    status: str
    outcome: str
    channel: str
    place_unit: str
    place: str
    resident_name: str
    phone_masked: str
    text: str
    owner: str
    owner_level: str
    transfers: int
    accept_due: datetime
    resolve_due: datetime
    escalated_to: str | None
    created_at: datetime
    verdict_resolved: bool | None
    verdict_satisfied: bool | None

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_place_unit(obj):
        return obj.place_unit.name

    @staticmethod
    def resolve_owner(obj):
        return obj.owner_label

    @staticmethod
    def resolve_escalated_to(obj):
        return obj.escalated_to.name if obj.escalated_to_id else None


class EventOut(Schema):
    kind: str
    at: datetime
    office: str
    text: str

    @staticmethod
    def resolve_office(obj):
        return obj.actor_office


class DemandDetailOut(DemandOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class DemandFilters(Schema):
    status: str | None = None
    overdue: bool | None = None
    category: str | None = None
    q: str | None = None


class DemandIn(Schema):
    resident_name: str
    text: str
    village_id: int
    category: str | None = None
    place: str = ""
    phone: str = ""
    channel: str = Demand.Channel.API
    concerns_county_project: bool = False
    amount: Decimal | None = None
    source_visit_id: int | None = None
    person_id: int | None = None


class TransferIn(Schema):
    to_department: int | None = None
    to_unit: int | None = None
    reason: str


class AnswerIn(Schema):
    outcome: str
    answer: str
    policy: str = ""


class VerdictIn(Schema):
    resolved: bool
    satisfied: bool
    channel: str = "callback"
    note: str = ""


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None


@router.get("/demands", response=list[DemandOut], summary="辖区内（或派给本部门）的诉求")
@paginate
def list_demands(request, filters: Query[DemandFilters]):
    # DemandOut names the unit a demand was escalated to: one join, not one query per row.
    return selectors.demand_list(user=request.auth, filters=filters.dict(exclude_none=True)).select_related(
        "escalated_to"
    )


@router.post("/demands", response={201: DemandOut}, summary="登记诉求（自动派发）")
def create_demand(request, payload: DemandIn):
    user = request.auth
    if not user.has_perm("demands.add_demand"):
        raise HttpError(403, "forbidden")
    try:
        village = unit_list(user=user).get(pk=payload.village_id)
    except AdminUnit.DoesNotExist:
        raise HttpError(404, "village not found") from None
    categories = list(selectors.categories_for(user))
    category = next((c for c in categories if c.code == payload.category), None) if payload.category else None
    if category is None:
        category, _hits = demand_text.suggest(payload.text, categories)
    if category is None:
        raise HttpError(422, "category is required (none could be suggested from the text)")
    person = registry_selectors.person_get(user=user, pk=payload.person_id) if payload.person_id else None
    data = payload.dict(exclude={"village_id", "category", "person_id"})
    demand = _call(
        services.demand_create, actor=user, place_unit=village, category=category, person=person, **data
    )
    return Status(201, demand)


@router.get("/demands/{demand_id}", response=DemandDetailOut, summary="一件诉求及其办理记录")
def get_demand(request, demand_id: int):
    return selectors.demand_get(user=request.auth, pk=demand_id)


@router.post("/demands/{demand_id}/accept", response=DemandOut, summary="受理")
def accept_demand(request, demand_id: int):
    demand = selectors.demand_get(user=request.auth, pk=demand_id)
    return _call(services.demand_accept, actor=request.auth, demand=demand)


@router.post("/demands/{demand_id}/transfer", response=DemandOut, summary="转办（须写理由；两次后交协调）")
def transfer_demand(request, demand_id: int, payload: TransferIn):
    demand = selectors.demand_get(user=request.auth, pk=demand_id)
    target: dict = {}
    if payload.to_department is not None:
        department = (
            Department.objects.filter(
                Q(unit=demand.county) | Q(unit__parent=demand.county), pk=payload.to_department
            )
            .select_related("unit")
            .first()
        )
        if department is None:
            raise Http404
        target["to_department"] = department
    elif payload.to_unit is not None:
        unit = AdminUnit.objects.filter(path__startswith=demand.county.path, pk=payload.to_unit).first()
        if unit is None:
            raise Http404
        target["to_unit"] = unit
    return _call(
        services.demand_transfer,
        actor=request.auth,
        demand=demand,
        reason=payload.reason,
        **target,
    )


@router.post("/demands/{demand_id}/answer", response=DemandOut, summary="答复（已解决/部分解决/无法解决）")
def answer_demand(request, demand_id: int, payload: AnswerIn):
    demand = selectors.demand_get(user=request.auth, pk=demand_id)
    return _call(services.demand_answer, actor=request.auth, demand=demand, **payload.dict())


@router.post("/demands/{demand_id}/verdict", response=DemandOut, summary="记录群众评价（未解决则重办）")
def verdict_demand(request, demand_id: int, payload: VerdictIn):
    demand = selectors.demand_get(user=request.auth, pk=demand_id)
    return _call(services.demand_verdict, actor=request.auth, demand=demand, **payload.dict())
