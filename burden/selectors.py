"""Reads for the burden ledger, dashboard and report filler, always scoped.

A township sees the tasks landing on its units; an issuing department sees the tasks it issued
and what they cost; a cadre sees the tasks assigned to them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from burden.models import Assignment, ReportFill, ReportTemplate, Task, TaskType
from territory.models import AdminUnit, Staff
from territory.selectors import jurisdiction_paths, scope_q, top_units
from visits.models import Mode, Visit


def _can(user, perm: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(perm))


def _is_issuer(user) -> bool:
    from burden.services import is_issuer_role

    return is_issuer_role(user) and user.department_id is not None


def assignment_scope(user) -> QuerySet[Assignment]:
    if not _can(user, "burden.view_task"):
        return Assignment.objects.none()
    if _is_issuer(user):
        return Assignment.objects.filter(task__issuer_department_id=user.department_id)
    return Assignment.objects.filter(scope_q(user, "scope_path") | Q(staff=user))


def task_scope(user) -> QuerySet[Task]:
    if not _can(user, "burden.view_task"):
        return Task.objects.none()
    q = Q(pk__in=assignment_scope(user).values("task_id"))
    if user.department_id:
        q |= Q(issuer_department_id=user.department_id)
    return Task.objects.filter(q)


def task_list(*, user, filters: dict | None = None) -> QuerySet[Task]:
    """Filters: type, unreasonable (bool), issuer (department id)."""
    filters = filters or {}
    qs = task_scope(user).select_related("issuer_unit", "issuer_department")
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("unreasonable"):
        qs = qs.filter(unreasonable_deadline=True)
    if filters.get("issuer"):
        qs = qs.filter(issuer_department_id=filters["issuer"])
    return qs.order_by("-received_at", "-id")


def task_get(*, user, pk) -> Task:
    try:
        return (
            task_scope(user)
            .select_related("issuer_unit", "issuer_department", "created_by")
            .prefetch_related("assignments__unit", "assignments__staff")
            .get(pk=pk)
        )
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def template_list(*, user) -> QuerySet[ReportTemplate]:
    if not _can(user, "burden.fill_report"):
        return ReportTemplate.objects.none()
    return ReportTemplate.objects.filter(scope_q(user, "scope_path")).select_related("unit", "owner")


def template_get(*, user, pk) -> ReportTemplate:
    try:
        return template_list(user=user).get(pk=pk)
    except (ReportTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def fill_list(*, user) -> QuerySet[ReportFill]:
    if not (_can(user, "burden.fill_report") or _can(user, "burden.view_burden_dashboard")):
        return ReportFill.objects.none()
    return ReportFill.objects.filter(scope_q(user, "scope_path")).select_related("template", "unit", "actor")


def fill_get(*, user, pk) -> ReportFill:
    try:
        return fill_list(user=user).get(pk=pk)
    except (ReportFill.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- field hours from the visit log -----------------------------------------------------------


def in_person_visits(*, staff_ids, start: datetime, end: datetime) -> dict[int, int]:
    """In-person visits per cadre in [start, end): the field time the dashboard sets against paperwork."""
    rows = (
        Visit.objects.filter(
            actor_id__in=list(staff_ids), mode=Mode.IN_PERSON, visited_at__gte=start, visited_at__lt=end
        )
        .values_list("actor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def visit_counts_by_village(*, villages: list[int], start: datetime, end: datetime) -> dict[int, int]:
    """In-person visits to households per village in [start, end)."""
    rows = (
        Visit.objects.filter(
            household__village_id__in=villages,
            mode=Mode.IN_PERSON,
            visited_at__gte=start,
            visited_at__lt=end,
        )
        .values_list("household__village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


# --- dashboard --------------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _aware(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class Row:
    unit: AdminUnit | None
    label: str
    demanded: Decimal = Decimal(0)
    available: Decimal = Decimal(0)
    field: Decimal = Decimal(0)
    staff: int = 0
    tasks: int = 0

    @property
    def load(self) -> int:
        return round(100 * self.demanded / self.available) if self.available else 0


@dataclass
class Dashboard:
    start: date
    end: date
    weeks: int
    units: list[Row] = field(default_factory=list)
    cadres: list[Row] = field(default_factory=list)
    trend: list[tuple[date, Decimal, Decimal]] = field(default_factory=list)
    issuers: list[tuple[str, Decimal, int, int]] = field(default_factory=list)
    by_type: list[tuple[str, str, int, Decimal]] = field(default_factory=list)
    unreasonable: int = 0
    task_count: int = 0
    duplicates: list[dict] = field(default_factory=list)
    fills: int = 0
    cells_filled: int = 0
    hours_saved: Decimal = Decimal(0)
    weekly_hours: Decimal = Decimal(40)
    floor_days: int = 3


def _row_units(user) -> list[AdminUnit]:
    """The units a dashboard compares: a county's townships, a township's villages, or one's own units."""
    tops = list(top_units(user=user))
    rows: list[AdminUnit] = []
    for top in tops:
        if top.level in (AdminUnit.Level.COUNTY, AdminUnit.Level.TOWNSHIP):
            rows.append(top)
            rows.extend(AdminUnit.objects.filter(parent=top).order_by("code"))
        else:
            rows.append(top)
    return rows


def _row_for(path: str, rows: list[AdminUnit]) -> AdminUnit | None:
    """The deepest row unit containing the path (a township's own tasks stay on the township row)."""
    best = None
    for unit in rows:
        if path.startswith(unit.path) and (best is None or len(unit.path) > len(best.path)):
            best = unit
    return best


def dashboard(*, user, as_of: date | None = None, weeks: int = 4) -> Dashboard:
    """Hours demanded against hours available and in the field, per unit, cadre and week; issuers ranked."""
    from burden.services import county_of, county_setting

    as_of = as_of or timezone.localdate()
    weeks = max(1, min(weeks, 26))
    end = week_start(as_of) + timedelta(days=7)
    start = end - timedelta(days=7 * weeks)
    board = Dashboard(start=start, end=end - timedelta(days=1), weeks=weeks)
    paths = jurisdiction_paths(user)
    if not paths or not _can(user, "burden.view_burden_dashboard"):
        return board
    county = county_of(AdminUnit.objects.get(path=paths[0]))
    setting = county_setting(county)
    board.weekly_hours, board.floor_days = setting.weekly_hours, setting.lead_time_floor_days
    period = assignment_scope(user).filter(deadline__gte=_aware(start), deadline__lt=_aware(end))

    rows = _row_units(user)
    by_unit = {u.pk: Row(unit=u, label=u.name) for u in rows}
    unit_paths = dict(
        period.values_list("unit_id", "scope_path").distinct().order_by()
    )  # unit id → path, one row per unit
    for unit_id, hours, n in (
        period.values_list("unit_id").annotate(h=Sum("hours"), n=Count("task_id", distinct=True)).order_by()
    ):
        target = _row_for(unit_paths[unit_id], rows)
        if target is not None:
            by_unit[target.pk].demanded += hours or 0
            by_unit[target.pk].tasks += n

    # Staff in the compared units: their hours available and their in-person visits.
    links = list(
        Staff.jurisdictions.through.objects.filter(
            scope_q(user, "adminunit__path"), staff__is_active=True
        ).values_list("staff_id", "adminunit_id", "adminunit__path")
    )
    staff_units: dict[int, set[int]] = defaultdict(set)
    staff_rows: dict[int, set[int]] = defaultdict(set)
    for staff_id, unit_id, path in links:
        staff_units[staff_id].add(unit_id)
        target = _row_for(path, rows)
        if target is not None:
            staff_rows[staff_id].add(target.pk)
    visits = in_person_visits(staff_ids=staff_units.keys(), start=_aware(start), end=_aware(end))
    for staff_id, row_ids in staff_rows.items():
        # A cadre covering two villages gives each half of their week.
        share = Decimal(len(row_ids))
        for row_id in row_ids:
            by_unit[row_id].staff += 1
            by_unit[row_id].available += setting.weekly_hours * weeks / share
            by_unit[row_id].field += setting.hours_per_visit * visits.get(staff_id, 0) / share
    board.units = [r for r in by_unit.values() if r.demanded or r.staff]

    # Per cadre: own assignments plus an equal share of their units' unassigned work.
    unit_staff: dict[int, list[int]] = defaultdict(list)
    for staff_id, units in staff_units.items():
        for unit_id in units:
            unit_staff[unit_id].append(staff_id)
    demanded: dict[int, Decimal] = defaultdict(Decimal)
    for unit_id, staff_id, hours in (
        period.values_list("unit_id", "staff_id").annotate(h=Sum("hours")).order_by()
    ):
        if staff_id:
            demanded[staff_id] += hours
        elif unit_staff.get(unit_id):
            share = hours / len(unit_staff[unit_id])
            for s in unit_staff[unit_id]:
                demanded[s] += share
    top_ids = sorted(set(demanded) | set(visits), key=lambda s: -demanded.get(s, 0))[:30]
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in=top_ids)}
    board.cadres = [
        Row(
            unit=None,
            label=names.get(s, "—"),
            demanded=demanded.get(s, Decimal(0)).quantize(Decimal("0.1")),
            available=setting.weekly_hours * weeks,
            field=setting.hours_per_visit * visits.get(s, 0),
        )
        for s in top_ids
    ]

    # Trend: six weeks back, this week and the next (what is already on its way).
    trend_start = end - timedelta(days=7 * 7)
    trend_end = end + timedelta(days=7)
    # Weeks are bucketed in Python (a few thousand rows): the same on SQLite and PostgreSQL.
    per_week: dict[date, Decimal] = defaultdict(Decimal)
    for deadline, hours in (
        assignment_scope(user)
        .filter(deadline__gte=_aware(trend_start), deadline__lt=_aware(trend_end))
        .values_list("deadline", "hours")
    ):
        per_week[week_start(timezone.localtime(deadline).date())] += hours
    capacity = setting.weekly_hours * len(staff_rows)
    board.trend = [
        (
            trend_start + timedelta(days=7 * i),
            per_week.get(trend_start + timedelta(days=7 * i), Decimal(0)),
            capacity,
        )
        for i in range(8)
    ]

    tasks = Task.objects.filter(pk__in=period.values("task_id"))
    board.task_count = tasks.count()
    board.unreasonable = tasks.filter(unreasonable_deadline=True).count()
    issuers = (
        period.values_list("task__issuer_unit__name", "task__issuer_department__name")
        .annotate(
            h=Sum("hours"),
            n=Count("task_id", distinct=True),
            bad=Count("task_id", distinct=True, filter=Q(task__unreasonable_deadline=True)),
        )
        .order_by("-h")[:15]
    )
    board.issuers = [(f"{u}{d or ''}", h, n, bad) for u, d, h, n, bad in issuers]
    labels = dict(TaskType.choices)
    by_type = {
        t: (n, h)
        for t, n, h in period.values_list("task__type")
        .annotate(n=Count("task_id", distinct=True), h=Sum("hours"))
        .order_by()
    }
    board.by_type = [(t, str(labels[t]), *by_type.get(t, (0, Decimal(0)))) for t in TaskType.values]

    board.duplicates = duplicate_requests(user=user)
    done = fill_list(user=user).filter(status=ReportFill.Status.DONE)
    totals = done.aggregate(n=Count("id"), cells=Sum("cells_filled"), hours=Sum("hours_saved"))
    board.fills, board.cells_filled = totals["n"] or 0, totals["cells"] or 0
    board.hours_saved = totals["hours"] or Decimal(0)
    return board


def duplicate_requests(*, user) -> list[dict]:
    """Data items that more than one upper-level template asked for: collect once, report many."""
    from burden.filler import source_label

    asked: dict[str, list[str]] = defaultdict(list)
    for name, columns in template_list(user=user).filter(confirmed=True).values_list("name", "columns"):
        for source in {c.get("source") for c in columns}:
            if source and not source.startswith("_") and name not in asked[source]:
                asked[source].append(name)
    return sorted(
        (
            {"source": s, "label": source_label(s), "templates": sorted(names)}
            for s, names in asked.items()
            if len(names) > 1
        ),
        key=lambda d: -len(d["templates"]),
    )


def home_summary(*, user) -> dict | None:
    if not _can(user, "burden.view_task"):
        return None
    today = timezone.localdate()
    start = _aware(week_start(today))
    week = assignment_scope(user).filter(deadline__gte=start, deadline__lt=start + timedelta(days=7))
    agg = week.aggregate(h=Sum("hours"), n=Count("task_id", distinct=True))
    unreasonable = (
        task_scope(user)
        .filter(unreasonable_deadline=True, deadline__gte=start, deadline__lt=start + timedelta(days=7))
        .count()
    )
    saved = fill_list(user=user).filter(status=ReportFill.Status.DONE).aggregate(h=Sum("hours_saved"))["h"]
    return {"hours": agg["h"] or 0, "tasks": agg["n"] or 0, "unreasonable": unreasonable, "saved": saved or 0}
