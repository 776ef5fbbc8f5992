"""Writes for the burden ledger and the report filler. Views, the API and demo data all call these."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import journal
from burden.models import (
    DEFAULT_TYPE_HOURS,
    Assignment,
    CountySetting,
    ManualValue,
    ReportFill,
    ReportTemplate,
    RowUnit,
    Synonym,
    Task,
    TaskType,
    TypeDefault,
)
from burden.workdays import working_days_between
from territory.models import AdminUnit, Department
from territory.roles import Role
from territory.selectors import unit_in_scope


def county_of(unit: AdminUnit) -> AdminUnit:
    code = unit.path.split("/")[1]
    return unit if unit.code == code else AdminUnit.objects.get(code=code)


def county_setting(county: AdminUnit) -> CountySetting:
    setting, _created = CountySetting.objects.get_or_create(county=county)
    return setting


def type_hours(county: AdminUnit) -> dict[str, Decimal]:
    """The county's default hours per task type, falling back to the built-in defaults."""
    hours = {str(k): v for k, v in DEFAULT_TYPE_HOURS.items()}
    hours.update({d.type: d.hours for d in TypeDefault.objects.filter(county=county)})
    return hours


@transaction.atomic
def setting_update(
    *,
    actor,
    county: AdminUnit,
    lead_time_floor_days: int,
    weekly_hours: Decimal,
    minutes_per_cell: Decimal,
    hours_per_visit: Decimal,
    type_defaults: dict[str, Decimal] | None = None,
) -> CountySetting:
    """Only county supervisors and administrators of that county change its burden rules."""
    if actor is not None and (
        not actor.has_perm("burden.change_burden_settings") or not unit_in_scope(user=actor, unit=county)
    ):
        raise PermissionDenied(_("您没有权限修改本县的减负设置"))
    setting = county_setting(county)
    setting.lead_time_floor_days = lead_time_floor_days
    setting.weekly_hours = weekly_hours
    setting.minutes_per_cell = minutes_per_cell
    setting.hours_per_visit = hours_per_visit
    setting.full_clean()
    setting.save()
    for type_code, hours in (type_defaults or {}).items():
        if type_code not in TaskType.values:
            raise ValidationError({"type_defaults": _("未知的任务类型")})
        TypeDefault.objects.update_or_create(county=county, type=type_code, defaults={"hours": hours})
    journal.record(
        actor=actor,
        action="burden.setting.updated",
        target=setting,
        data={"floor": lead_time_floor_days, "weekly_hours": str(weekly_hours)},
    )
    return setting


def _can_assign(actor, unit: AdminUnit, department: Department | None) -> bool:
    if actor is None:
        return True
    if unit_in_scope(user=actor, unit=unit):
        return True
    # The issuing department may send work anywhere in its own county.
    return bool(
        department is not None
        and actor.department_id == department.pk
        and unit.path.startswith(department.unit.county_path)
    )


@transaction.atomic
def task_record(
    *,
    actor,
    type: str,
    title: str,
    issuer_unit: AdminUnit,
    received_at: datetime,
    deadline: datetime,
    units: list[AdminUnit],
    issuer_department: Department | None = None,
    staff: list | None = None,
    estimated_hours: Decimal | None = None,
    source_text: str = "",
) -> Task:
    """A task lands on units (and cadres); under the county's lead-time floor it is flagged 不合理时限."""
    if actor is not None and not actor.has_perm("burden.add_task"):
        raise PermissionDenied(_("您没有权限登记任务"))
    if not units:
        raise ValidationError({"units": _("请至少选择一个承办单位")})
    for unit in units:
        if not _can_assign(actor, unit, issuer_department):
            raise PermissionDenied(_("您没有权限给“%(unit)s”登记任务") % {"unit": unit.name})
    if issuer_department is not None and issuer_department.unit_id != issuer_unit.pk:
        raise ValidationError({"issuer_department": _("发文部门不属于所选的发文单位")})
    if deadline < received_at:
        raise ValidationError({"deadline": _("办结时限不能早于收到时间")})
    county = county_of(units[0])
    if estimated_hours is None:
        estimated_hours = type_hours(county)[type]
    floor = county_setting(county).lead_time_floor_days
    days = working_days_between(received_at, deadline, county_id=county.pk)
    task = Task(
        type=type,
        title=title.strip(),
        issuer_unit=issuer_unit,
        issuer_department=issuer_department,
        received_at=received_at,
        deadline=deadline,
        estimated_hours=estimated_hours,
        lead_working_days=days,
        unreasonable_deadline=days < floor,
        source_text=source_text,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    task.full_clean()
    task.save()
    staff = list(staff or [])
    rows = []
    for unit in units:
        mine = [s for s in staff if unit_in_scope(user=s, unit=unit)]
        for person in mine or [None]:
            rows.append(
                Assignment(
                    task=task,
                    unit=unit,
                    staff=person,
                    scope_path=unit.path,
                    hours=estimated_hours,
                    deadline=deadline,
                )
            )
    Assignment.objects.bulk_create(rows)
    journal.record(
        actor=actor,
        action="burden.task.recorded",
        target=task,
        data={
            "type": type,
            "units": [u.code for u in units],
            "hours": str(estimated_hours),
            "lead_working_days": days,
            "unreasonable": task.unreasonable_deadline,
        },
    )
    return task


@transaction.atomic
def task_update(
    *,
    actor,
    task: Task,
    title: str | None = None,
    deadline: datetime | None = None,
    estimated_hours: Decimal | None = None,
) -> Task:
    """Correct a recorded task; a new deadline re-checks the lead-time floor, new hours reach every assignee."""
    if actor is not None:
        units = [a.unit for a in task.assignments.select_related("unit")]
        issuer = task.issuer_department_id is not None and actor.department_id == task.issuer_department_id
        if not actor.has_perm("burden.add_task") or not (
            issuer or any(unit_in_scope(user=actor, unit=u) for u in units)
        ):
            raise PermissionDenied(_("您没有权限修改这项任务"))
    changed = {}
    if title is not None and title.strip() != task.title:
        task.title = changed["title"] = title.strip()
    if estimated_hours is not None and estimated_hours != task.estimated_hours:
        task.estimated_hours = estimated_hours
        changed["hours"] = str(estimated_hours)
    if deadline is not None and deadline != task.deadline:
        if deadline < task.received_at:
            raise ValidationError({"deadline": _("办结时限不能早于收到时间")})
        task.deadline = deadline
        changed["deadline"] = deadline.isoformat()
    if not changed:
        return task
    county = county_of(task.issuer_unit)
    floor = county_setting(county).lead_time_floor_days
    task.lead_working_days = working_days_between(task.received_at, task.deadline, county_id=county.pk)
    task.unreasonable_deadline = task.lead_working_days < floor
    task.full_clean()
    task.save(
        update_fields=["title", "estimated_hours", "deadline", "lead_working_days", "unreasonable_deadline"]
    )
    task.assignments.update(hours=task.estimated_hours, deadline=task.deadline)
    journal.record(
        actor=actor,
        action="burden.task.updated",
        target=task,
        data={**changed, "unreasonable": task.unreasonable_deadline},
    )
    return task


# --- report filler ---------------------------------------------------------------------------


def _require_fill(actor, unit: AdminUnit) -> None:
    if not actor.has_perm("burden.fill_report") or not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("您没有权限为“%(unit)s”填报") % {"unit": unit.name})


@transaction.atomic
def template_upload(*, actor, unit: AdminUnit, name: str, content: bytes) -> ReportTemplate:
    """Reads the workbook's header block and row unit and proposes a source for every column."""
    from django.core.files.base import ContentFile

    from burden import filler

    _require_fill(actor, unit)
    layout = filler.detect_layout(content)
    county = county_of(unit)
    columns = filler.propose_mapping(layout.columns, layout.row_unit, county=county)
    template = ReportTemplate(
        owner=actor,
        unit=unit,
        scope_path=unit.path,
        name=(name or layout.title or "模板")[:200],
        sheet_name=layout.sheet_name,
        title=layout.title[:300],
        header_start=layout.header_start,
        header_end=layout.header_end,
        data_start=layout.data_start,
        row_unit=layout.row_unit,
        columns=columns,
    )
    template.file.save(f"{unit.code}.xlsx", ContentFile(content), save=False)
    template.full_clean()
    template.save()
    journal.record(
        actor=actor,
        action="burden.template.uploaded",
        target=template,
        data={"row_unit": layout.row_unit, "columns": len(columns)},
    )
    return template


@transaction.atomic
def template_confirm(
    *, actor, template: ReportTemplate, row_unit: str, sources: dict[int, str]
) -> ReportTemplate:
    """The person's choice is final and becomes a synonym, so the next template maps itself."""
    from burden import filler

    _require_fill(actor, template.unit)
    if row_unit not in RowUnit.values:
        raise ValidationError({"row_unit": _("未知的行单位")})
    allowed = filler.sources_for(row_unit)
    county = county_of(template.unit)
    columns = []
    for column in template.columns:
        source = sources.get(column["col"], column.get("source", ""))
        if source and source not in allowed and source not in (filler.MANUAL, filler.SKIP):
            raise ValidationError({"columns": _("“%(label)s”选择的数据项不适用于这种表") % column})
        if source and source != column.get("source") or (source and column.get("score", 0) < 1):
            Synonym.objects.update_or_create(
                county=county,
                label=filler.normalize(column["label"]),
                row_unit=row_unit,
                defaults={"source": source, "confirmed_by": actor},
            )
        columns.append({**column, "source": source, "score": 1.0 if source else 0})
    template.row_unit = row_unit
    template.columns = columns
    template.confirmed = True
    template.save(update_fields=["row_unit", "columns", "confirmed"])
    journal.record(
        actor=actor,
        action="burden.template.confirmed",
        target=template,
        data={"row_unit": row_unit, "mapped": sum(1 for c in columns if c["source"])},
    )
    return template


@transaction.atomic
def manual_values_enter(*, actor, values: dict[tuple[int, str], str]) -> int:
    """Values keyed by (unit id, column label); stored once, never asked for again."""
    units = {u.pk: u for u in AdminUnit.objects.filter(pk__in={k[0] for k in values})}
    saved = 0
    for (unit_id, label), value in values.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        _require_fill(actor, unit)
        value = (value or "").strip()
        if not value:
            continue
        ManualValue.objects.update_or_create(
            unit=unit, label=label, defaults={"value": value[:500], "entered_by": actor}
        )
        saved += 1
    if saved:
        journal.record(actor=actor, action="burden.manual.entered", target=None, data={"values": saved})
    return saved


@transaction.atomic
def fill_request(*, actor, template: ReportTemplate) -> ReportFill:
    """Village and township reports fill at once; person and household lists go to a background task
    whose record shows progress. Either way the record ends with cells filled and hours saved."""
    _require_fill(actor, template.unit)
    if not template.confirmed:
        raise ValidationError(_("请先确认各栏目对应的数据项"))
    fill = ReportFill.objects.create(
        template=template, actor=actor, unit=template.unit, scope_path=template.unit.path
    )
    journal.record(
        actor=actor,
        action="burden.fill.requested",
        target=fill,
        data={"template": template.pk, "unit": template.unit.code},
    )
    from burden import filler
    from burden.tasks import run_fill

    if template.row_unit in filler.AGG:
        # A few hundred rows aggregated in the database: seconds even for a whole county, so the
        # person gets the file at once instead of waiting for a worker.
        run_fill.call(fill.pk)
    else:
        # Enqueued inside the transaction on purpose: the database backend stores the job in this
        # same transaction, so a worker can never pick it up before the fill record exists.
        run_fill.enqueue(fill.pk)
    return fill


def is_issuer_role(user) -> bool:
    return getattr(user, "role", "") == Role.COUNTY_HANDLER
