"""Burden API: the task ledger, the dashboard numbers and report fills, scoped like the pages."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from burden import selectors, services
from burden.models import TaskType
from burden.notice import parse_notice
from territory.models import AdminUnit, Department
from territory.selectors import staff_list

router = Router(tags=["burden"])


def _require(request, perm: str) -> None:
    if not request.auth.has_perm(perm):
        raise HttpError(403, "permission denied")


class AssignmentOut(Schema):
    unit_id: int
    unit_name: str
    staff_id: int | None
    hours: Decimal

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class TaskOut(Schema):
    id: int
    type: str
    title: str
    issuer_unit_id: int
    issuer_department_id: int | None
    issuer: str
    received_at: datetime
    deadline: datetime
    estimated_hours: Decimal
    lead_working_days: int
    unreasonable_deadline: bool

    @staticmethod
    def resolve_issuer(obj):
        return f"{obj.issuer_unit.name}{obj.issuer_department.name if obj.issuer_department else ''}"


class TaskDetailOut(TaskOut):
    source_text: str
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments.all())


class TaskIn(Schema):
    type: str
    title: str
    issuer_unit_id: int | None = None
    issuer_department_id: int | None = None
    received_at: datetime | None = None
    deadline: datetime
    unit_ids: list[int]
    staff_ids: list[int] = []
    estimated_hours: Decimal | None = None
    source_text: str = ""


class TaskFilters(Schema):
    type: str | None = None
    unreasonable: bool | None = None
    issuer: int | None = None


class NoticeIn(Schema):
    text: str


class NoticeOut(Schema):
    title: str
    issuer_department_id: int | None
    deadline: datetime | None
    type: str


@router.get("/tasks", response=list[TaskOut], summary="落到辖区的任务（发文部门看到自己发的）")
@paginate
def list_tasks(request, filters: Query[TaskFilters]):
    return selectors.task_list(user=request.auth, filters=filters.dict(exclude_none=True))


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="一项任务及其承办单位")
def get_task(request, task_id: int):
    return selectors.task_get(user=request.auth, pk=task_id)


@router.post("/tasks", response={201: TaskDetailOut}, summary="登记任务（低于时限下限自动标记不合理时限）")
def create_task(request, payload: TaskIn):
    _require(request, "burden.add_task")
    if payload.type not in TaskType.values:
        raise HttpError(422, "unknown task type")
    units = list(AdminUnit.objects.filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise HttpError(422, "unknown unit")
    department = None
    if payload.issuer_department_id:
        department = Department.objects.select_related("unit").filter(pk=payload.issuer_department_id).first()
        if department is None:
            raise HttpError(422, "unknown department")
    issuer_unit = (
        department.unit if department else AdminUnit.objects.filter(pk=payload.issuer_unit_id).first()
    )
    if issuer_unit is None:
        raise HttpError(422, "issuer_unit_id or issuer_department_id is required")
    staff = list(staff_list(user=request.auth).filter(pk__in=payload.staff_ids)) if payload.staff_ids else []
    try:
        task = services.task_record(
            actor=request.auth,
            type=payload.type,
            title=payload.title,
            issuer_unit=issuer_unit,
            issuer_department=department,
            received_at=payload.received_at or timezone.now(),
            deadline=payload.deadline,
            units=units,
            staff=staff,
            estimated_hours=payload.estimated_hours,
            source_text=payload.source_text,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(201, selectors.task_get(user=request.auth, pk=task.pk))


class TaskPatch(Schema):
    title: str | None = None
    deadline: datetime | None = None
    estimated_hours: Decimal | None = None


@router.patch("/tasks/{task_id}", response=TaskDetailOut, summary="修改任务（时限变了会重新判断是否不合理）")
def update_task(request, task_id: int, payload: TaskPatch):
    task = selectors.task_get(user=request.auth, pk=task_id)
    try:
        services.task_update(actor=request.auth, task=task, **payload.dict(exclude_none=True))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return selectors.task_get(user=request.auth, pk=task_id)


@router.post("/notices/parse", response=NoticeOut, summary="从通知原文识别标题、发文部门、时限和类型")
def parse(request, payload: NoticeIn):
    departments = Department.objects.select_related("unit")
    guess = parse_notice(
        payload.text,
        received=timezone.now(),
        departments=[(d.pk, d.unit.name, d.name) for d in departments],
    )
    return {
        "title": guess.title,
        "issuer_department_id": guess.department_id,
        "deadline": guess.deadline,
        "type": guess.type,
    }


class UnitRowOut(Schema):
    unit_id: int | None
    label: str
    tasks: int
    hours_demanded: Decimal
    hours_available: Decimal
    hours_in_field: Decimal


class IssuerOut(Schema):
    issuer: str
    hours: Decimal
    tasks: int
    unreasonable: int


class DashboardOut(Schema):
    start: date
    end: date
    tasks: int
    unreasonable: int
    units: list[UnitRowOut]
    cadres: list[UnitRowOut]
    issuers: list[IssuerOut]
    by_type: dict[str, int]
    duplicate_requests: list[dict]
    fills: int
    cells_filled: int
    hours_saved: Decimal


@router.get("/dashboard", response=DashboardOut, summary="减负看板数字：上级要求工时、可用工时、入户时间")
def get_dashboard(request, weeks: int = 4, as_of: date | None = None):
    _require(request, "burden.view_burden_dashboard")
    board = selectors.dashboard(user=request.auth, as_of=as_of, weeks=weeks)

    def row(r):
        return {
            "unit_id": r.unit.pk if r.unit else None,
            "label": r.label,
            "tasks": r.tasks,
            "hours_demanded": r.demanded,
            "hours_available": r.available,
            "hours_in_field": r.field,
        }

    return {
        "start": board.start,
        "end": board.end,
        "tasks": board.task_count,
        "unreasonable": board.unreasonable,
        "units": [row(r) for r in board.units],
        "cadres": [row(r) for r in board.cadres],
        "issuers": [{"issuer": n, "hours": h, "tasks": t, "unreasonable": b} for n, h, t, b in board.issuers],
        "by_type": {code: n for code, _label, n, _h in board.by_type},
        "duplicate_requests": board.duplicates,
        "fills": board.fills,
        "cells_filled": board.cells_filled,
        "hours_saved": board.hours_saved,
    }


class TemplateOut(Schema):
    id: int
    name: str
    unit_id: int
    row_unit: str
    header_start: int
    header_end: int
    data_start: int
    confirmed: bool
    columns: list[dict]


class FillOut(Schema):
    id: int
    template_id: int
    unit_id: int
    status: str
    progress: int
    rows_filled: int
    cells_filled: int
    hours_saved: Decimal
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None

    @staticmethod
    def resolve_download_url(obj):
        from django.urls import reverse

        return reverse("burden:fill_download", args=[obj.pk]) if obj.output else None


@router.get("/templates", response=list[TemplateOut], summary="上传过的上报模板")
@paginate
def list_templates(request):
    return selectors.template_list(user=request.auth)


@router.get("/templates/{template_id}", response=TemplateOut, summary="一个模板及其栏目对应")
def get_template(request, template_id: int):
    return selectors.template_get(user=request.auth, pk=template_id)


@router.post(
    "/templates/{template_id}/fill", response={202: FillOut}, summary="按确认过的对应关系填报（后台执行）"
)
def fill_template(request, template_id: int):
    template = selectors.template_get(user=request.auth, pk=template_id)
    try:
        fill = services.fill_request(actor=request.auth, template=template)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    fill.refresh_from_db()
    return Status(202, fill)


@router.get("/fills", response=list[FillOut], summary="填报记录：格子数和节省的工时")
@paginate
def list_fills(request):
    return selectors.fill_list(user=request.auth)


@router.get("/fills/{fill_id}", response=FillOut, summary="一次填报的进度")
def get_fill(request, fill_id: int):
    return selectors.fill_get(user=request.auth, pk=fill_id)
