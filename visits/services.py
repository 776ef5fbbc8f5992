"""Writes for visits, policies, plans and trips. The worklist, the offline queue and the API all call these."""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import journal
from registry import selectors as registry_selectors
from registry.models import Household, Person, Tag
from territory.models import AdminUnit
from territory.selectors import jurisdiction_paths, unit_in_scope
from visits.models import (
    Mode,
    Plan,
    PlannerSettings,
    PlanRoute,
    PlanStop,
    TravelRule,
    Trip,
    Visit,
    VisitConflict,
    VisitPolicy,
)

log = logging.getLogger(__name__)


def _in_scope(actor, path: str) -> bool:
    return any(path.startswith(p) for p in jurisdiction_paths(actor))


def _require_household(actor, perm: str, household: Household) -> None:
    if actor is None:
        return
    if not actor.has_perm(perm) or not _in_scope(actor, household.scope_path):
        raise PermissionDenied(_("您没有权限走访这一户"))


def _require_unit(actor, perm: str, unit: AdminUnit) -> None:
    if actor is None:
        return
    if not actor.has_perm(perm) or not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("您没有权限在“%(unit)s”办理此事") % {"unit": unit.name})


@dataclass
class SubmitResult:
    visit: Visit
    status: str  # "created" | "duplicate" | "conflict"
    conflict: VisitConflict | None = None


def _content_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _recorded_at(recorded_at: datetime | None) -> datetime:
    """The phone's own timestamp is trusted only for queued visits from the last week, never the future."""
    now = timezone.now()
    if recorded_at is None or timezone.is_naive(recorded_at):
        return now
    if recorded_at > now or recorded_at < now - timedelta(days=7):
        return now
    return recorded_at


@transaction.atomic
def visit_submit(
    *,
    actor,
    household: Household,
    mode: str = Mode.IN_PERSON,
    person: Person | None = None,
    note: str = "",
    next_visit_date: date | None = None,
    client_id: uuid.UUID | str | None = None,
    recorded_at: datetime | None = None,
    plan_stop: PlanStop | None = None,
) -> SubmitResult:
    """Records a visit; a resend with the same client id returns the original, or keeps a conflict for review."""
    _require_household(actor, "visits.add_visit", household)
    if person is not None and person.household_id != household.pk:
        raise ValidationError({"person": _("走访对象不是这一户的成员")})
    if mode not in Mode.values:
        raise ValidationError({"mode": _("走访方式不对")})
    note = (note or "").strip()
    if client_id is not None and not isinstance(client_id, uuid.UUID):
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise ValidationError({"client_id": _("终端编号格式不对")}) from None
    payload = {
        "household": household.pk,
        "person": person.pk if person else None,
        "mode": str(mode),
        "note": note,
        "next_visit_date": next_visit_date.isoformat() if next_visit_date else None,
    }
    digest = _content_hash(payload)
    if client_id is not None:
        existing = Visit.objects.select_for_update().filter(client_id=client_id).first()
        if existing is not None:
            if existing.content_hash == digest:
                return SubmitResult(existing, "duplicate")
            conflict = VisitConflict.objects.create(
                visit=existing, actor=actor, payload={**payload, "client_id": str(client_id)}
            )
            journal.record(
                actor=actor,
                action="visits.visit.conflicted",
                target=existing,
                data={"conflict": conflict.pk, "mode": str(mode)},
            )
            return SubmitResult(existing, "conflict", conflict)
    if next_visit_date is not None and next_visit_date < timezone.localdate():
        raise ValidationError({"next_visit_date": _("下次走访日期不能早于今天")})
    visit = Visit(
        household=household,
        person=person,
        actor=actor,
        scope_path=household.scope_path,
        mode=mode,
        note=note,
        next_visit_date=next_visit_date,
        client_id=client_id,
        content_hash=digest if client_id else "",
        visited_at=_recorded_at(recorded_at),
        plan_stop=plan_stop,
    )
    visit.full_clean(exclude=["actor"] if actor is None else None)
    visit.save()
    # The village's cached due list is stale at once (the rest of this transaction sees it) and is put
    # right for this household after commit (visits.selectors, "the shared due list").
    visiting = _due_list_visiting(household.scope_path)
    transaction.on_commit(lambda: _due_list_visited(household, visiting))
    if plan_stop is not None and plan_stop.state != PlanStop.State.DONE:
        plan_stop.state = PlanStop.State.DONE
        plan_stop.save(update_fields=["state"])
    journal.record(
        actor=actor,
        action="visits.visit.recorded",
        target=visit,
        data={
            "household": household.pk,
            "mode": str(mode),
            "has_note": bool(note),
            "next_visit_date": payload["next_visit_date"],
            "offline": bool(client_id and recorded_at),
        },
    )
    return SubmitResult(visit, "created")


def _due_list_visiting(scope_path: str):
    from visits import selectors

    return selectors.due_list_visiting(scope_path)


def _due_list_visited(household: Household, visiting) -> None:
    from visits import selectors

    try:
        selectors.due_list_visited(household, visiting)
    except Exception:  # the visit is committed; the version set when it was recorded already covers it
        log.exception("due list not refreshed after a visit")


def visit_record(*, actor, household: Household, mode: str = Mode.IN_PERSON, **kwargs) -> Visit:
    """Records a visit (see visit_submit); returns the stored visit."""
    return visit_submit(actor=actor, household=household, mode=mode, **kwargs).visit


@transaction.atomic
def conflict_resolve(*, actor, conflict: VisitConflict) -> VisitConflict:
    """Marks a conflicting resend as reviewed; the original visit stays as it was."""
    _require_household(actor, "visits.add_visit", conflict.visit.household)
    conflict.resolved = True
    conflict.save(update_fields=["resolved"])
    journal.record(
        actor=actor, action="visits.conflict.resolved", target=conflict.visit, data={"conflict": conflict.pk}
    )
    return conflict


DEFAULT_POLICIES = [
    # (name, tag code or None, occupancy, interval days, required mode, weight)
    ("独居老人每周入户", "elderly_alone", "", 7, Mode.IN_PERSON, 10),
    ("特困人员每两周入户", "tekun", "", 14, Mode.IN_PERSON, 8),
    ("低保户每月入户", "dibao", "", 30, Mode.IN_PERSON, 5),
    ("脱贫监测户每月入户", "monitor", "", 30, Mode.IN_PERSON, 6),
    ("外出户每季度电话联系", None, Household.Occupancy.AWAY, 90, "any", 2),
]


@transaction.atomic
def policy_save(
    *,
    actor,
    county: AdminUnit,
    name: str,
    interval_days: int,
    required_mode: str = Mode.IN_PERSON,
    tag: Tag | None = None,
    occupancy: str = "",
    weight: int = 5,
    active: bool = True,
    policy: VisitPolicy | None = None,
) -> VisitPolicy:
    """A county's visit requirement for a tag (or for households living away)."""
    _require_unit(actor, "visits.change_visitpolicy", county)
    if county.level != AdminUnit.Level.COUNTY:
        raise ValidationError({"county": _("走访要求按县设置")})
    if tag is not None and tag.county_id != county.pk:
        raise ValidationError({"tag": _("标签不属于这个县")})
    if policy is not None and policy.county_id != county.pk:
        raise ValidationError({"county": _("走访要求不属于这个县")})
    policy = policy or VisitPolicy(county=county)
    policy.name, policy.tag, policy.occupancy, policy.active = name, tag, occupancy, active
    policy.interval_days, policy.required_mode, policy.weight = interval_days, required_mode, weight
    policy.full_clean()
    policy.save()
    journal.record(
        actor=actor,
        action="visits.policy.saved",
        target=policy,
        data={
            "interval_days": interval_days,
            "required_mode": required_mode,
            "tag": tag.code if tag else None,
            "active": active,
        },
    )
    return policy


def policies_seed(*, actor, county: AdminUnit) -> list[VisitPolicy]:
    """The default policies (独居老人 7 days in person … 外出户 90 days by phone) for tags the county has."""
    tags = {t.code: t for t in Tag.objects.filter(county=county)}
    made = []
    for name, code, occupancy, days, mode, weight in DEFAULT_POLICIES:
        if code and code not in tags:
            continue
        made.append(
            policy_save(
                actor=actor,
                county=county,
                name=name,
                tag=tags.get(code) if code else None,
                occupancy=occupancy,
                interval_days=days,
                required_mode=mode,
                weight=weight,
            )
        )
    return made


@transaction.atomic
def travel_rule_save(
    *,
    actor,
    county: AdminUnit,
    fuel_price: Decimal,
    consumption_l_per_100km: Decimal,
    subsidy_per_month: Decimal,
    subsidy_per_km: Decimal = Decimal("0"),
) -> TravelRule:
    """Fuel price, consumption and subsidy for one county; every claim is priced with it."""
    _require_unit(actor, "visits.change_travelrule", county)
    rule, _created = TravelRule.objects.get_or_create(county=county)
    rule.fuel_price, rule.consumption_l_per_100km = fuel_price, consumption_l_per_100km
    rule.subsidy_per_month, rule.subsidy_per_km = subsidy_per_month, subsidy_per_km
    rule.full_clean()
    rule.save()
    journal.record(
        actor=actor,
        action="visits.rule.saved",
        target=rule,
        data={
            "fuel_price": str(fuel_price),
            "consumption_l_per_100km": str(consumption_l_per_100km),
            "subsidy_per_month": str(subsidy_per_month),
            "subsidy_per_km": str(subsidy_per_km),
        },
    )
    return rule


def _county_of(unit: AdminUnit) -> AdminUnit:
    code = unit.path.split("/")[1]
    return unit if unit.code == code else AdminUnit.objects.get(code=code)


@transaction.atomic
def trip_record(
    *,
    actor,
    cadre,
    unit: AdminUnit,
    date: date,
    origin: str,
    destination: str,
    km: Decimal,
    vehicle: str = "",
    route: PlanRoute | None = None,
) -> Trip:
    """A work journey; cadres record their own, leaders of the unit may record for them."""
    if actor is not None and actor.pk != cadre.pk:
        _require_unit(actor, "visits.add_trip_for_others", unit)
    elif actor is not None:
        # Own travel may be filed under the township above one's villages, so its leader sees it.
        covers = any(p.startswith(unit.path) for p in jurisdiction_paths(actor))
        if not actor.has_perm("visits.add_trip") or not (covers or unit_in_scope(user=actor, unit=unit)):
            raise PermissionDenied(_("您没有权限在“%(unit)s”登记出行") % {"unit": unit.name})
    if Decimal(str(km)) <= 0:
        raise ValidationError({"km": _("里程应大于0")})
    trip = Trip(
        cadre=cadre,
        scope_path=unit.path,
        county=_county_of(unit),
        date=date,
        origin=origin.strip(),
        destination=destination.strip(),
        km=Decimal(str(km)).quantize(Decimal("0.1")),
        vehicle=vehicle.strip(),
        route=route,
    )
    trip.full_clean()
    trip.save()
    journal.record(
        actor=actor,
        action="visits.trip.recorded",
        target=trip,
        data={"km": str(trip.km), "date": date.isoformat()},
    )
    return trip


def trip_from_route(*, actor, route: PlanRoute) -> Trip:
    """The travel of an executed plan route becomes a trip (once)."""
    existing = Trip.objects.filter(route=route).first()
    if existing:
        return existing
    plan = route.plan
    office = plan.township.name
    return trip_record(
        actor=actor,
        cadre=route.cadre,
        unit=plan.township,
        date=plan.date,
        origin=office,
        destination=_("%(n)s户走访后返回") % {"n": route.stops.filter(state=PlanStop.State.DONE).count()},
        km=Decimal(str(route.distance_km)),
        vehicle=_("私家车"),
        route=route,
    )


OFFICE_CODES = ("0", "乡镇")


def distance_matrix_parse(*, actor, township: AdminUnit, rows: list) -> tuple[dict, list[str]]:
    """Rows of (from, to, km): household numbers, "0" for the township office. Returns the matrix as
    stored ({"<pk>-<pk>": km}, "depot" for the office) and every problem found, row by row: a table
    with problems is never saved in part."""
    import math

    rows = [[str(cell).strip() for cell in r] for r in rows if any(str(cell).strip() for cell in r)]
    numbers = {c for r in rows for c in r[:2]} - set(OFFICE_CODES)
    households = registry_selectors.household_scope(actor) if actor is not None else Household.objects.all()
    found = dict(
        households.filter(household_no__in=numbers, scope_path__startswith=township.path).values_list(
            "household_no", "pk"
        )
    )
    matrix, problems = {}, []
    for n, row in enumerate(rows, start=1):
        if len(row) < 3:
            problems.append(_("第%(n)s行：应有三列（起点、终点、公里）") % {"n": n})
            continue
        if n == 1:
            try:
                float(row[2])
            except ValueError:
                continue  # a header row
        ends = ["depot" if cell in OFFICE_CODES else found.get(cell) for cell in row[:2]]
        try:
            km = float(row[2])
        except ValueError:
            problems.append(_("第%(n)s行：公里数“%(v)s”不是数字") % {"n": n, "v": row[2]})
            continue
        if not math.isfinite(km) or km < 0 or km > 1000:
            problems.append(_("第%(n)s行：公里数应在 0 到 1000 之间") % {"n": n})
            continue
        missing = [cell for cell, end in zip(row[:2], ends, strict=True) if end is None]
        if missing:
            problems.append(_("第%(n)s行：本乡镇找不到户编号 %(no)s") % {"n": n, "no": "、".join(missing)})
            continue
        if ends[0] == ends[1]:
            problems.append(_("第%(n)s行：起点和终点相同") % {"n": n})
            continue
        key = f"{ends[0]}-{ends[1]}"
        if key in matrix and matrix[key] != km:
            problems.append(_("第%(n)s行：这一段前面已经写过，公里数不同") % {"n": n})
            continue
        matrix[key] = km
    if not matrix and not problems:
        problems.append(_("距离表是空的"))
    return matrix, problems


def _require_planning_township(actor, township: AdminUnit) -> None:
    if actor is not None:
        inside = any(p.startswith(township.path) for p in jurisdiction_paths(actor))
        if not actor.has_perm("visits.add_plan") or not (inside or unit_in_scope(user=actor, unit=township)):
            raise PermissionDenied(_("您没有权限设置这个乡镇"))


@transaction.atomic
def distance_matrix_replace(*, actor, township: AdminUnit, rows: list) -> PlannerSettings:
    """Replaces a township's uploaded distance table; any bad row rejects the whole table."""
    _require_planning_township(actor, township)
    matrix, problems = distance_matrix_parse(actor=actor, township=township, rows=rows)
    if problems:
        raise ValidationError(problems)
    obj, _c = PlannerSettings.objects.get_or_create(township=township)
    obj.distance_matrix = matrix
    obj.save(update_fields=["distance_matrix"])
    journal.record(actor=actor, action="visits.matrix.replaced", target=obj, data={"entries": len(matrix)})
    return obj


@transaction.atomic
def distance_matrix_delete(*, actor, township: AdminUnit) -> None:
    """Drops a township's distance table: plans go back to great-circle distance times the road factor."""
    _require_planning_township(actor, township)
    obj = PlannerSettings.objects.filter(township=township).first()
    if obj is None or not obj.distance_matrix:
        return
    entries = len(obj.distance_matrix)
    obj.distance_matrix = None
    obj.save(update_fields=["distance_matrix"])
    journal.record(actor=actor, action="visits.matrix.deleted", target=obj, data={"entries": entries})


@transaction.atomic
def planner_settings_save(
    *, actor, township: AdminUnit, road_factor: float, speed_kmh: float, distance_matrix: dict | None = None
) -> PlannerSettings:
    """Per-township planning inputs: the road factor over great-circle distance, speed, an optional matrix.

    Cadres of the township's villages may set them too: they are the ones who know its roads."""
    _require_planning_township(actor, township)
    obj, _c = PlannerSettings.objects.get_or_create(township=township)
    obj.road_factor, obj.speed_kmh = road_factor, speed_kmh
    if distance_matrix is not None:
        obj.distance_matrix = distance_matrix
    obj.full_clean()
    obj.save()
    journal.record(
        actor=actor,
        action="visits.settings.saved",
        target=obj,
        data={
            "road_factor": road_factor,
            "speed_kmh": speed_kmh,
            "matrix_entries": len(distance_matrix) if distance_matrix is not None else None,
        },
    )
    return obj


@transaction.atomic
def stop_mark(*, actor, stop: PlanStop, state: str) -> PlanStop:
    """A cadre marks a planned stop done or skipped."""
    if actor is not None and actor.pk != stop.route.cadre_id:
        _require_household(actor, "visits.add_plan", stop.household)
    if state not in PlanStop.State.values:
        raise ValidationError({"state": _("状态不对")})
    stop.state = state
    stop.save(update_fields=["state"])
    journal.record(
        actor=actor,
        action="visits.stop.marked",
        target=stop.route.plan,
        data={"stop": stop.pk, "state": state},
    )
    return stop


# ---- day planner ---------------------------------------------------------------------------------

SERVICE_MINUTES = {Mode.IN_PERSON: 20, Mode.PHONE: 5, Mode.WECHAT_VIDEO: 10, Mode.NOT_HOME: 5}
DEFAULT_PLAN_PARAMS = {
    "shift_start": "08:30",
    "shift_hours": 8.0,
    "lunch_start": "11:30",
    "lunch_end": "13:30",
    "lunch_minutes": 60,
    "balance": True,
    "service_minutes": {str(k): v for k, v in SERVICE_MINUTES.items()},
    "seconds": 2.0,
}


def _minutes(text: str) -> int:
    hours, minutes = str(text).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _check_times(params: dict) -> None:
    """Shift and lunch times must read as HH:MM, and the lunch window must hold the break."""
    try:
        for key in ("shift_start", "lunch_start", "lunch_end"):
            minute = _minutes(params[key])
            if not 0 <= minute < 24 * 60:
                raise ValueError(key)
    except (KeyError, ValueError):
        raise ValidationError({"lunch_start": _("时间应写成 时:分，例如 11:30")}) from None
    if _minutes(params["lunch_end"]) - _minutes(params["lunch_start"]) < int(
        params.get("lunch_minutes") or 0
    ):
        raise ValidationError({"lunch_end": _("午休时段比午休时长还短")})


def _prize(due) -> int:
    """Metres of driving a visit is worth: more for longer overdue, for heavier tags, never zero."""
    return int(min(8_000 + 600 * max(due.overdue_days, 0) * max(due.weight, 1) // 5, 60_000))


def _candidates(*, actor, plan: Plan) -> list:
    from visits import selectors
    from visits.planner import Candidate

    params = plan.params
    service = {**DEFAULT_PLAN_PARAMS["service_minutes"], **params.get("service_minutes", {})}
    windows = {int(k): tuple(_minutes(x) for x in v) for k, v in params.get("windows", {}).items()}
    added = {int(x) for x in params.get("added", [])}
    households = Household.objects.filter(
        scope_path__startswith=plan.scope_path, latitude__isnull=False, longitude__isnull=False
    )
    dues = {d.household.pk: d for d in selectors.due_list(user=actor, day=plan.date, households=households)}
    taken = set(
        PlanStop.objects.filter(
            route__plan__date=plan.date, route__plan__status=Plan.Status.DONE, state=PlanStop.State.PLANNED
        )
        .exclude(route__plan=plan)
        .values_list("household_id", flat=True)
    )
    cands = []
    for pk, due in dues.items():
        if pk in taken or (due.overdue_days <= 0 and not due.follow_up):
            continue
        hh = due.household
        mode = str(due.mode)
        cands.append(
            Candidate(
                key=pk,
                lat=hh.latitude,
                lng=hh.longitude,
                prize=_prize(due),
                required=due.follow_up is not None,
                service_minutes=int(service.get(mode, 20)),
                window=windows.get(pk),
                label=f"{hh.village.name} {hh.head_name} {hh.address}",
                reason=(_("约定回访") + " " if due.follow_up else "") + due.reason,
                mode=mode,
            )
        )
    for hh in households.filter(pk__in=added - set(dues)).select_related("village"):
        cands.append(
            Candidate(
                key=hh.pk,
                lat=hh.latitude,
                lng=hh.longitude,
                prize=20_000,
                required=True,
                service_minutes=int(service.get(Mode.IN_PERSON, 20)),
                window=windows.get(hh.pk),
                label=f"{hh.village.name} {hh.head_name} {hh.address}",
                reason=_("干部添加"),
            )
        )
    for c in cands:
        if c.key in added:
            c.required = True
    return cands


def _problem(
    *, plan: Plan, candidates: list, vehicles: list, start_minute: int | None = None, start_point=None
):
    from visits.planner import Problem

    params = plan.params
    township = plan.township
    settings_obj = PlannerSettings.objects.filter(township=township).first()
    rule = TravelRule.objects.filter(county__code=township.path.split("/")[1]).first() or TravelRule()
    shift_start = _minutes(params.get("shift_start", "08:30"))
    shift_minutes = int(float(params.get("shift_hours", 8)) * 60)
    if start_minute is not None:
        shift_minutes = max(shift_start + shift_minutes - start_minute, 0)
        shift_start = start_minute
    matrix = None
    if settings_obj and settings_obj.distance_matrix:
        matrix = {}
        for key, km in settings_obj.distance_matrix.items():
            a, b = key.split("-", 1)
            matrix[(a if a == "depot" else int(a), b if b == "depot" else int(b))] = float(km)
    office = params.get("start_point") or (township.latitude, township.longitude)
    return Problem(
        depot=start_point or tuple(office),
        vehicles=vehicles,
        candidates=candidates,
        shift_start=shift_start,
        shift_minutes=shift_minutes,
        lunch_start=_minutes(params.get("lunch_start", "11:30")),
        # Plans made before the lunch window existed have no lunch_end: their break stays fixed.
        lunch_end=_minutes(params["lunch_end"]) if params.get("lunch_end") else None,
        lunch_minutes=int(params.get("lunch_minutes", 60)),
        balance=bool(params.get("balance", True)),
        max_stops=int(params["max_stops"]) if params.get("max_stops") else None,
        speed_kmh=float(params.get("speed_kmh") or (settings_obj.speed_kmh if settings_obj else 35)),
        road_factor=float(params.get("road_factor") or (settings_obj.road_factor if settings_obj else 1.35)),
        matrix_km=matrix,
        fuel_l_per_100km=float(rule.consumption_l_per_100km),
        fuel_price=float(rule.fuel_price),
    )


def _clock(minute: int):
    from datetime import time as dtime

    minute = max(0, min(int(minute), 24 * 60 - 1))
    return dtime(minute // 60, minute % 60)


def _store_route(
    plan: Plan, route_obj: PlanRoute | None, planned, problem, cadre_id: int, seq_from: int = 1
) -> PlanRoute:
    if route_obj is None:
        route_obj = PlanRoute(
            plan=plan, cadre_id=cadre_id, start_time=_clock(planned.start), end_time=_clock(planned.end)
        )
    route_obj.end_time = _clock(planned.end)
    route_obj.lunch_at = _clock(planned.lunch_at) if planned.lunch_at is not None else route_obj.lunch_at
    route_obj.save()
    PlanStop.objects.bulk_create(
        [
            PlanStop(
                route=route_obj,
                seq=seq_from + i,
                household_id=s.candidate.key,
                arrival=_clock(s.arrival),
                departure=_clock(s.departure),
                mode=s.candidate.mode,
                reason=s.candidate.reason[:100],
                mandatory=s.candidate.required,
                km_from_previous=s.km_from_previous,
            )
            for i, s in enumerate(planned.stops)
        ]
    )
    _route_totals(route_obj, problem)
    return route_obj


def _route_totals(route: PlanRoute, problem) -> None:
    from visits.planner import haversine_m

    stops = list(route.stops.select_related("household").order_by("seq"))
    km = sum(s.km_from_previous for s in stops)
    if stops:
        last = stops[-1].household
        back = (problem.matrix_km or {}).get((last.pk, "depot"))
        km += (
            back
            if back is not None
            else haversine_m((last.latitude, last.longitude), problem.depot) * problem.road_factor / 1000
        )
    route.distance_km = round(km, 2)
    route.drive_minutes = int(round(km / problem.speed_kmh * 60))
    route.fuel_cost = Decimal(str(round(km * problem.fuel_l_per_100km / 100 * problem.fuel_price, 2)))
    route.save(update_fields=["distance_km", "drive_minutes", "fuel_cost"])


@transaction.atomic
def plan_create(
    *,
    actor,
    township: AdminUnit,
    day: date,
    cadres: list,
    params: dict | None = None,
    added: list[int] | None = None,
) -> Plan:
    """Queues a day plan for one or more cadres; it is solved by a background task (at once in tests)."""
    from visits import selectors

    if actor is not None:
        if not actor.has_perm("visits.add_plan"):
            raise PermissionDenied(_("您没有权限制定走访计划"))
        allowed = {s.pk for s in selectors.plannable_cadres(user=actor)}
        if not cadres or any(c.pk not in allowed for c in cadres):
            raise PermissionDenied(_("只能为自己辖区内的干部制定计划"))
        if township not in selectors.planning_townships(user=actor):
            raise PermissionDenied(_("您没有权限在“%(unit)s”制定计划") % {"unit": township.name})
    if township.level != AdminUnit.Level.TOWNSHIP or township.latitude is None:
        raise ValidationError({"township": _("请选择有坐标的乡镇")})
    merged = {**DEFAULT_PLAN_PARAMS, **(params or {})}
    _check_times(merged)
    merged["cadres"] = [c.pk for c in cadres]
    merged["added"] = [int(x) for x in (added or [])]
    # Candidates are limited to what the planner can see inside the township.
    paths = [p for p in jurisdiction_paths(actor) if p.startswith(township.path)] if actor else []
    scope_path = (
        township.path
        if actor is None or any(township.path.startswith(p) for p in jurisdiction_paths(actor))
        else (paths[0] if len(paths) == 1 else township.path)
    )
    merged["scope_paths"] = paths or [township.path]
    plan = Plan.objects.create(
        township=township, scope_path=scope_path, date=day, created_by=actor, params=merged
    )
    journal.record(
        actor=actor,
        action="visits.plan.created",
        target=plan,
        data={"date": day.isoformat(), "cadres": len(cadres), "added": len(merged["added"])},
    )
    from visits.tasks import compute_plan

    # Enqueued in the same transaction: the database task backend commits the job with the plan.
    compute_plan.enqueue(plan.pk)
    plan.refresh_from_db()
    return plan


def plan_compute(*, plan: Plan) -> Plan:
    """Solves a queued plan and stores its routes; progress is visible on the plan page."""
    from visits.planner import solve

    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.RUNNING, progress=10)
    try:
        with transaction.atomic():
            actor = plan.created_by
            paths = plan.params.get("scope_paths") or [plan.township.path]
            candidates = []
            seen = set()
            original = plan.scope_path
            for path in paths:
                plan.scope_path = path
                for c in _candidates(actor=actor, plan=plan):
                    if c.key not in seen:
                        seen.add(c.key)
                        candidates.append(c)
            plan.scope_path = original
            Plan.objects.filter(pk=plan.pk).update(progress=30)
            cadre_ids = plan.params["cadres"]
            problem = _problem(plan=plan, candidates=candidates, vehicles=cadre_ids)
            seconds = float(plan.params.get("seconds", 2.0))
            workers = getattr(settings, "DOORSTEP_PLANNER_WORKERS", 1) if len(cadre_ids) > 1 else 1
            solution = solve(problem, seconds=seconds, workers=workers)
            plan.params = {**plan.params, "stop_limit": problem.stop_limit()}
            plan.routes.all().delete()
            for planned, cadre_id in zip(solution.routes, cadre_ids, strict=True):
                _store_route(plan, None, planned, problem, cadre_id)
            plan.candidates = [
                {"key": c.key, "label": c.label, "reason": c.reason, "prize": c.prize} for c in candidates
            ]
            plan.unplanned = [
                {"key": c.key, "label": c.label, "reason": c.reason, "required": c.required}
                for c in solution.unplanned
            ]
            plan.status = Plan.Status.DONE
            plan.progress = 100
            plan.message = _("必访户无法全部排入，已按价值取舍") if solution.relaxed_required else ""
            plan.save(update_fields=["params", "candidates", "unplanned", "status", "progress", "message"])
    except Exception as exc:
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.FAILED, message=str(exc)[:200])
        raise
    plan.refresh_from_db()
    return plan


@transaction.atomic
def route_replan(
    *, actor, route: PlanRoute, now_minute: int | None = None, seconds: float = 0.5
) -> PlanRoute:
    """After a skipped stop: re-plans the rest of one cadre's day from the last visited household."""
    from visits.planner import Candidate, solve

    plan = route.plan
    if actor is not None and actor.pk != route.cadre_id and not actor.has_perm("visits.add_plan"):
        raise PermissionDenied(_("您没有权限调整这条路线"))
    stops = list(route.stops.select_related("household", "household__village").order_by("seq"))
    done = [s for s in stops if s.state == PlanStop.State.DONE]
    remaining = [s for s in stops if s.state == PlanStop.State.PLANNED]
    if now_minute is None:
        local = timezone.localtime()
        now_minute = (
            local.hour * 60 + local.minute
            if plan.date == local.date()
            else _minutes(plan.params.get("shift_start", "08:30"))
        )
    if done:
        last = done[-1]
        start_point = (last.household.latitude, last.household.longitude)
        now_minute = max(now_minute, last.departure.hour * 60 + last.departure.minute)
    else:
        start_point = None
    service = {**DEFAULT_PLAN_PARAMS["service_minutes"], **plan.params.get("service_minutes", {})}
    candidates = [
        Candidate(
            key=s.household_id,
            lat=s.household.latitude,
            lng=s.household.longitude,
            prize=30_000 if s.mandatory else 15_000,
            required=s.mandatory,
            service_minutes=int(service.get(s.mode, 20)),
            label=f"{s.household.village.name} {s.household.head_name} {s.household.address}",
            reason=s.reason,
            mode=s.mode,
        )
        for s in remaining
    ]
    problem = _problem(
        plan=plan,
        candidates=candidates,
        vehicles=[route.cadre_id],
        start_minute=now_minute,
        start_point=start_point,
    )
    solution = solve(problem, seconds=seconds)
    PlanStop.objects.filter(pk__in=[s.pk for s in remaining]).delete()
    seq_from = max((s.seq for s in stops if s.state != PlanStop.State.PLANNED), default=0) + 1
    planned = solution.routes[0]
    # The return leg is to the day's start point, not to the replanning point.
    problem.depot = tuple(plan.params.get("start_point") or (plan.township.latitude, plan.township.longitude))
    _store_route(plan, route, planned, problem, route.cadre_id, seq_from=seq_from)
    dropped = [
        {"key": c.key, "label": c.label, "reason": c.reason, "required": c.required}
        for c in solution.unplanned
    ]
    plan.unplanned = [u for u in plan.unplanned if u["key"] not in {d["key"] for d in dropped}] + dropped
    plan.save(update_fields=["unplanned"])
    journal.record(
        actor=actor,
        action="visits.plan.replanned",
        target=plan,
        data={"route": route.pk, "dropped": len(dropped)},
    )
    return route
