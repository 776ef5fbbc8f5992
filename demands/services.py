"""Writes to demands: intake, routing, transfers, outcomes, the resident's verdict, the deadline sweep.

The staff UI, the resident pages, the staff API and Open311 all call these, so they behave alike.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import journal
from core import crypto, uploads
from core.masking import mask_phone
from demands import stats as demand_stats
from demands.models import (
    COUNTY_PREFIX,
    Attachment,
    AuthorityRule,
    CalendarDay,
    Category,
    Demand,
    DemandEvent,
    DemandSetting,
    HeldSubmission,
    Level,
    Open311Client,
    WorkingCalendar,
)
from demands.notify import Message, notify
from demands.workdays import Clock, official_2026_days
from portal.spam import screen as spam_screen
from registry.services import normalize_phone, phone_index
from territory.models import AdminUnit, Department, Staff
from territory.roles import Role
from territory.selectors import unit_in_scope

COORDINATOR_CODE = "petitions"  # the county's petitions/coordination office (信访局) takes ping-pong cases
TRANSFER_CAP = 2
REMIND_HOURS = 24
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
OPEN_STATUSES = (Demand.Status.PENDING, Demand.Status.PROCESSING)


# ---------------------------------------------------------------- configuration


@transaction.atomic
def category_create(
    *,
    actor,
    county: AdminUnit,
    code: str,
    name: str,
    keywords: str = "",
    accept_days: int = 1,
    resolve_days: int = 15,
    description: str = "",
    sort_order: int = 0,
) -> Category:
    """A county defines its own categories, clocks and suggestion keywords."""
    _require_config(actor, county)
    category = Category(
        county=county,
        code=code,
        name=name,
        keywords=keywords,
        accept_days=accept_days,
        resolve_days=resolve_days,
        description=description,
        sort_order=sort_order,
    )
    category.full_clean()
    category.save()
    journal.record(actor=actor, action="demands.category.created", target=category, data={"code": code})
    return category


@transaction.atomic
def rule_create(
    *,
    actor,
    category: Category,
    level: str,
    department: Department | None = None,
    priority: int = 100,
    concerns_county_project: bool | None = None,
    amount_above: Decimal | None = None,
) -> AuthorityRule:
    """One row of the authority matrix: the first matching rule (by priority) decides the owner."""
    _require_config(actor, category.county)
    if department is not None and county_of(department.unit).pk != category.county_id:
        raise ValidationError({"department": _("只能选择本县的部门")})
    rule = AuthorityRule(
        category=category,
        level=level,
        department=department,
        priority=priority,
        concerns_county_project=concerns_county_project,
        amount_above=amount_above,
    )
    rule.full_clean()
    rule.save()
    journal.record(
        actor=actor,
        action="demands.rule.created",
        target=rule,
        data={"category": category.code, "level": level, "department": department.code if department else ""},
    )
    return rule


@transaction.atomic
def calendar_load_official(*, actor, county: AdminUnit) -> WorkingCalendar:
    """Create (or complete) the county's calendar with the State Council's 2026 holidays and adjusted workdays."""
    _require_config(actor, county)
    calendar, _created = WorkingCalendar.objects.get_or_create(
        county=county, defaults={"name": f"{county.name}工作日历"}
    )
    existing = set(calendar.days.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(calendar=calendar, date=d, kind=kind, note=note)
            for d, kind, note in official_2026_days()
            if d not in existing
        ]
    )
    journal.record(actor=actor, action="demands.calendar.loaded", target=calendar, data={"year": 2026})
    return calendar


def _require_config(actor, county: AdminUnit | None = None) -> None:
    if actor is not None and not actor.has_perm("demands.change_category"):
        raise PermissionDenied(_("只有管理员可以修改诉求类别、权责规则和工作日历"))
    if actor is not None and county is not None and not unit_in_scope(user=actor, unit=county):
        raise PermissionDenied(_("只能修改本县的设置"))


CATEGORY_FIELDS = ("name", "keywords", "accept_days", "resolve_days", "description", "sort_order", "active")


@transaction.atomic
def category_update(*, actor, category: Category, **changes) -> Category:
    """A county administrator edits a category's name, keywords and clock; the code (used by Open311) stays."""
    _require_config(actor, category.county)
    unknown = set(changes) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = {name: getattr(category, name) for name in changes}
    for name, value in changes.items():
        setattr(category, name, value)
    category.full_clean()
    category.save(update_fields=list(changes))
    changed = {k: str(v) for k, v in changes.items() if before[k] != v}
    journal.record(
        actor=actor,
        action="demands.category.updated",
        target=category,
        data={"code": category.code, **changed},
    )
    return category


RULE_FIELDS = ("level", "department", "priority", "concerns_county_project", "amount_above")


def _rule_value(name: str, value) -> str:
    if value is None:
        return ""
    if name == "department":
        return value.code
    return str(value)


@transaction.atomic
def rule_update(*, actor, rule: AuthorityRule, **changes) -> AuthorityRule:
    """Change a row of the authority matrix in place (its category stays: demands already routed keep
    their owner; new demands follow the changed row). Journaled with each changed field's before and after."""
    _require_config(actor, rule.category.county)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    department = changes.get("department", rule.department)
    if department is not None and county_of(department.unit).pk != rule.category.county_id:
        raise ValidationError({"department": _("只能选择本县的部门")})
    before = {name: getattr(rule, name) for name in changes}
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.full_clean()
    changed = {
        name: [_rule_value(name, before[name]), _rule_value(name, value)]
        for name, value in changes.items()
        if before[name] != value
    }
    if not changed:
        return rule
    rule.save(update_fields=[name for name in changes if name in changed])
    journal.record(
        actor=actor,
        action="demands.rule.updated",
        target=rule.category,
        data={"rule": rule.pk, "category": rule.category.code, "changed": changed},
    )
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: AuthorityRule) -> None:
    """Take a row out of the authority matrix; a category keeps at least one rule so demands can be routed."""
    _require_config(actor, rule.category.county)
    if rule.category.rules.count() <= 1:
        raise ValidationError(_("每个类别至少要有一条权责规则，请先添加新规则再删除这一条"))
    journal.record(
        actor=actor,
        action="demands.rule.deleted",
        target=rule.category,
        data={"rule": str(rule), "priority": rule.priority},
    )
    rule.delete()


@transaction.atomic
def calendar_day_set(*, actor, county: AdminUnit, date, kind: str, note: str = "") -> CalendarDay:
    """Mark one date as a holiday or an adjusted working day (调休上班) in the county's calendar."""
    _require_config(actor, county)
    calendar, _created = WorkingCalendar.objects.get_or_create(
        county=county, defaults={"name": f"{county.name}工作日历"}
    )
    day = CalendarDay.objects.filter(calendar=calendar, date=date).first() or CalendarDay(
        calendar=calendar, date=date
    )
    day.kind, day.note = kind, note.strip()
    day.full_clean()
    day.save()
    journal.record(
        actor=actor,
        action="demands.calendar.day_set",
        target=calendar,
        data={"date": date.isoformat(), "kind": kind, "note": day.note},
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """The date goes back to the ordinary rule (Monday to Friday worked)."""
    _require_config(actor, day.calendar.county)
    journal.record(
        actor=actor,
        action="demands.calendar.day_deleted",
        target=day.calendar,
        data={"date": day.date.isoformat(), "kind": day.kind},
    )
    day.delete()


@transaction.atomic
def demand_setting_update(*, actor, county: AdminUnit, open311_jurisdiction_id: str) -> DemandSetting:
    """The county's jurisdiction_id for Open311 clients (blank: its area code)."""
    _require_config(actor, county)
    setting, _created = DemandSetting.objects.get_or_create(county=county)
    setting.open311_jurisdiction_id = open311_jurisdiction_id.strip()
    setting.full_clean()
    setting.save()
    journal.record(
        actor=actor,
        action="demands.setting.updated",
        target=setting,
        data={"open311_jurisdiction_id": setting.open311_jurisdiction_id},
    )
    return setting


# ---------------------------------------------------------------- routing


@dataclass
class Route:
    level: str
    unit: AdminUnit
    department: Department | None


def _ancestors(unit: AdminUnit) -> dict[str, AdminUnit]:
    codes = [c for c in unit.path.split("/") if c]
    return {u.level: u for u in AdminUnit.objects.filter(code__in=codes)}


def county_of(unit: AdminUnit) -> AdminUnit:
    return _ancestors(unit)[AdminUnit.Level.COUNTY]


def route(
    *,
    category: Category,
    place_unit: AdminUnit,
    concerns_county_project: bool,
    amount: Decimal | None,
    ancestors: dict[str, AdminUnit] | None = None,
) -> Route:
    """The authority matrix: first rule by priority whose conditions hold; none → the place's township.

    ancestors: the place's units by level, if the caller has read them already (_ancestors).
    """
    chain = ancestors if ancestors is not None else _ancestors(place_unit)
    chosen = None
    for rule in category.rules.select_related("department").order_by("priority", "id"):
        if (
            rule.concerns_county_project is not None
            and rule.concerns_county_project != concerns_county_project
        ):
            continue
        if rule.amount_above is not None and (amount is None or amount <= rule.amount_above):
            continue
        chosen = rule
        break
    level = chosen.level if chosen else Level.TOWNSHIP
    unit = chain.get(level) or chain.get(AdminUnit.Level.TOWNSHIP) or chain[AdminUnit.Level.COUNTY]
    department = None
    if chosen and chosen.department_id:
        department = (
            chosen.department
            if chosen.department.unit_id == unit.pk
            else Department.objects.filter(unit=unit, code=chosen.department.code).first()
        )
    return Route(
        level=unit.level if unit.level != AdminUnit.Level.GRID else Level.VILLAGE,
        unit=unit,
        department=department,
    )


def coordinator_for(county: AdminUnit) -> Department:
    department = Department.objects.filter(unit=county, code=COORDINATOR_CODE).first()
    if department is None:
        department = Department.objects.create(unit=county, code=COORDINATOR_CODE, name=_("信访局"))
    return department


def _office(actor, demand: Demand | None = None) -> str:
    """The actor as an office, for the public history: never a person's name.

    When the actor's department owns the demand (a handler at work), the demand's owner rows, already read
    with it, are that department and its unit: not read again.
    """
    if actor is None:
        return _("系统")
    if actor.department_id:
        owner = demand is not None and demand.owner_department_id == actor.department_id
        dept = demand.owner_department if owner else actor.department
        unit = demand.owner_unit if owner and dept.unit_id == demand.owner_unit_id else dept.unit
        prefix = COUNTY_PREFIX if unit.level == AdminUnit.Level.COUNTY else unit.name
        return f"{prefix}{dept.name}"
    unit = actor.jurisdictions.order_by("path").first()
    return unit.name if unit else _("工作人员")


def _event(
    demand: Demand, kind: str, actor=None, text: str = "", public: bool = True, office: str | None = None
):
    event = _event_row(demand, kind, actor, text, public, office)
    event.save(force_insert=True)
    return event


def _event_row(
    demand: Demand, kind: str, actor=None, text: str = "", public: bool = True, office: str | None = None
) -> DemandEvent:
    """An unsaved event (_event saves it; demand_create writes its two in one INSERT)."""
    return DemandEvent(
        demand=demand,
        kind=kind,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_office=office if office is not None else _office(actor, demand),
        text=text,
        public=public,
    )


def _owner_staff_phones(demand: Demand) -> list[str]:
    """The phones of the owner's active staff, one per person (their pk keeps two people who share a phone
    two messages): the notices need nothing else of them."""
    if demand.owner_department_id:
        staff = Staff.objects.filter(department_id=demand.owner_department_id, is_active=True)
    else:
        staff = (
            Staff.objects.filter(jurisdictions=demand.owner_unit, is_active=True)
            .exclude(role=Role.COUNTY_HANDLER)
            .distinct()
        )
    return [phone for _pk, phone in staff.values_list("pk", "phone")]


def _resident_phone(demand: Demand) -> str:
    return crypto.decrypt(demand.phone_cipher, context="demand.phone") if demand.phone_cipher else ""


def _tell_owner(demand: Demand, text: str, kind: str) -> None:
    notify(
        [
            Message(phone=phone, text=text, ticket=demand.ticket, kind=kind)
            for phone in _owner_staff_phones(demand)
        ]
    )


def _tell_resident(demand: Demand, text: str, kind: str) -> None:
    notify([Message(phone=_resident_phone(demand), text=text, ticket=demand.ticket, kind=kind)])


def _new_ticket(now) -> str:
    for _attempt in range(20):
        ticket = timezone.localtime(now).strftime("%Y%m%d") + f"{secrets.randbelow(1_000_000):06d}"
        if not Demand.objects.filter(ticket=ticket).exists():
            return ticket
    raise RuntimeError("could not allocate a ticket number")


def _can_intake(actor, unit: AdminUnit) -> bool:
    if not actor.has_perm("demands.add_demand"):
        return False
    if actor.role == Role.COUNTY_HANDLER:
        return True  # hotline/office intake at a county department: any place in the county
    return unit_in_scope(user=actor, unit=unit)


# ---------------------------------------------------------------- intake


@transaction.atomic
def demand_create(
    *,
    actor,
    resident_name: str,
    text: str,
    place_unit: AdminUnit,
    category: Category,
    place: str = "",
    phone: str = "",
    channel: str = Demand.Channel.OFFICE,
    person=None,
    household=None,
    concerns_county_project: bool = False,
    amount: Decimal | None = None,
    source_visit_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    api_client: Open311Client | None = None,
) -> Demand:
    """A new demand is routed at once and gets its ticket and working-day deadlines from server time."""
    if actor is not None and not _can_intake(actor, place_unit):
        raise PermissionDenied(_("您没有权限在“%(unit)s”登记诉求") % {"unit": place_unit.name})
    if person is not None and household is None:
        household = person.household
    scope_path = place_unit.path
    if household is not None:
        # The household decides the place; its grid (if any) keeps the demand visible to the grid official.
        place_unit = household.village
        scope_path = household.scope_path
        if actor is not None and not _can_intake(actor, household.grid or household.village):
            raise PermissionDenied(_("您没有权限在“%(unit)s”登记诉求") % {"unit": place_unit.name})
    ancestors = _ancestors(place_unit)
    county = ancestors[AdminUnit.Level.COUNTY]
    if category.county_id != county.pk:
        raise ValidationError({"category": _("这个类别不属于本县")})
    if person is not None and not phone and person.phone_cipher:
        # Collect once: the registry already holds the resident's phone; it stays encrypted and masked here too.
        phone = crypto.decrypt(person.phone_cipher, context="person.phone")
    phone = normalize_phone(phone)
    now = timezone.now()
    owner = route(
        category=category,
        place_unit=place_unit,
        concerns_county_project=concerns_county_project,
        amount=amount,
        ancestors=ancestors,
    )
    clock = Clock.for_county(county.pk)
    demand = Demand(
        ticket=_new_ticket(now),
        county=county,
        place_unit=place_unit,
        scope_path=scope_path,
        place=(place or (household.address if household else "")).strip() or place_unit.name,
        latitude=latitude if latitude is not None else place_unit.latitude,
        longitude=longitude if longitude is not None else place_unit.longitude,
        resident_name=(resident_name or "").strip(),
        phone_cipher=crypto.encrypt(phone, context="demand.phone") if phone else "",
        phone_index=phone_index(phone) if phone else "",
        phone_masked=mask_phone(phone),
        person=person,
        household=household or (person.household if person is not None else None),
        text=(text or "").strip(),
        category=category,
        channel=channel,
        concerns_county_project=concerns_county_project,
        amount=amount,
        source_visit_id=source_visit_id,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        api_client=api_client,
        open311_token=uuid.uuid4().hex if channel == Demand.Channel.OPEN311 else "",
        owner_level=owner.level,
        owner_unit=owner.unit,
        owner_department=owner.department,
        owner_path=owner.unit.path,
        created_at=now,
        updated_at=now,
        accept_due=clock.add_working_days(now, category.accept_days),
        resolve_due=clock.add_working_days(now, category.resolve_days),
    )
    # Every related row was read just now and _new_ticket found the ticket free: full_clean need not read
    # each again (five or six queries); the database's foreign keys and unique index still hold.
    read = [
        f.name
        for f in Demand._meta.concrete_fields
        if f.many_to_one and getattr(demand, f.attname) is not None
    ]
    demand.full_clean(exclude=[*read, "ticket"])
    demand.save()
    demand_stats.stats_refresh([demand_stats.key_of(demand)])
    DemandEvent.objects.bulk_create(
        [
            _event_row(demand, DemandEvent.Kind.CREATED, actor, demand.get_channel_display()),
            _event_row(
                demand,
                DemandEvent.Kind.ROUTED,
                None,
                _("按权责规则派至%(owner)s") % {"owner": demand.owner_label},
            ),
        ]
    )
    journal.record(
        actor=actor or (f"open311:{api_client.name}" if api_client else "resident"),
        action="demands.demand.created",
        target=demand,
        data={
            "ticket": demand.ticket,
            "channel": channel,
            "category": category.code,
            "owner": demand.owner_label,
            "phone": demand.phone_masked,
        },
    )
    _tell_resident(
        demand,
        _("您的诉求已登记，编号%(ticket)s，由%(owner)s办理。")
        % {"ticket": demand.ticket, "owner": demand.owner_label},
        "created",
    )
    _tell_owner(
        demand,
        _("新诉求%(ticket)s：%(text)s") % {"ticket": demand.ticket, "text": demand.text[:40]},
        "routed",
    )
    return demand


# ---------------------------------------------------------------- working a demand


def can_work(user, demand: Demand) -> bool:
    """Only the owner acts: the owning department's staff, or staff whose jurisdiction holds the owning unit."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("demands.work_demand"):
        return False
    if demand.owner_department_id and user.department_id == demand.owner_department_id:
        return True
    if user.role == Role.COUNTY_HANDLER:
        return False
    if demand.owner_department_id and demand.owner_level == Level.COUNTY and user.role != Role.ADMINISTRATOR:
        return False
    return unit_in_scope(user=user, unit=demand.owner_unit)


def _require_work(actor, demand: Demand) -> None:
    if actor is not None and not can_work(actor, demand):
        raise PermissionDenied(_("这件诉求由%(owner)s办理，您不能操作") % {"owner": demand.owner_label})


def _touch(demand: Demand, *fields: str) -> None:
    keys = [demand_stats.key_of(demand)]
    if {"owner_unit", "owner_department", "category"} & set(fields):
        keys.append(demand_stats.key_of(Demand.objects.get(pk=demand.pk)))  # the counts it leaves
    demand.updated_at = timezone.now()
    demand.save(update_fields=[*fields, "updated_at"])
    keys.append(demand_stats.key_of(demand))
    demand_stats.stats_refresh(keys)


@transaction.atomic
def demand_accept(*, actor, demand: Demand) -> Demand:
    """The owner confirms it has the demand; on time if before the accept deadline."""
    _require_work(actor, demand)
    if demand.status != Demand.Status.PENDING:
        raise ValidationError(_("这件诉求已经受理过了"))
    now = timezone.now()
    demand.status = Demand.Status.PROCESSING
    demand.accepted_at = now
    if demand.accepted_on_time is None:
        demand.accepted_on_time = now <= demand.accept_due
    _touch(demand, "status", "accepted_at", "accepted_on_time")
    _event(demand, DemandEvent.Kind.ACCEPTED, actor)
    journal.record(
        actor=actor, action="demands.demand.accepted", target=demand, data={"ticket": demand.ticket}
    )
    return demand


@transaction.atomic
def demand_transfer(
    *,
    actor,
    demand: Demand,
    reason: str,
    to_department: Department | None = None,
    to_unit: AdminUnit | None = None,
) -> Demand:
    """Ownership moves only with a reason; after two transfers it goes to the coordinator instead (no ping-pong)."""
    _require_work(actor, demand)
    if not demand.is_open:
        raise ValidationError(_("已答复或已办结的诉求不能转办"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("转办必须写明理由")})
    if to_department is None and to_unit is None:
        raise ValidationError({"to_department": _("请选择转给哪个部门或单位")})
    if to_department is not None:
        to_unit = to_department.unit
    if county_of(to_unit).pk != demand.county_id:
        raise ValidationError({"to_department": _("只能转给本县的部门或单位")})
    coordinator = coordinator_for(demand.county)
    actor_is_coordinator = actor is not None and actor.department_id == coordinator.pk
    capped = demand.transfers >= TRANSFER_CAP and not actor_is_coordinator
    if capped:
        to_department, to_unit = coordinator, coordinator.unit
    if to_department is not None and to_department.pk == demand.owner_department_id:
        raise ValidationError({"to_department": _("不能转给当前承办部门自己")})
    old_owner = demand.owner_label
    now = timezone.now()
    demand.owner_unit = to_unit
    demand.owner_department = to_department
    demand.owner_level = to_unit.level if to_unit.level != AdminUnit.Level.GRID else Level.VILLAGE
    demand.owner_path = to_unit.path
    demand.transfers += 1
    demand.with_coordinator = capped
    demand.status = Demand.Status.PENDING
    demand.accepted_at = None
    demand.accept_reminded = False
    demand.accept_due = Clock.for_county(demand.county_id).add_working_days(now, demand.category.accept_days)
    _touch(
        demand,
        "owner_unit",
        "owner_department",
        "owner_level",
        "owner_path",
        "transfers",
        "with_coordinator",
        "status",
        "accepted_at",
        "accept_reminded",
        "accept_due",
    )
    if capped:
        text = _("已转办%(n)d次，不再转来转去，交%(owner)s协调。转办理由：%(reason)s") % {
            "n": TRANSFER_CAP,
            "owner": demand.owner_label,
            "reason": reason,
        }
        kind = DemandEvent.Kind.COORDINATOR
    else:
        text = _("由%(old)s转至%(new)s。理由：%(reason)s") % {
            "old": old_owner,
            "new": demand.owner_label,
            "reason": reason,
        }
        kind = DemandEvent.Kind.TRANSFERRED
    _event(demand, kind, actor, text)
    journal.record(
        actor=actor,
        action="demands.demand.transferred",
        target=demand,
        data={"from": old_owner, "to": demand.owner_label, "reason": reason, "coordinator": capped},
    )
    _tell_owner(
        demand,
        _("转来诉求%(ticket)s：%(reason)s") % {"ticket": demand.ticket, "reason": reason},
        "transferred",
    )
    return demand


@transaction.atomic
def demand_answer(*, actor, demand: Demand, outcome: str, answer: str, policy: str = "") -> Demand:
    """Honest outcomes: resolved, partly resolved, or cannot be resolved (then the reason and the policy cited)."""
    _require_work(actor, demand)
    if not demand.is_open:
        raise ValidationError(_("这件诉求已经答复过了"))
    if outcome not in (Demand.Outcome.RESOLVED, Demand.Outcome.PARTLY, Demand.Outcome.UNRESOLVABLE):
        raise ValidationError({"outcome": _("请选择办理结果")})
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请写明答复内容")})
    if outcome == Demand.Outcome.UNRESOLVABLE and not (policy or "").strip():
        raise ValidationError({"policy": _("无法解决的，须写明原因并引用政策依据")})
    now = timezone.now()
    if demand.accepted_at is None:
        demand.accepted_at = now
        demand.accepted_on_time = (
            now <= demand.accept_due if demand.accepted_on_time is None else demand.accepted_on_time
        )
    demand.status = Demand.Status.ANSWERED
    demand.outcome = outcome
    demand.answer = answer
    demand.policy = (policy or "").strip()
    demand.answered_at = now
    demand.hours_to_answer = round((now - demand.created_at).total_seconds() / 3600, 2)
    demand.verdict_resolved = demand.verdict_satisfied = None
    _touch(
        demand,
        "status",
        "outcome",
        "answer",
        "policy",
        "answered_at",
        "hours_to_answer",
        "accepted_at",
        "accepted_on_time",
        "verdict_resolved",
        "verdict_satisfied",
    )
    text = f"{demand.get_outcome_display()}：{answer}"
    if demand.policy:
        text += _("（依据：%(policy)s）") % {"policy": demand.policy}
    _event(demand, DemandEvent.Kind.ANSWERED, actor, text)
    journal.record(
        actor=actor,
        action="demands.demand.answered",
        target=demand,
        data={"ticket": demand.ticket, "outcome": outcome},
    )
    _tell_resident(
        demand,
        _("您的诉求%(ticket)s已答复：%(outcome)s。请告诉我们是否解决、是否满意。")
        % {"ticket": demand.ticket, "outcome": demand.get_outcome_display()},
        "answered",
    )
    return demand


@transaction.atomic
def demand_withdraw(*, actor, demand: Demand, reason: str) -> Demand:
    """The resident withdraws (recorded by staff who can see the demand)."""
    if actor is not None and not (actor.has_perm("demands.add_demand") or can_work(actor, demand)):
        raise PermissionDenied
    if demand.status == Demand.Status.CLOSED:
        raise ValidationError(_("这件诉求已经办结"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明撤回原因")})
    now = timezone.now()
    demand.status = Demand.Status.CLOSED
    demand.outcome = Demand.Outcome.WITHDRAWN
    demand.answer = reason.strip()
    demand.closed_at = now
    _touch(demand, "status", "outcome", "answer", "closed_at")
    _event(demand, DemandEvent.Kind.CLOSED, actor, _("群众撤回：%(reason)s") % {"reason": reason.strip()})
    journal.record(
        actor=actor, action="demands.demand.withdrawn", target=demand, data={"ticket": demand.ticket}
    )
    return demand


@transaction.atomic
def demand_merge(*, actor, demand: Demand, into: Demand) -> Demand:
    """A duplicate closes into the earlier demand; its history stays and points there."""
    _require_work(actor, demand)
    if demand.pk == into.pk or into.merged_into_id == demand.pk:
        raise ValidationError(_("不能合并到自己"))
    if demand.county_id != into.county_id:
        raise ValidationError(_("只能合并本县的诉求"))
    now = timezone.now()
    demand.status = Demand.Status.CLOSED
    demand.outcome = Demand.Outcome.DUPLICATE
    demand.merged_into = into
    demand.closed_at = now
    demand.answer = _("与%(ticket)s是同一件事，合并办理") % {"ticket": into.ticket}
    _touch(demand, "status", "outcome", "merged_into", "closed_at", "answer")
    _event(demand, DemandEvent.Kind.MERGED, actor, demand.answer)
    _event(
        into,
        DemandEvent.Kind.MERGED,
        actor,
        _("合并了重复诉求%(ticket)s") % {"ticket": demand.ticket},
        public=False,
    )
    journal.record(
        actor=actor,
        action="demands.demand.merged",
        target=demand,
        data={"ticket": demand.ticket, "into": into.ticket},
    )
    return demand


VERDICT_CHANNELS = {"visit": _("走访时询问"), "portal": _("网上评价"), "callback": _("电话回访")}


@transaction.atomic
def demand_verdict(
    *, actor, demand: Demand, resolved: bool, satisfied: bool, channel: str, note: str = ""
) -> Demand:
    """The resident's verdict closes the demand, or (not resolved) reopens it with its history and a new clock."""
    if channel not in VERDICT_CHANNELS:
        raise ValidationError({"channel": _("评价方式不对")})
    if actor is not None and not actor.has_perm("demands.add_demand"):
        raise PermissionDenied
    if demand.status != Demand.Status.ANSWERED:
        raise ValidationError(_("只有已答复的诉求才能评价"))
    now = timezone.now()
    demand.verdict_resolved = resolved
    demand.verdict_satisfied = satisfied
    demand.verdict_channel = channel
    demand.verdict_at = now
    text = "{}，{}（{}）".format(
        _("已解决") if resolved else _("未解决"),
        _("满意") if satisfied else _("不满意"),
        VERDICT_CHANNELS[channel],
    )
    if note.strip():
        text += f"：{note.strip()}"
    _event(
        demand, DemandEvent.Kind.VERDICT, actor, text, office=_office(actor, demand) if actor else _("群众")
    )
    fields = ["verdict_resolved", "verdict_satisfied", "verdict_channel", "verdict_at", "status"]
    if resolved:
        demand.status = Demand.Status.CLOSED
        demand.closed_at = now
        fields.append("closed_at")
    else:
        demand.status = Demand.Status.PROCESSING
        demand.reopen_count += 1
        demand.resolve_due = Clock.for_county(demand.county_id).add_working_days(
            now, demand.category.resolve_days
        )
        demand.resolve_reminded = False
        demand.resolve_breached = False
        fields += ["reopen_count", "resolve_due", "resolve_reminded", "resolve_breached"]
        _event(
            demand,
            DemandEvent.Kind.REOPENED,
            None,
            _("群众认为未解决，重新办理，%(date)s前答复") % {"date": fmt_date(demand.resolve_due)},
        )
    _touch(demand, *fields)
    journal.record(
        actor=actor or "resident",
        action="demands.demand.verdict",
        target=demand,
        data={"ticket": demand.ticket, "resolved": resolved, "satisfied": satisfied, "channel": channel},
    )
    if not resolved:
        _tell_owner(
            demand, _("诉求%(ticket)s群众认为未解决，已重新交办") % {"ticket": demand.ticket}, "reopened"
        )
    return demand


def fmt_date(value) -> str:
    local = timezone.localtime(value)
    return _("%(m)d月%(d)d日") % {"m": local.month, "d": local.day}


# ---------------------------------------------------------------- attachments


@transaction.atomic
def attachment_add(*, actor, demand: Demand, upload) -> Attachment:
    """Photos and documents up to 10 MB, type decided by content (not the name); kept outside the web root."""
    if actor is not None and not (actor.has_perm("demands.add_demand") or can_work(actor, demand)):
        raise PermissionDenied
    try:
        uploads.check_size(upload.size, cap_mb=MAX_ATTACHMENT_BYTES // uploads.MB)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError({"file": _("只能上传照片（JPG、PNG、WEBP、HEIC）或PDF、Word、Excel文件")})
    digest = hashlib.sha256()
    stored = f"{demand.pk}/{uuid.uuid4().hex}.{kind.extension}"
    target = Path(settings.PRIVATE_ROOT) / "demands" / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            digest.update(chunk)
            fh.write(chunk)
    name = Path(upload.name or "file").name[:150]
    attachment = Attachment(
        demand=demand,
        stored_name=stored,
        original_name=name,
        content_type=kind.mime,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.full_clean()
    attachment.save()
    _event(demand, DemandEvent.Kind.ATTACHMENT, actor, name, public=False)
    journal.record(
        actor=actor,
        action="demands.attachment.added",
        target=demand,
        data={"ticket": demand.ticket, "type": kind.mime, "size": upload.size, "sha256": attachment.sha256},
    )
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.PRIVATE_ROOT) / "demands" / attachment.stored_name


def attachment_public_path(attachment: Attachment) -> Path:
    """The EXIF-free copy served to the public (PNG stays PNG, every other photo becomes JPEG)."""
    ext = "png" if attachment.content_type == "image/png" else "jpg"
    return attachment_path(attachment).with_suffix(f".public.{ext}")


def _strip_metadata(source: Path, target: Path) -> None:
    """Re-encode the pixels only: no EXIF (GPS position, camera, time), no XMP, no ICC comments."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # HEIC photos then cannot be made public; the others can
        pass
    try:
        with Image.open(source) as image:
            upright = ImageOps.exif_transpose(image)  # keep the orientation the EXIF tag gave it
            if target.suffix == ".png":
                upright.save(target, format="PNG")
            else:
                upright.convert("RGB").save(target, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError(_("这张照片无法处理，不能公开")) from exc


@transaction.atomic
def attachment_set_public(*, actor, attachment: Attachment, public: bool) -> Attachment:
    """A handler may publish a photo (never a document) for Open311's media_url; the public copy has no EXIF."""
    demand = attachment.demand
    _require_work(actor, demand)
    if public == bool(attachment.public_token):
        return attachment
    if public:
        if not attachment.content_type.startswith("image/"):
            raise ValidationError(_("只有照片可以公开，文件不能公开"))
        _strip_metadata(attachment_path(attachment), attachment_public_path(attachment))
        attachment.public_token = secrets.token_urlsafe(16)
    else:
        attachment_public_path(attachment).unlink(missing_ok=True)
        attachment.public_token = ""
    attachment.save(update_fields=["public_token"])
    journal.record(
        actor=actor,
        action="demands.attachment.published" if public else "demands.attachment.unpublished",
        target=demand,
        data={"ticket": demand.ticket, "attachment": attachment.pk},
    )
    return attachment


# ---------------------------------------------------------------- deadline sweep


def _next_up(unit_levels: dict[int, tuple[str, int | None]], unit_id: int) -> int:
    level, parent_id = unit_levels[unit_id]
    if level in (AdminUnit.Level.GRID, AdminUnit.Level.VILLAGE):
        # a village's supervisor sits at its township
        while unit_levels[unit_id][0] != AdminUnit.Level.TOWNSHIP and unit_levels[unit_id][1]:
            unit_id = unit_levels[unit_id][1]
        return unit_id
    if level == AdminUnit.Level.TOWNSHIP and parent_id:
        return parent_id
    return unit_id


def deadline_sweep(*, now=None) -> dict:
    """Remind owners a day before a deadline; on breach, escalate to the next level's supervisor, visibly."""
    now = now or timezone.now()
    soon = now + timedelta(hours=REMIND_HOURS)
    stats = {"reminded": 0, "escalated": 0}
    with transaction.atomic():
        # No ORDER BY: Demand's default (-created_at) would lead SQLite to walk the created_at index over
        # every demand instead of the (status, due) indexes.
        open_qs = Demand.objects.filter(status__in=OPEN_STATUSES).order_by()
        remind_accept = list(
            open_qs.filter(
                status=Demand.Status.PENDING, accept_reminded=False, accept_due__gt=now, accept_due__lte=soon
            ).values_list("pk", flat=True)
        )
        remind_resolve = list(
            open_qs.filter(resolve_reminded=False, resolve_due__gt=now, resolve_due__lte=soon).values_list(
                "pk", flat=True
            )
        )
        breach_accept = list(
            open_qs.filter(
                status=Demand.Status.PENDING, accept_breached=False, accept_due__lte=now
            ).values_list("pk", flat=True)
        )
        breach_resolve = list(
            open_qs.filter(resolve_breached=False, resolve_due__lte=now).values_list("pk", flat=True)
        )
        touched = set(remind_accept) | set(remind_resolve) | set(breach_accept) | set(breach_resolve)
        if not touched:
            return stats
        rows = {
            r["pk"]: r
            for r in Demand.objects.filter(pk__in=touched).values(
                "pk",
                "ticket",
                "owner_unit_id",
                "owner_department_id",
                "escalated_to_id",
                "accept_due",
                "resolve_due",
            )
        }
        unit_levels, unit_names = {}, {}
        for pk, level, parent_id, name in AdminUnit.objects.values_list("pk", "level", "parent_id", "name"):
            unit_levels[pk] = (level, parent_id)
            unit_names[pk] = name
        phones = _staff_phones()
        # Translated once per run, not per demand: gettext walks every catalog and a worst-case sweep
        # writes thousands of events (it was a third of the sweep's time).
        labels = {"accept": _("受理"), "resolve": _("答复")}
        system = _("系统")
        remind_text = _("%(what)s期限%(date)s，即将到期")
        escalate_text = _("%(what)s超期，已升级至%(unit)s领导督办")
        date_text = _("%(m)d月%(d)d日")

        def short_date(value) -> str:
            local = timezone.localtime(value)
            return date_text % {"m": local.month, "d": local.day}

        events: list[DemandEvent] = []
        messages: list[Message] = []
        escalate_to: dict[int, list[int]] = {}
        for pks, kind, due_field in (
            (remind_accept, "accept", "accept_due"),
            (remind_resolve, "resolve", "resolve_due"),
        ):
            for pk in pks:
                row = rows[pk]
                text = remind_text % {"what": labels[kind], "date": short_date(row[due_field])}
                events.append(
                    DemandEvent(
                        demand_id=pk,
                        kind=DemandEvent.Kind.REMINDED,
                        at=now,
                        actor_office=system,
                        text=text,
                        public=False,
                    )
                )
                for phone in _owner_phones(phones, row):
                    messages.append(
                        Message(
                            phone=phone, text=f"{row['ticket']} {text}", ticket=row["ticket"], kind="reminder"
                        )
                    )
        for pks, kind in ((breach_accept, "accept"), (breach_resolve, "resolve")):
            for pk in pks:
                row = rows[pk]
                target = _next_up(unit_levels, row["escalated_to_id"] or row["owner_unit_id"])
                row["escalated_to_id"] = target
                escalate_to.setdefault(target, []).append(pk)
                text = escalate_text % {
                    "what": labels[kind],
                    "unit": unit_names.get(target, ""),
                }
                events.append(
                    DemandEvent(
                        demand_id=pk,
                        kind=DemandEvent.Kind.ESCALATED,
                        at=now,
                        actor_office=system,
                        text=text,
                        public=True,
                    )
                )
                for phone in phones["supervisors"].get(target, []):
                    messages.append(
                        Message(
                            phone=phone,
                            text=f"{row['ticket']} {text}",
                            ticket=row["ticket"],
                            kind="escalation",
                        )
                    )
        DemandEvent.objects.bulk_create(events, batch_size=1000)
        demand_stats.stats_add_breaches(set(breach_accept) | set(breach_resolve))
        for flag, pks in (
            ("accept_reminded", remind_accept),
            ("resolve_reminded", remind_resolve),
            ("accept_breached", breach_accept),
            ("resolve_breached", breach_resolve),
        ):
            for chunk in _chunks(pks):
                Demand.objects.filter(pk__in=chunk).update(**{flag: True})
        for target, pks in escalate_to.items():
            for chunk in _chunks(pks):
                Demand.objects.filter(pk__in=chunk).update(escalated_to_id=target, escalated_at=now)
        stats = {
            "reminded": len(remind_accept) + len(remind_resolve),
            "escalated": len(breach_accept) + len(breach_resolve),
        }
        if stats["reminded"] or stats["escalated"]:
            journal.record(
                actor=None,
                action="demands.sweep.ran",
                target=None,
                data=stats
                | {
                    "escalated_tickets": sorted({rows[p]["ticket"] for p in breach_accept + breach_resolve})[
                        :200
                    ]
                },
            )
        notify(messages)
    return stats


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _staff_phones() -> dict:
    by_department: dict[int, list[str]] = {}
    by_unit: dict[int, list[str]] = {}
    supervisors: dict[int, list[str]] = {}
    staff = Staff.objects.filter(is_active=True).exclude(phone="")
    for dept_id, phone in staff.filter(department__isnull=False).values_list("department_id", "phone"):
        by_department.setdefault(dept_id, []).append(phone)
    for role, unit_id, phone in staff.values_list("role", "jurisdictions", "phone"):
        if unit_id is None:
            continue
        by_unit.setdefault(unit_id, []).append(phone)
        if role in (Role.TOWNSHIP_LEADER, Role.COUNTY_SUPERVISOR):
            supervisors.setdefault(unit_id, []).append(phone)
    return {"department": by_department, "unit": by_unit, "supervisors": supervisors}


def _owner_phones(phones: dict, row: dict) -> list[str]:
    if row["owner_department_id"]:
        return phones["department"].get(row["owner_department_id"], [])
    return phones["unit"].get(row["owner_unit_id"], [])


# ---------------------------------------------------------------- Open311 keys


@transaction.atomic
def open311_client_issue(*, actor, name: str, county: AdminUnit | None = None) -> tuple[Open311Client, str]:
    """A new API key for one client application; the key is shown once and only its hash is kept."""
    if actor is not None and not actor.has_perm("demands.add_open311client"):
        raise PermissionDenied
    if county is not None:
        _require_config(actor, county)
    key = secrets.token_urlsafe(32)
    client = Open311Client(
        name=name.strip(), county=county, key_hash=Open311Client.hash_key(key), prefix=key[:8]
    )
    client.full_clean()
    client.save()
    journal.record(
        actor=actor, action="demands.open311client.issued", target=client, data={"name": client.name}
    )
    return client, key


@transaction.atomic
def open311_client_revoke(*, actor, client: Open311Client) -> Open311Client:
    """A revoked key stops working at once; the application's past requests stay attributed to it."""
    if actor is not None and not actor.has_perm("demands.change_open311client"):
        raise PermissionDenied
    if client.county_id:
        _require_config(actor, client.county)
    client.active = False
    client.save(update_fields=["active"])
    journal.record(
        actor=actor, action="demands.open311client.revoked", target=client, data={"name": client.name}
    )
    return client


def open311_client_authenticate(*, key: str) -> Open311Client | None:
    if not key:
        return None
    client = Open311Client.objects.filter(key_hash=Open311Client.hash_key(key), active=True).first()
    if client is not None:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


def demand_q_open() -> Q:
    return Q(status__in=OPEN_STATUSES)


# --- resident submissions the spam screen holds ----------------------------------------------


def submission_screen(*, resident_name: str, text: str, place: str = "") -> str:
    """Why a resident's submission must be held for moderation (link stuffing, keyword runs), or ""."""
    verdict = spam_screen(f"{resident_name}\n{place}\n{text}")
    return verdict.reason if verdict.held else ""


@transaction.atomic
def submission_hold(
    *, place_unit: AdminUnit, resident_name: str, text: str, reason: str, place: str = "", phone: str = ""
) -> HeldSubmission:
    """Keep a held submission, unrouted and unseen, until an administrator releases or discards it."""
    phone = normalize_phone(phone) if phone else ""
    held = HeldSubmission(
        place_unit=place_unit,
        resident_name=resident_name[:50],
        phone_cipher=crypto.encrypt(phone, context="demand.phone") if phone else "",
        phone_masked=mask_phone(phone),
        place=place[:200],
        text=text,
        reason=reason[:200],
    )
    held.full_clean()
    held.save()
    journal.record(actor=None, action="demands.submission.held", target=held, data={"reason": held.reason})
    return held


def _require_moderator(actor, held: HeldSubmission) -> None:
    if not (actor.is_superuser or actor.role == Role.ADMINISTRATOR) or not unit_in_scope(
        user=actor, unit=held.place_unit
    ):
        raise PermissionDenied(_("只有辖区内的系统管理员可以审核被拦截的提交"))
    if held.status != HeldSubmission.Status.HELD:
        raise ValidationError(_("这条提交已经审核过了"))


@transaction.atomic
def submission_release(*, actor, held: HeldSubmission, category: Category) -> Demand:
    """A person judged it genuine: it becomes an ordinary demand, routed and on the clock from now."""
    _require_moderator(actor, held)
    phone = crypto.decrypt(held.phone_cipher, context="demand.phone") if held.phone_cipher else ""
    demand = demand_create(
        actor=None,
        resident_name=held.resident_name,
        phone=phone,
        text=held.text,
        place_unit=held.place_unit,
        place=held.place,
        category=category,
        channel=Demand.Channel.PORTAL,
    )
    held.status, held.demand = HeldSubmission.Status.RELEASED, demand
    held.save(update_fields=["status", "demand"])
    journal.record(
        actor=actor, action="demands.submission.released", target=held, data={"demand": demand.ticket}
    )
    return demand


@transaction.atomic
def submission_discard(*, actor, held: HeldSubmission) -> HeldSubmission:
    """Confirmed spam stays on record as discarded; it is never shown."""
    _require_moderator(actor, held)
    held.status = HeldSubmission.Status.DISCARDED
    held.save(update_fields=["status"])
    journal.record(actor=actor, action="demands.submission.discarded", target=held, data={})
    return held
