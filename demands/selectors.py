"""Reads of demands. Staff see the demands in their jurisdiction; a county department handler sees only
the demands routed to their department. Residents see one demand by ticket + the last four phone digits."""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demands import stats
from demands import text as demand_text
from demands.models import Attachment, Category, Demand, DemandEvent, DemandStat
from demands.services import OPEN_STATUSES
from territory.models import AdminUnit, Department
from territory.roles import Role
from territory.selectors import jurisdiction_paths, scope_q


def demand_scope(user) -> QuerySet[Demand]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("demands.view_demand"):
        return Demand.objects.none()
    if user.role == Role.COUNTY_HANDLER:
        if not user.department_id:
            return Demand.objects.none()
        return Demand.objects.filter(owner_department_id=user.department_id)
    counties = _whole_counties(user)
    if counties is not None:
        # A demand's place and owner are always in its county, so "place or owner under the county's path"
        # is exactly county_id: one equality the planner can use, instead of an OR of two prefix ranges
        # over every demand (SQLite: 4.7 s → 0.18 s for the supervisor's first list page under load).
        return Demand.objects.filter(county_id__in=counties)
    q = _subtree_q(user, "scope_path") | _subtree_q(user, "owner_path")
    if user.department_id:
        q |= Q(owner_department_id=user.department_id)
    return Demand.objects.filter(q)


def _whole_counties(user) -> list[int] | None:
    """The county ids, if every jurisdiction of the user is a whole county and their department (if any)
    is inside one of them; else None (the scope then needs the place and owner paths)."""
    paths = jurisdiction_paths(user)
    if not paths or any(p.count("/") != 2 for p in paths):
        return None
    counties = dict(AdminUnit.objects.filter(path__in=paths).values_list("path", "pk"))
    if len(counties) != len(paths):
        return None
    if user.department_id and not any(user.department.unit.path.startswith(p) for p in paths):
        return None
    return list(counties.values())


def _subtree_q(user, field: str) -> Q:
    """scope_q(user, field), plus (on SQLite) an index range with the same meaning.

    SQLite cannot use an index for LIKE 'prefix%' (LIKE is case-insensitive there); it can for a range.
    Paths are digits and '/', each ending in '/', so under SQLite's binary collation "starts with P" is
    exactly P <= path < P[:-1] + '0'. The startswith stays as well, so the range only ever narrows what
    territory's rule allows. PostgreSQL collations may order '/' differently: there only startswith is used.
    """
    q = scope_q(user, field)
    paths = jurisdiction_paths(user)
    if not paths or connection.vendor != "sqlite":
        return q
    narrow = [p for p in paths if p.count("/") > 2]  # a whole county is most of the table: scan it
    if len(narrow) != len(paths):
        return q
    ranges = Q()
    for path in narrow:
        ranges |= Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
    return q & ranges


def demand_list(*, user, filters: dict | None = None) -> QuerySet[Demand]:
    """Filters: status (open/pending/processing/answered/closed), overdue, category (code), q (ticket or text)."""
    filters = filters or {}
    # The rows' own names (escalated_to is the API's, which adds it: a fifth join makes PostgreSQL spend
    # ~4 ms planning the list page's query, four times its execution).
    qs = demand_scope(user).select_related("category", "owner_unit", "owner_department", "place_unit")
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("overdue"):
        qs = qs.filter(Q(accept_breached=True) | Q(resolve_breached=True), status__in=OPEN_STATUSES)
    if filters.get("category"):
        qs = qs.filter(category__code=filters["category"])
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(Q(ticket=q) | Q(text__icontains=q) | Q(place__icontains=q))
    return qs.order_by("-created_at", "-id")


class _Named:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


@lru_cache(maxsize=8)
def _status_labels(language: str) -> dict[str, str]:
    return {value: str(label) for value, label in Demand.Status.choices}


class DemandRow:
    """What the staff list shows of a demand, built from one values_list row: a page of 30 demands as model
    instances (each with four related rows) cost ~5 ms of CPU, and get_status_display rebuilds and
    translates the choices for every row. Reads like a Demand for the template; owner_label and is_open
    are the model's own rules."""

    COLUMNS = (
        "pk",
        "ticket",
        "status",
        "text",
        "resolve_due",
        "accept_breached",
        "resolve_breached",
        "owner_level",
        "owner_department_id",
        "owner_department__name",
        "owner_unit__name",
        "category__name",
        "place_unit__name",
    )
    __slots__ = (*COLUMNS[:9], "owner_department", "owner_unit", "category", "place_unit", "_labels")
    Status = Demand.Status

    def __init__(self, values, labels: dict[str, str]):
        for name, value in zip(self.COLUMNS[:9], values[:9], strict=True):
            setattr(self, name, value)
        self.owner_department = _Named(values[9])
        self.owner_unit = _Named(values[10])
        self.category = _Named(values[11])
        self.place_unit = _Named(values[12])
        self._labels = labels

    def get_status_display(self) -> str:
        return self._labels.get(self.status, self.status)

    owner_label = Demand.owner_label
    is_open = Demand.is_open


class DemandRows:
    """A demand queryset read as DemandRow values: countable and sliceable, for a Paginator."""

    def __init__(self, qs: QuerySet[Demand]):
        self.qs = qs
        self.values = qs.values_list(*DemandRow.COLUMNS)
        self.ordered = qs.ordered

    def count(self) -> int:
        # Counted without the names' joins, which the values would keep: 2 ms, not 18, for a department.
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        labels = _status_labels(translation.get_language())
        if isinstance(index, slice):
            return [DemandRow(v, labels) for v in self.values[index]]
        return DemandRow(self.values[index], labels)


def demand_list_rows(*, user, filters: dict | None = None) -> DemandRows:
    """demand_list as the rows a page of the staff list shows."""
    return DemandRows(demand_list(user=user, filters=filters))


def demand_get(*, user, pk) -> Demand:
    """One demand in the user's scope, with the rows every page and answer of it shows.

    merged_into (set on duplicates only) loads when read; person and household are not shown. Joining
    all eight made PostgreSQL plan for ~10 ms a query that runs in 0.7 ms.
    """
    try:
        return (
            demand_scope(user)
            .select_related("category", "owner_unit", "owner_department", "place_unit", "escalated_to")
            .get(pk=pk)
        )
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def demand_get_by_ticket(*, user, ticket: str) -> Demand:
    try:
        return demand_list(user=user).get(ticket=ticket)
    except Demand.DoesNotExist:
        raise Http404 from None


def event_list(*, demand: Demand, public_only: bool = False) -> QuerySet[DemandEvent]:
    qs = demand.events.select_related("actor").order_by("at", "id")
    return qs.filter(public=True) if public_only else qs


def event_rows(*, demand: Demand) -> list[tuple]:
    """The staff page's history of a demand as plain rows, for templatetags.demands_tags.demand_history:
    (at, kind, actor_office, text, actor_id, actor's full name, actor's username)."""
    return list(
        demand.events.order_by("at", "id").values_list(
            "at", "kind", "actor_office", "text", "actor_id", "actor__full_name", "actor__username"
        )
    )


def attachment_get(*, user, demand_pk, pk) -> Attachment:
    demand = demand_get(user=user, pk=demand_pk)
    try:
        return demand.attachments.get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def category_list(*, county_id: int | None = None) -> QuerySet[Category]:
    qs = Category.objects.filter(active=True)
    if county_id:
        qs = qs.filter(county_id=county_id)
    return qs.order_by("sort_order", "code")


def category_for_text(*, place_unit: AdminUnit | None, text: str) -> Category | None:
    """The category a resident's own words suggest, in the county of the place; else 其他 (or the last one)."""
    categories = category_list()
    if place_unit is not None:
        categories = categories.filter(county__code=place_unit.path.split("/")[1])
    categories = list(categories)
    category, _hits = demand_text.suggest(text, categories)
    category = category or next((c for c in categories if c.code == "other"), None)
    return category or (categories[-1] if categories else None)


def categories_for(user) -> QuerySet[Category]:
    """Active categories of the counties the user works in."""
    from territory.selectors import jurisdiction_paths

    codes = {p.split("/")[1] for p in jurisdiction_paths(user) if p.count("/") > 1}
    return Category.objects.filter(active=True, county__code__in=codes).order_by("sort_order", "code")


def duplicate_candidates(*, user, demand: Demand, days: int = 30, threshold: float = 0.3) -> list[Demand]:
    """Recent demands from the same person or place whose text overlaps (jieba tokens), offered for merging."""
    since = demand.created_at - timedelta(days=days)
    same = Q(place_unit_id=demand.place_unit_id)
    if demand.phone_index:
        same |= Q(phone_index=demand.phone_index)
    if demand.person_id:
        same |= Q(person_id=demand.person_id)
    pool = (
        demand_scope(user)
        .filter(same, created_at__gte=since, created_at__lte=demand.created_at + timedelta(days=days))
        .exclude(pk=demand.pk)
        .exclude(outcome=Demand.Outcome.DUPLICATE)
        # Up to 50 are scored and few shown, by ticket and text only: no related rows, no other columns.
        .only("pk", "ticket", "text", "created_at")
        .order_by("created_at")[:50]
    )
    out = []
    for other in pool:
        score = demand_text.similarity(demand.text, other.text)
        if score >= threshold:
            other.similarity = round(score, 2)
            out.append(other)
    return out


def public_lookup(*, ticket: str, last4: str) -> Demand | None:
    """A resident's own demand by ticket and the last four digits of the phone they gave; else None."""
    ticket, last4 = (ticket or "").strip(), (last4 or "").strip()
    if not ticket or len(last4) != 4 or not last4.isdigit():
        return None
    demand = (
        Demand.objects.select_related("owner_unit", "owner_department", "category", "place_unit")
        .filter(ticket=ticket)
        .first()
    )
    if demand is None or not demand.phone_masked or demand.phone_masked[-4:] != last4:
        return None
    return demand


# ---------------------------------------------------------------- dashboard


def _rate(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


@dataclass
class Row:
    label: str
    total: int = 0
    open: int = 0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    avg_days: float | None = None
    breaches: int = 0
    transfers: int = 0
    extra: dict = field(default_factory=dict)


def _counts(now) -> dict:
    """Additive counts per group, so one GROUP BY pass can be rolled up into every table."""
    return {
        **stats.additive_counts(),
        "due_to_accept": Count("id", filter=Q(accepted_at__isnull=False) | Q(accept_due__lte=now)),
    }


ADDITIVE = (
    "total",
    "open",
    "due_to_accept",
    "accepted_on_time_n",
    "verdicts",
    "resolved_n",
    "satisfied_n",
    "answered_n",
    "hours_sum",
    "breaches_n",
    "transfers_n",
)


def _row(label: str, values: dict) -> Row:
    return Row(
        label=label,
        total=values["total"],
        open=values["open"],
        response_rate=_rate(values["accepted_on_time_n"], values["due_to_accept"]),
        resolution_rate=_rate(values["resolved_n"], values["verdicts"]),
        satisfaction_rate=_rate(values["satisfied_n"], values["verdicts"]),
        avg_days=round(values["hours_sum"] / values["answered_n"] / 24, 1) if values["answered_n"] else None,
        breaches=values["breaches_n"],
        transfers=values["transfers_n"] or 0,
    )


def _roll_up(groups: list[dict], key) -> list[tuple]:
    totals: dict = {}
    for g in groups:
        k = key(g)
        if k is None:
            continue
        acc = totals.setdefault(k, dict.fromkeys(ADDITIVE, 0))
        for name in ADDITIVE:
            acc[name] += g[name] or 0
    return sorted(totals.items())


def dashboard_since(now=None):
    """The first moment of the dashboard's window: this month and the eleven before it (local time)."""
    month = stats.month_of(now or timezone.now())
    year, index = divmod(month.year * 12 + month.month - 1 - 11, 12)
    return stats.month_start(month.replace(year=year, month=index + 1))


def _stat_scope(user) -> Q | None:
    """The DemandStat rows that are exactly the user's demand_scope, or None when only the demands say it.

    A county-wide viewer sees every demand of the county (a demand's place and owner are always in its
    county); a county department handler sees what is routed to the department. Narrower scopes
    (township, village) need the demand's place, which the rows do not keep, and are fast live anyway.
    """
    if not getattr(user, "is_authenticated", False) or not user.has_perm("demands.view_demand"):
        return None
    if user.role == Role.COUNTY_HANDLER:
        return Q(owner_department_id=user.department_id) if user.department_id else None
    counties = _whole_counties(user)
    return Q(county_id__in=counties) if counties is not None else None


def _groups_from_stats(user, where: Q, since, now) -> list[dict]:
    """The same groups as the live GROUP BY, summed from the monthly rows plus a live count of the few
    demands not yet accepted whose accept deadline is still ahead (not yet due for the response rate)."""
    keys = ("owner_unit_id", "owner_department_id", "category_id")
    rows = list(
        DemandStat.objects.filter(where, month__gte=stats.month_of(since))
        .values(*keys)
        .annotate(**{name: Sum(name) for name in stats.COUNT_FIELDS})
        .order_by()
    )
    # `where` names the same demands as demand_scope here (county, or department). The query has only the
    # accept_due range for the planner to start from, so it reads just the demands whose accept deadline
    # is still ahead (a day or two of intake); the window's start is checked here, not in SQL, because
    # SQLite would otherwise walk the created_at index over the whole year.
    not_due: Counter = Counter()
    for *key, created_at in (
        Demand.objects.filter(where, accepted_at__isnull=True, accept_due__gt=now)
        .values_list(*keys, "created_at")
        .order_by()
    ):
        if created_at >= since:
            not_due[tuple(key)] += 1
    for r in rows:
        r["due_to_accept"] = r["accepted_n"] + r["unaccepted_n"] - not_due.get(tuple(r[k] for k in keys), 0)
    return rows


def dashboard(*, user, since=None, live: bool = False) -> dict:
    """The three rates (响应率 on-time acceptance, 解决率 and 满意率 by the resident's own verdict),
    time to answer, breaches and transfers: overall, per owning unit, per department and per category,
    over what the user can see, for this month and the eleven before it. County-wide and department
    scopes sum the monthly DemandStat rows; narrower scopes run one GROUP BY pass on ids (no joins).
    Both are rolled up in Python. `live=True` forces the pass over the demands (tests compare the two)."""
    now = timezone.now()
    since = since or dashboard_since(now)
    where = None if live or since != dashboard_since(now) else _stat_scope(user)
    if where is not None:
        groups = _groups_from_stats(user, where, since, now)
    else:
        groups = list(
            demand_scope(user)
            .filter(created_at__gte=since)
            .values("owner_unit_id", "owner_department_id", "category_id")
            .annotate(**_counts(now))
            .order_by()
        )
    owner_units = {
        u.pk: u
        for u in AdminUnit.objects.filter(pk__in={g["owner_unit_id"] for g in groups}).select_related(
            "parent", "parent__parent"
        )
    }
    # A county-wide viewer gets one row per township (its villages rolled in), not three hundred villages.
    county_wide = any(p.count("/") <= 2 for p in jurisdiction_paths(user))

    def unit_key(unit: AdminUnit) -> tuple[str, str]:
        if county_wide and unit.level in (AdminUnit.Level.VILLAGE, AdminUnit.Level.GRID) and unit.parent_id:
            town = unit.parent if unit.level == AdminUnit.Level.VILLAGE else unit.parent.parent
            return (town.code + "-villages", _("%(town)s各村") % {"town": town.name})
        return (unit.code, unit.name)

    units = {pk: unit_key(u) for pk, u in owner_units.items()}
    departments = {
        d.pk: (d.unit.code, d.name, f"{d.unit.name}{d.name}")
        for d in Department.objects.filter(pk__in={g["owner_department_id"] for g in groups}).select_related(
            "unit"
        )
    }
    categories = {
        c.pk: (c.sort_order, c.code, c.name)
        for c in Category.objects.filter(pk__in={g["category_id"] for g in groups})
    }
    empty = dict.fromkeys(ADDITIVE, 0)
    overall = _row("", dict(_roll_up(groups, lambda g: "all")).get("all", empty))
    by_unit = [_row(k[1], v) for k, v in _roll_up(groups, lambda g: units[g["owner_unit_id"]])]
    by_department = [
        _row(k[2], v) for k, v in _roll_up(groups, lambda g: departments.get(g["owner_department_id"]))
    ]
    by_category = [_row(k[2], v) for k, v in _roll_up(groups, lambda g: categories[g["category_id"]])]
    return {
        "overall": overall,
        "by_unit": by_unit,
        "by_department": by_department,
        "by_category": by_category,
        "since": since,
    }


DASHBOARD_CACHE_SECONDS = 300


def dashboard_cached(*, user) -> dict:
    """The dashboard for the user's scope, recomputed at most every five minutes: a year's rates do not
    move by the minute, and a county-wide pass over 50,000 demands is too slow to repeat on every view."""
    paths = ",".join(jurisdiction_paths(user))
    key = f"demands:dashboard:{user.role}:{user.department_id}:{hashlib.sha256(paths.encode()).hexdigest()}"
    data = cache.get(key)
    if data is None:
        data = dashboard(user=user)
        data["computed_at"] = timezone.now()
        cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def panel_counts(*, user) -> dict:
    qs = demand_scope(user).filter(status__in=OPEN_STATUSES)
    return qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(accept_breached=True) | Q(resolve_breached=True)),
        pending=Count("id", filter=Q(status="pending")),
    )


# ---------------------------------------------------------------- county configuration


def config_county(user) -> AdminUnit:
    """The county a county administrator configures: the first county in their jurisdiction, else 403."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("demands.change_category"):
        raise PermissionDenied(_("只有县管理员可以修改诉求设置"))
    county = (
        AdminUnit.objects.filter(scope_q(user, "path"), level=AdminUnit.Level.COUNTY).order_by("code").first()
    )
    if county is None:
        raise PermissionDenied(_("只有县管理员可以修改诉求设置"))
    return county


def config_overview(*, county: AdminUnit, year: int) -> dict:
    from demands.models import AuthorityRule, CalendarDay, DemandSetting, Open311Client

    categories = list(Category.objects.filter(county=county).order_by("sort_order", "code"))
    rules = (
        AuthorityRule.objects.filter(category__county=county)
        .select_related("category", "department", "department__unit")
        .order_by("category__sort_order", "category__code", "priority", "id")
    )
    setting = DemandSetting.objects.filter(county=county).first()
    return {
        "county": county,
        "categories": categories,
        "rules": list(rules),
        "year": year,
        "days": list(CalendarDay.objects.filter(calendar__county=county, date__year=year).order_by("date")),
        "clients": list(Open311Client.objects.filter(county=county).order_by("-created_at")),
        "jurisdiction_id": setting.jurisdiction_id if setting else county.code,
        "configured_jurisdiction_id": setting.open311_jurisdiction_id if setting else "",
    }


def _config_get(qs, *, user, pk, county_field: str):
    """One configuration object of the administrator's county; anything else (or no right at all) is 404."""
    try:
        county = config_county(user)
        return qs.get(pk=pk, **{county_field: county})
    except PermissionDenied:
        raise Http404 from None
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def config_category_get(*, user, pk) -> Category:
    return _config_get(Category.objects.all(), user=user, pk=pk, county_field="county")


def config_departments(county: AdminUnit) -> QuerySet:
    """The county's departments (its own and its townships'), in the order the rule form lists them."""
    return (
        Department.objects.filter(unit__path__startswith=county.path)
        .select_related("unit")
        .order_by("unit__level", "unit__code", "code")
    )


def config_rule_get(*, user, pk):
    from demands.models import AuthorityRule

    return _config_get(
        AuthorityRule.objects.select_related("category"),
        user=user,
        pk=pk,
        county_field="category__county",
    )


def config_day_get(*, user, pk):
    from demands.models import CalendarDay

    return _config_get(
        CalendarDay.objects.select_related("calendar__county"),
        user=user,
        pk=pk,
        county_field="calendar__county",
    )


def config_client_get(*, user, pk):
    from demands.models import Open311Client

    return _config_get(Open311Client.objects.all(), user=user, pk=pk, county_field="county")


# ---- the residents' own form -------------------------------------------------------------------


def public_village_choices() -> list[tuple[int, str]]:
    """(id, "township village") of every village, in code order, for the public form's select: plain
    rows, as the ~300 villages as model instances with their townships cost half of that page's CPU."""
    rows = AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE).order_by("code")
    return [
        (pk, f"{township} {name}") for pk, township, name in rows.values_list("pk", "parent__name", "name")
    ]


def public_village(pk) -> AdminUnit | None:
    """The village a resident chose on the public form, with its township, or None."""
    return AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE, pk=pk).select_related("parent").first()
