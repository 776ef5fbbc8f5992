from datetime import date, datetime, time
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from registry import selectors as registry_selectors
from territory.models import AdminUnit
from visits import selectors, services
from visits.models import Mode

router = Router(tags=["visits"])


class VisitIn(Schema):
    household_id: int
    mode: str = Mode.IN_PERSON
    person_id: int | None = None
    note: str = ""
    next_visit_date: date | None = None
    client_id: UUID | None = None
    recorded_at: datetime | None = None
    plan_stop_id: int | None = None


class VisitOut(Schema):
    id: int
    household_id: int
    person_id: int | None
    actor: str
    mode: str
    in_person: bool
    visited_at: datetime
    note: str
    next_visit_date: date | None
    client_id: UUID | None

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor)

    @staticmethod
    def resolve_in_person(obj):
        return obj.is_in_person


class SubmitOut(Schema):
    status: str
    visit: VisitOut
    conflict_id: int | None = None


class CoverageRowOut(Schema):
    label: str
    total: int
    on_time: int
    overdue: int
    never: int
    share: int


class TrendOut(Schema):
    week_end: date
    share: int


class WeeklyOut(Schema):
    week_end: date
    in_person: int
    remote: int
    not_home: int


class CoverageOut(Schema):
    day: date
    total: CoverageRowOut
    policies: list[CoverageRowOut]
    townships: list[CoverageRowOut]
    villages: list[CoverageRowOut]
    cadres: list[CoverageRowOut]
    trend: list[TrendOut]
    weekly_visits: list[WeeklyOut]


class DueOut(Schema):
    household_id: int
    head_name: str
    village: str
    address: str
    reason: str
    overdue_days: int
    never: bool
    follow_up: date | None
    mode: str


class StopOut(Schema):
    id: int
    seq: int
    household_id: int
    arrival: time
    departure: time
    mode: str
    reason: str
    mandatory: bool
    km_from_previous: float
    state: str
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_latitude(obj):
        return obj.household.latitude

    @staticmethod
    def resolve_longitude(obj):
        return obj.household.longitude


class RouteOut(Schema):
    id: int
    cadre_id: int
    cadre: str
    start_time: time
    end_time: time
    distance_km: float
    drive_minutes: int
    fuel_cost: float
    stops: list[StopOut]

    @staticmethod
    def resolve_cadre(obj):
        return str(obj.cadre)

    @staticmethod
    def resolve_stops(obj):
        return list(obj.stops.all())


class PlanOut(Schema):
    id: int
    township_id: int
    date: date
    status: str
    progress: int
    message: str


class PlanDetailOut(PlanOut):
    routes: list[RouteOut]
    unplanned: list[dict]


class PlanIn(Schema):
    township_id: int
    date: date
    cadre_ids: list[int]
    added_household_ids: list[int] = []
    shift_start: str = "08:30"
    shift_hours: float = 8
    lunch_start: str = Field("11:30", description="午休最早开始 HH:MM")
    lunch_end: str = Field("13:30", description="午休最晚结束 HH:MM")
    lunch_minutes: int = Field(60, ge=0, le=180)
    balance: bool = Field(True, description="几位干部的户数尽量均匀（每人最多 ⌈候选户数/人数⌉+1 户）")
    max_stops: int | None = Field(None, ge=1, le=100, description="每位干部最多走访户数")
    seconds: float = 2.0


def _fail(exc: Exception):
    if isinstance(exc, PermissionDenied):
        raise HttpError(403, str(exc) or "forbidden")
    if isinstance(exc, ValidationError):
        raise HttpError(422, "; ".join(exc.messages))
    raise exc


@router.post(
    "/visits",
    response={200: SubmitOut, 201: SubmitOut},
    url_name="visits_submit",
    summary="记录走访（可重发）",
)
def submit_visit(request, payload: VisitIn):
    """Idempotent: the same client_id with the same content returns the original visit (200);
    different content is kept as a conflict for review (409 is not used so queues drain)."""
    # The household row alone (a phone's queue sends many of these): its members and tags, which the
    # household page's selector also reads, are not needed to record a visit.
    household = registry_selectors.household_scope(request.auth).filter(pk=payload.household_id).first()
    if household is None:
        raise Http404
    person = None
    if payload.person_id:
        person = household.members.filter(pk=payload.person_id).first()
        if person is None:
            raise HttpError(422, "person is not a member of this household")
    stop = selectors.stop_get(user=request.auth, pk=payload.plan_stop_id) if payload.plan_stop_id else None
    try:
        result = services.visit_submit(
            actor=request.auth,
            household=household,
            mode=payload.mode,
            person=person,
            note=payload.note,
            next_visit_date=payload.next_visit_date,
            client_id=payload.client_id,
            recorded_at=payload.recorded_at,
            plan_stop=stop if stop and stop.household_id == household.pk else None,
        )
    except (PermissionDenied, ValidationError) as exc:
        _fail(exc)
    except IntegrityError:
        raise HttpError(409, "concurrent resend, try again") from None
    status = 201 if result.status == "created" else 200
    return Status(
        status,
        {
            "status": result.status,
            "visit": result.visit,
            "conflict_id": result.conflict.pk if result.conflict else None,
        },
    )


@router.get("/visits", response=list[VisitOut], summary="辖区内的走访记录")
@paginate
def list_visits(request, household: int | None = None, mode: str | None = None):
    return selectors.visit_list(user=request.auth, filters={"household": household, "mode": mode})


@router.get("/visits/{visit_id}", response=VisitOut, summary="一条走访记录")
def get_visit(request, visit_id: int):
    return selectors.visit_get(user=request.auth, pk=visit_id)


@router.get("/due", response=list[DueOut], summary="逾期待走访的户")
def list_due(request, village: int | None = None, day: date | None = None):
    return [
        {
            "household_id": d.household.pk,
            "head_name": d.household.head_name,
            "village": d.household.village.name,
            "address": d.household.address,
            "reason": d.reason,
            "overdue_days": d.overdue_days,
            "never": d.never,
            "follow_up": d.follow_up,
            "mode": str(d.mode),
        }
        for d in (
            selectors.due_list_shared(user=request.auth, village=village)
            if day is None or day == timezone.localdate()
            else selectors.due_list(user=request.auth, village=village, day=day)
        )[:500]
    ]


def _row(r):
    return {
        "label": r.label,
        "total": r.total,
        "on_time": r.on_time,
        "overdue": r.overdue,
        "never": r.never,
        "share": r.share,
    }


@router.get("/coverage", response=CoverageOut, summary="走访覆盖：按要求、乡镇、村、干部，及趋势")
def get_coverage(request, day: date | None = None):
    if not request.auth.has_perm("visits.view_visit"):
        raise HttpError(403, "forbidden")
    cov = selectors.coverage(user=request.auth, day=day)
    return {
        "day": cov.day,
        "total": _row(cov.total),
        "policies": [_row(r) for r in cov.policies],
        "townships": [_row(r) for r in cov.townships],
        "villages": [_row(r) for r in cov.villages],
        "cadres": [_row(r) for r in cov.cadres],
        "trend": cov.trend,
        "weekly_visits": cov.weekly_visits,
    }


@router.get("/plans", response=list[PlanOut], summary="走访计划")
@paginate
def list_plans(request):
    return selectors.plan_list(user=request.auth)


@router.post("/plans", response={201: PlanOut}, summary="制定走访计划（后台计算）")
def create_plan(request, payload: PlanIn):
    townships = {t.pk: t for t in selectors.planning_townships(user=request.auth)}
    township = townships.get(payload.township_id)
    if township is None:
        if not AdminUnit.objects.filter(pk=payload.township_id).exists():
            raise HttpError(404, "not found")
        raise HttpError(403, "forbidden")
    cadres = {c.pk: c for c in selectors.plannable_cadres(user=request.auth)}
    if any(pk not in cadres for pk in payload.cadre_ids):
        raise HttpError(403, "cadre outside jurisdiction")
    try:
        plan = services.plan_create(
            actor=request.auth,
            township=township,
            day=payload.date,
            cadres=[cadres[pk] for pk in payload.cadre_ids],
            params={
                "shift_start": payload.shift_start,
                "shift_hours": payload.shift_hours,
                "lunch_start": payload.lunch_start,
                "lunch_end": payload.lunch_end,
                "lunch_minutes": payload.lunch_minutes,
                "balance": payload.balance,
                "max_stops": payload.max_stops,
                "seconds": min(max(payload.seconds, 0.2), 30),
            },
            added=payload.added_household_ids,
        )
    except (PermissionDenied, ValidationError) as exc:
        _fail(exc)
    plan.refresh_from_db()
    return Status(201, plan)


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary="一份计划及其路线")
def get_plan(request, plan_id: int):
    plan = selectors.plan_get(user=request.auth, pk=plan_id)
    return {
        "id": plan.pk,
        "township_id": plan.township_id,
        "date": plan.date,
        "status": plan.status,
        "progress": plan.progress,
        "message": plan.message,
        "routes": selectors.route_stops(plan=plan),
        "unplanned": plan.unplanned,
    }


@router.post("/stops/{stop_id}/skip", response=RouteOut, summary="跳过一站并重排当天剩余路线")
def skip_stop(request, stop_id: int):
    stop = selectors.stop_get(user=request.auth, pk=stop_id)
    try:
        services.stop_mark(actor=request.auth, stop=stop, state="skipped")
        route = services.route_replan(actor=request.auth, route=stop.route)
    except (PermissionDenied, ValidationError) as exc:
        _fail(exc)
    return selectors.route_get(user=request.auth, pk=route.pk)


# ---- a township's distance table ---------------------------------------------------------------


class MatrixRow(Schema):
    from_: str = Field(..., alias="from", description="户编号；乡镇驻地写 0")
    to: str = Field(..., description="户编号；乡镇驻地写 0")
    km: float


class MatrixIn(Schema):
    rows: list[MatrixRow] | None = Field(None, description="逐条距离")
    csv: str | None = Field(None, description="或整张 CSV：起点户编号,终点户编号,公里")


class MatrixOut(Schema):
    township_id: int
    entries: int
    rows: list[dict]


class MatrixProblems(Schema):
    detail: str
    problems: list[str]


_MATRIX_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": MatrixIn.model_json_schema(by_alias=True)},
            "text/csv": {"schema": {"type": "string", "example": "from,to,km\n0,H001,3.2\nH001,0,3.4"}},
        },
        "required": True,
    }
}


def _planning_township(request, township_id: int) -> AdminUnit:
    township = next((t for t in selectors.planning_townships(user=request.auth) if t.pk == township_id), None)
    if township is None or not request.auth.has_perm("visits.add_plan"):
        if not AdminUnit.objects.filter(pk=township_id).exists():
            raise HttpError(404, "not found")
        raise HttpError(403, "forbidden")
    return township


def _matrix_out(township: AdminUnit) -> dict:
    rows = selectors.distance_matrix_rows(township=township)
    return {"township_id": township.pk, "entries": len(rows), "rows": rows}


@router.get("/townships/{township_id}/matrix", response=MatrixOut, summary="乡镇的距离表")
def get_matrix(request, township_id: int):
    return _matrix_out(_planning_township(request, township_id))


@router.put(
    "/townships/{township_id}/matrix",
    response={200: MatrixOut, 422: MatrixProblems},
    summary="上传或替换乡镇的距离表（JSON 或 CSV）",
    openapi_extra=_MATRIX_BODY,
)
def put_matrix(request, township_id: int):
    """The same check as the upload page: any bad row rejects the whole table, every problem is listed."""
    import csv
    import io

    import pydantic

    township = _planning_township(request, township_id)
    text = request.body.decode("utf-8-sig", errors="replace")
    if (request.content_type or "").startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(text)))
    else:
        try:
            payload = MatrixIn.model_validate_json(text or "{}")
        except pydantic.ValidationError as exc:
            problems = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
            return Status(422, {"detail": "invalid JSON body", "problems": problems})
        if (payload.rows is None) == (payload.csv is None):
            return Status(422, {"detail": "give either rows or csv", "problems": []})
        if payload.csv is not None:
            rows = list(csv.reader(io.StringIO(payload.csv)))
        else:
            rows = [[r.from_, r.to, str(r.km)] for r in payload.rows]
    try:
        services.distance_matrix_replace(actor=request.auth, township=township, rows=rows)
    except PermissionDenied as exc:
        _fail(exc)
    except ValidationError as exc:
        return Status(422, {"detail": "the table was not saved", "problems": list(exc.messages)})
    return _matrix_out(township)


@router.delete("/townships/{township_id}/matrix", response={204: None}, summary="删除乡镇的距离表")
def delete_matrix(request, township_id: int):
    township = _planning_township(request, township_id)
    try:
        services.distance_matrix_delete(actor=request.auth, township=township)
    except PermissionDenied as exc:
        _fail(exc)
    return Status(204, None)
