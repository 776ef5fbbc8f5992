"""Reads of visits, coverage, plans and trips, always scoped to the user's jurisdiction.

Coverage is computed from recorded visits only (nobody fills a coverage form), in SQL: the latest
qualifying visit per household is a Max annotation, on-time shares are conditional counts with an
EXISTS over the (household, mode, visited_at) index.
"""

import hashlib
import time as time_module
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core import versions
from registry.models import Household, Person, Tag
from territory.models import AdminUnit, Staff
from territory.roles import Role
from territory.selectors import jurisdiction_paths, prefix_q, scope_q
from visits.models import (
    CONTACT_MODES,
    Mode,
    Plan,
    PlanRoute,
    PlanStop,
    TravelRule,
    Trip,
    Visit,
    VisitConflict,
    VisitPolicy,
)

LIVING = (Person.Residence.RESIDENT,)


def _can(user, perm: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(perm))


def _today() -> date:
    return timezone.localdate()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---- visits ---------------------------------------------------------------------------------


def visit_scope(user) -> QuerySet[Visit]:
    if not _can(user, "visits.view_visit"):
        return Visit.objects.none()
    return Visit.objects.filter(scope_q(user, "scope_path"))


def visit_list(*, user, filters: dict | None = None) -> QuerySet[Visit]:
    """Filters: household (id), village (id), mode, actor (id), since (date)."""
    filters = filters or {}
    qs = visit_scope(user).select_related("household", "household__village", "person", "actor")
    if filters.get("household"):
        qs = qs.filter(household_id=filters["household"])
    if filters.get("village"):
        qs = qs.filter(household__village_id=filters["village"])
    if filters.get("mode"):
        qs = qs.filter(mode=filters["mode"])
    if filters.get("actor"):
        qs = qs.filter(actor_id=filters["actor"])
    if filters.get("since"):
        qs = qs.filter(visited_at__gte=_start_of(filters["since"]))
    return qs.order_by("-visited_at", "-id")


def with_receipts(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    """Adds receipt_seq: the fair-record entry of each visit, for a receipt link in one query."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from journal.models import Entry

    latest = Entry.objects.filter(
        target_type=Visit._meta.label_lower, target_id=Cast(OuterRef("pk"), CharField())
    ).order_by("-seq")
    return qs.annotate(receipt_seq=Subquery(latest.values("seq")[:1]))


def visit_get(*, user, pk) -> Visit:
    try:
        return visit_list(user=user).get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def conflict_list(*, user, include_resolved: bool = False) -> QuerySet[VisitConflict]:
    qs = VisitConflict.objects.filter(visit__in=visit_scope(user)).select_related(
        "visit", "visit__household", "actor"
    )
    return qs if include_resolved else qs.filter(resolved=False)


def conflict_get(*, user, pk) -> VisitConflict:
    try:
        return conflict_list(user=user, include_resolved=True).get(pk=pk)
    except (VisitConflict.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---- policies ---------------------------------------------------------------------------------


def _county_codes(user) -> set[str]:
    return {p.split("/")[1] for p in jurisdiction_paths(user)}


_POLICY_VERSION_KEY = "visits:policy-version"
_POLICY_SECONDS = 600


def policies_changed() -> None:
    """A visit policy or a tag was saved or deleted: every cached policy list is stale, now and again
    after commit (visits.signals). Policies are read on every worklist, due list and recorded visit."""
    versions.renew(_POLICY_VERSION_KEY)


def policy_list(*, user) -> list[VisitPolicy]:
    """Active policies of the counties the user works in (from the cache while no policy or tag changed)."""
    codes = _county_codes(user)
    if not codes:
        return []
    return county_policy_list(sorted(codes))


def county_policy_list(codes: list[str]) -> list[VisitPolicy]:
    key = "visits:policies:" + ",".join(codes)
    got = cache.get_many([_POLICY_VERSION_KEY, key])
    version, stored = got.get(_POLICY_VERSION_KEY), got.get(key)
    if version is not None and stored is not None and stored[0] == version:
        return list(stored[1])
    # The version is read before the database: a stored list is never newer than its version.
    version = version if version is not None else versions.current(_POLICY_VERSION_KEY)
    policies = list(
        VisitPolicy.objects.filter(county__code__in=codes, active=True)
        .select_related("tag", "county")
        .order_by("interval_days", "name")
    )
    cache.set(key, (version, policies), _POLICY_SECONDS)
    return policies


def rule_counties(*, user) -> list[AdminUnit]:
    """Counties whose visit policies or travel rule the user may change."""
    if not (_can(user, "visits.change_visitpolicy") or _can(user, "visits.change_travelrule")):
        return []
    codes = _county_codes(user)
    paths = jurisdiction_paths(user)
    counties = AdminUnit.objects.filter(code__in=codes, level=AdminUnit.Level.COUNTY).order_by("code")
    # A village official's county is only the start of their path: they need the county itself.
    return [c for c in counties if any(c.path.startswith(p) for p in paths)]


def county_policies(*, county: AdminUnit) -> list[VisitPolicy]:
    """All policies of one county, switched-off ones too, for the page that edits them."""
    return list(
        VisitPolicy.objects.filter(county=county)
        .select_related("tag")
        .order_by("-active", "interval_days", "name")
    )


def policy_get_for_change(*, user, pk) -> VisitPolicy:
    counties = {c.pk for c in rule_counties(user=user)} if _can(user, "visits.change_visitpolicy") else set()
    try:
        return VisitPolicy.objects.select_related("county", "tag").get(pk=pk, county_id__in=counties)
    except (VisitPolicy.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _modes(policy: VisitPolicy) -> tuple:
    return (Mode.IN_PERSON,) if policy.in_person_only else CONTACT_MODES


def _policy_households(policy: VisitPolicy, households: QuerySet[Household]) -> QuerySet[Household]:
    if policy.tag_id is None:
        return households.filter(occupancy=policy.occupancy)
    if policy.tag.scope == Tag.Scope.HOUSEHOLD:
        return households.filter(tags=policy.tag_id)
    holders = Person.objects.filter(tags=policy.tag_id, residence__in=LIVING).values("household_id")
    return households.filter(pk__in=holders)


def _household_scope(user) -> QuerySet[Household]:
    if not _can(user, "visits.view_visit"):
        return Household.objects.none()
    return Household.objects.filter(scope_q(user, "scope_path"))


@dataclass
class Due:
    """A household needing a visit: why, how overdue, what it is worth to the planner (the shared due
    list's households are DueHousehold values, due_list's are model rows)."""

    household: "Household | DueHousehold"
    policies: list[str] = field(default_factory=list)
    overdue_days: int = 0
    never: bool = False
    last_visit: datetime | None = None
    follow_up: date | None = None
    weight: int = 0
    mode: str = Mode.IN_PERSON

    @property
    def reason(self) -> str:
        return "、".join(self.policies)


@dataclass(frozen=True)
class DueVillage:
    pk: int
    name: str


@dataclass(frozen=True)
class DueHousehold:
    """What the worklist and the due API show of a household, as the shared due list keeps it: a cached
    village piece holds plain values, not model rows (pickling 60 Household rows with their villages
    took 2-5 ms and unpickling 1.5-2 ms, on every read of a worklist and every recorded visit)."""

    pk: int
    head_name: str
    address: str
    scope_path: str
    village: DueVillage


def _packed(due: Due) -> tuple:
    h = due.household
    return (
        h.pk,
        h.head_name,
        h.address,
        h.scope_path,
        h.village_id,
        h.village.name,
        tuple(due.policies),
        due.overdue_days,
        due.never,
        due.last_visit,
        due.follow_up,
        due.weight,
        str(due.mode),
    )


def _unpacked(row: tuple) -> Due:
    pk, head_name, address, scope_path, village_id, village_name, policies, *rest = row
    household = DueHousehold(pk, head_name, address, scope_path, DueVillage(village_id, village_name))
    overdue_days, never, last_visit, follow_up, weight, mode = rest
    return Due(household, list(policies), overdue_days, never, last_visit, follow_up, weight, mode)


def due_list(
    *, user, day: date | None = None, village: int | None = None, households: QuerySet | None = None
) -> list[Due]:
    """Households overdue under a policy on `day`, or whose follow-up date has come, most overdue first."""
    day = day or _today()
    base = _household_scope(user)
    if households is not None:
        base = base.filter(pk__in=households.values("pk"))
    if village:
        base = base.filter(village_id=village)
    return _sorted_dues(_due_rows(base, policy_list(user=user), day))


def _due_rows(base: QuerySet[Household], policies: list[VisitPolicy], day: date) -> list[Due]:
    """The Due rows of the households in `base` under `policies` (unsorted), households attached."""
    end_of_day = _start_of(day + timedelta(days=1))
    # Each policy's query answers (household id, last qualifying visit) pairs only, and the households
    # of the answer are read once at the end: reading whole rows per policy built a model instance per
    # (policy, household). One query for all policies (subqueries per household) was tried and dropped:
    # no faster on a village and three to seven times slower on a township or county, where these
    # per-policy joins walk only the tagged rows.
    found: dict[int, Due] = {}
    for policy in policies:
        pairs = (
            _policy_households(policy, base)
            .order_by()
            .annotate(last=Max("visits__visited_at", filter=Q(visits__mode__in=_modes(policy))))
            .filter(Q(last__isnull=True) | Q(last__lt=end_of_day - timedelta(days=policy.interval_days)))
            .values_list("pk", "last")
        )
        for pk, last in pairs:
            if last is None:
                days, never = policy.interval_days, True
            else:
                due_on = timezone.localtime(last).date() + timedelta(days=policy.interval_days)
                days, never = (day - due_on).days, False
            row = found.get(pk)
            if row is None:
                row = found[pk] = Due(household=None, last_visit=last, never=never)
            row.policies.append(policy.name)
            row.weight += policy.weight
            if days > row.overdue_days:
                row.overdue_days = days
            if policy.in_person_only:
                row.mode = Mode.IN_PERSON
            elif len(row.policies) == 1:
                row.mode = Mode.PHONE
    follow_ups = (
        base.order_by()
        .annotate(
            follow=Subquery(
                Visit.objects.filter(household=OuterRef("pk"))
                .order_by("-visited_at", "-id")
                .values("next_visit_date")[:1]
            )
        )
        .filter(follow__isnull=False, follow__lte=day)
        .values_list("pk", "follow")
    )
    for pk, follow in follow_ups:
        row = found.get(pk)
        if row is None:
            row = found[pk] = Due(household=None)
        row.follow_up = follow
        row.mode = Mode.IN_PERSON
    if found:
        for household in Household.objects.filter(pk__in=list(found)).select_related("village"):
            found[household.pk].household = household
    # A household deleted between the queries above has no row left to show.
    return [d for d in found.values() if d.household is not None]


def _sorted_dues(dues: list[Due]) -> list[Due]:
    return sorted(dues, key=lambda d: (d.follow_up is None, -d.overdue_days, -d.weight, d.household.pk))


def _shared_key(kind: str, user, *parts) -> str:
    """The cache key of a figure that staff with the same scope share: today, the jurisdiction, whether
    visits may be seen, and whatever else the figure depends on (`parts`)."""
    signature = (kind, _today().isoformat(), jurisdiction_paths(user), _can(user, "visits.view_visit"), parts)
    return f"visits:{kind}:" + hashlib.sha256(repr(signature).encode()).hexdigest()


# ---- the shared due list: one cached piece per village -----------------------------------------
#
# The due list is six aggregate queries over the scope's households and visits: most of the worklist's
# cost, for a list that changes only when someone visits. It is kept in the cache as one piece per
# village (every household of the village, under its county's policies), shared by everyone whose
# jurisdiction covers the village; a township's or county's list is its villages' pieces put together.
# A piece carries the village's version and the time it was computed, and is used while both hold:
#
# - a recorded visit gives the village a new version at once (the rest of its transaction, and tests
#   inside one, then compute the piece afresh) and, after commit, puts the piece right by reading that
#   one household again (`due_list_visited`, which says why that is safe) instead of leaving the whole
#   village to be recomputed: under the load test an official's list was otherwise recomputed after
#   nearly every visit;
# - the policies' settings are part of the key: an edited policy takes effect at once;
# - anything else that moves a household onto or off the list (a ledger import, a new tag, a household
#   moving) shows within DOORSTEP_DUE_CACHE_SECONDS of the piece's computation, patched or not.
#
# Unit paths are /county/township/village/grid/ (territory.models.AdminUnit.Level): a village's path
# is the first three codes of its households' scope paths.

DUE_VERSION_PREFIX = "visits:due-version:"
_DUE_PIECE_PREFIX = "visits:due-piece:"
_VILLAGE_DEPTH = 3


def _depth(path: str) -> int:
    return path.count("/") - 1


def _village_path(scope_path: str) -> str:
    return "/" + "/".join([p for p in scope_path.split("/") if p][:_VILLAGE_DEPTH]) + "/"


def _policies_signature(policies: list[VisitPolicy]) -> str:
    settings_ = [
        (p.pk, p.name, p.tag_id, p.occupancy, p.interval_days, p.required_mode, p.weight) for p in policies
    ]
    return hashlib.sha256(repr(settings_).encode()).hexdigest()[:16]


def _piece_key(village_path: str, day: date, policies: list[VisitPolicy]) -> str:
    return f"{_DUE_PIECE_PREFIX}{day.isoformat()}:{village_path}:{_policies_signature(policies)}"


def _county_policy_map(user) -> dict[str, list[VisitPolicy]]:
    by_county: dict[str, list[VisitPolicy]] = {}
    for policy in policy_list(user=user):
        by_county.setdefault(policy.county.code, []).append(policy)
    return by_county


def _county_code(path: str) -> str:
    return path.split("/")[1]


def due_list_shared(*, user, village: int | None = None) -> list[Due]:
    """Today's due list (due_list), from the cached village pieces (see above)."""
    seconds = settings.DOORSTEP_DUE_CACHE_SECONDS
    paths = jurisdiction_paths(user)
    if (
        seconds <= 0
        or not paths
        or not _can(user, "visits.view_visit")
        or any(_depth(p) > _VILLAGE_DEPTH for p in paths)
    ):
        # A grid's staff see part of a village: their short list is computed as it is asked for.
        return due_list(user=user, village=village)
    if village or any(_depth(p) < _VILLAGE_DEPTH for p in paths):
        units = AdminUnit.objects.filter(scope_q(user, "path"), level=AdminUnit.Level.VILLAGE)
        if village:
            units = units.filter(pk=village)
        villages = list(units.values_list("path", flat=True))
    else:
        villages = list(paths)
    if not villages:
        return []
    return _sorted_dues(_village_dues(villages, _county_policy_map(user), _today(), seconds))


def _village_dues(villages: list[str], by_county: dict, day: date, seconds: int) -> list[Due]:
    keys = {
        v: (_piece_key(v, day, by_county.get(_county_code(v), [])), DUE_VERSION_PREFIX + v) for v in villages
    }
    got = cache.get_many([k for pair in keys.values() for k in pair])
    now = time_module.time()
    dues: list[Due] = []
    missing: dict[str, str] = {}
    for village, (piece_key, version_key) in keys.items():
        piece, version = got.get(piece_key), got.get(version_key)
        if piece is not None and version is not None and piece[0] == version and now - piece[1] < seconds:
            dues.extend(_unpacked(row) for row in piece[2])
        else:
            # The version is read before the database: a piece is never newer than its version.
            missing[village] = version if version is not None else versions.current(version_key)
    if not missing:
        return dues
    fresh: dict[str, list[tuple]] = {v: [] for v in missing}
    by_code: dict[str, list[str]] = {}
    for village in missing:
        by_code.setdefault(_county_code(village), []).append(village)
    for code, group in by_code.items():
        q = Q()
        for village in group:
            q |= prefix_q("scope_path", village)
        for due in _due_rows(Household.objects.filter(q), by_county.get(code, []), day):
            fresh[_village_path(due.household.scope_path)].append(_packed(due))
    cache.set_many({keys[v][0]: (missing[v], now, rows) for v, rows in fresh.items()}, seconds)
    for rows in fresh.values():
        dues.extend(_unpacked(row) for row in rows)
    return dues


def due_list_visiting(scope_path: str) -> tuple[str, str | None, str]:
    """A visit is being recorded under `scope_path`: its village's piece is stale from now on (the rest
    of the recording transaction, and anything reading the database inside it, sees the visit).

    Returns what `due_list_visited` needs after commit: the village, its version before and now.
    """
    village = _village_path(scope_path)
    key = DUE_VERSION_PREFIX + village
    before, during = cache.get(key), uuid.uuid4().hex
    cache.set(key, during, None)
    return village, before, during


def due_list_visited(household: Household, visiting: tuple[str, str | None, str]) -> None:
    """After the visit committed: put today's piece of the village right for this household alone.

    A piece whose version is the village's current one is right but for the households of visits
    whose own step here has not run yet: each visit changes the version when it starts, so a piece
    stored since was read after that change, and every visit that had started before it comes here
    after its commit. The same holds for the piece that was current when this visit started, as long
    as no other visit has started since (the version is still this visit's). Such a piece (younger
    than DOORSTEP_DUE_CACHE_SECONDS) is patched, under a per-village lock so that two visits never
    patch one piece at once, and given a new version with the patch; otherwise (or when the lock is
    taken) the village gets a new version and its next reader computes the piece afresh.
    """
    village, before, during = visiting
    version_key, lock_key = DUE_VERSION_PREFIX + village, f"visits:due-lock:{village}"
    seconds = settings.DOORSTEP_DUE_CACHE_SECONDS
    if seconds <= 0 or not cache.add(lock_key, 1, 10):
        cache.set(version_key, uuid.uuid4().hex, None)
        return
    try:
        fresh_version = uuid.uuid4().hex
        policies = county_policy_list([_county_code(village)])
        day = _today()
        piece_key = _piece_key(village, day, policies)
        got = cache.get_many([version_key, piece_key])
        piece, current = got.get(piece_key), got.get(version_key)
        age = time_module.time() - piece[1] if piece is not None else seconds
        right = piece is not None and (piece[0] == current or (current == during and piece[0] == before))
        if right and age < seconds:
            rows = [row for row in piece[2] if row[0] != household.pk]
            rows += [_packed(d) for d in _due_rows(Household.objects.filter(pk=household.pk), policies, day)]
            # The piece keeps the time it was computed: a patch does not extend its life.
            cache.set(piece_key, (fresh_version, piece[1], rows), max(1, int(seconds - age)))
        cache.set(version_key, fresh_version, None)
    finally:
        cache.delete(lock_key)


def overdue_summary(*, user, day: date | None = None) -> dict:
    """How many households are overdue (and never visited), computed as id sets in SQL, for home panels."""
    with _no_jit():
        return _overdue_summary(user=user, day=day)


def _overdue_summary(*, user, day: date | None) -> dict:
    day = day or _today()
    end_of_day = _start_of(day + timedelta(days=1))
    base = _household_scope(user)
    overdue: set[int] = set()
    never: set[int] = set()
    for policy in policy_list(user=user):
        qs = _policy_households(policy, base)
        cutoff = end_of_day - timedelta(days=policy.interval_days) - timedelta(days=1)
        overdue.update(qs.filter(~_visited(policy, "pk", cutoff)).values_list("pk", flat=True))
        never.update(qs.filter(~_visited(policy, "pk", None)).values_list("pk", flat=True))
    return {"overdue": len(overdue), "never": len(never)}


# ---- coverage ---------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    key: object
    label: str
    total: int = 0
    on_time: int = 0
    never: int = 0

    @property
    def overdue(self) -> int:
        return self.total - self.on_time

    @property
    def share(self) -> int:
        return round(100 * self.on_time / self.total) if self.total else 100


def _subjects(user, policy: VisitPolicy):
    """(queryset with one row per person or household under the policy, its village field, its household field).

    Tag policies start from the tag's link table, so the database walks only the tagged rows."""
    if policy.tag_id is not None and policy.tag.scope == Tag.Scope.PERSON:
        qs = Person.tags.through.objects.filter(
            scope_q(user, "person__household__scope_path"), tag_id=policy.tag_id, person__residence__in=LIVING
        )
        return qs, "person__household__village_id", "person__household_id"
    if policy.tag_id is not None:
        if not _can(user, "visits.view_visit"):
            return Household.tags.through.objects.none(), "household__village_id", "household_id"
        qs = Household.tags.through.objects.filter(
            scope_q(user, "household__scope_path"), tag_id=policy.tag_id
        )
        return qs, "household__village_id", "household_id"
    households = _policy_households(policy, _household_scope(user))
    return households, "village_id", "pk"


def _visited(policy: VisitPolicy, ref: str, since: datetime | None, until: datetime | None = None):
    modes = _modes(policy)
    visits = Visit.objects.filter(household=OuterRef(ref))
    visits = visits.filter(mode=modes[0]) if len(modes) == 1 else visits.filter(mode__in=modes)
    if since is not None:
        visits = visits.filter(visited_at__gte=since)
    if until is not None:
        visits = visits.filter(visited_at__lt=until)
    return Exists(visits)


@dataclass
class Coverage:
    day: date
    policies: list[CoverageRow]
    villages: list[CoverageRow]
    townships: list[CoverageRow]
    cadres: list[CoverageRow]
    trend: list[dict]
    weekly_visits: list[dict]
    total: CoverageRow
    computed_at: datetime | None = None


@contextmanager
def _no_jit():
    """PostgreSQL's JIT spends ~1 s compiling these wide conditional aggregates, far more than it saves."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def coverage(*, user, day: date | None = None, weeks: int = 8) -> Coverage:
    """Share of people under each policy contacted as required on time, by village, township and cadre, with trend."""
    with _no_jit():
        return _coverage(user=user, day=day, weeks=weeks)


def coverage_report(*, user) -> Coverage:
    """Today's coverage, computed at most once per DOORSTEP_REPORT_CACHE_SECONDS for each jurisdiction.

    The report is a dozen wide aggregates over every household and visit in scope (~60 ms of CPU
    and ~30 ms of PostgreSQL for a township), and every cadre of a township opens it several times
    a day. Its answer depends only on the jurisdiction and on whether visits may be seen, so staff
    with the same scope share one cached copy; the page shows when it was computed (`computed_at`).
    """
    seconds = settings.DOORSTEP_REPORT_CACHE_SECONDS
    if seconds <= 0:
        return coverage(user=user)
    key = _shared_key("coverage", user)
    report = cache.get(key)
    if report is None:
        report = coverage(user=user)
        cache.set(key, report, seconds)
    return report


def _coverage(*, user, day: date | None, weeks: int) -> Coverage:
    day = day or _today()
    end = _start_of(day + timedelta(days=1))
    policies = policy_list(user=user) if _can(user, "visits.view_visit") else []
    by_policy: list[CoverageRow] = []
    by_village: dict[int, CoverageRow] = {}
    week_ends = [end - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    trend_num = [0] * weeks
    trend_den = [0] * weeks
    for policy in policies:
        qs, village_field, ref = _subjects(user, policy)
        # One grouped pass per policy: week i counts subjects contacted as required in the
        # `interval` days before that week's end; the last week's end is now, so it is "on time".
        weekly = {
            f"w{i}": Count("pk", filter=_visited(policy, ref, w - timedelta(days=policy.interval_days), w))
            for i, w in enumerate(week_ends)
        }
        rows = (
            qs.order_by()
            .values(village_field)
            .annotate(total=Count("pk"), never=Count("pk", filter=~_visited(policy, ref, None)), **weekly)
        )
        prow = CoverageRow(policy.pk, policy.name)
        for r in rows:
            vrow = by_village.setdefault(r[village_field], CoverageRow(r[village_field], ""))
            on_time = r[f"w{weeks - 1}"]
            for target in (prow, vrow):
                target.total += r["total"]
                target.on_time += on_time
                target.never += r["never"]
            for i in range(weeks):
                trend_num[i] += r[f"w{i}"]
                trend_den[i] += r["total"]
        by_policy.append(prow)
    units = {u.pk: u for u in AdminUnit.objects.filter(pk__in=by_village.keys()).select_related("parent")}
    townships: dict[int, CoverageRow] = {}
    for pk, row in by_village.items():
        unit = units[pk]
        row.label = unit.name
        row.key = unit
        trow = townships.setdefault(unit.parent_id, CoverageRow(unit.parent, unit.parent.name))
        trow.total += row.total
        trow.on_time += row.on_time
        trow.never += row.never
    cadres = _cadre_rows(user, by_village, units)
    total = CoverageRow(None, "")
    for row in by_policy:
        total.total += row.total
        total.on_time += row.on_time
        total.never += row.never
    trend = [
        {
            "week_end": (w - timedelta(days=1)).date(),
            "share": round(100 * trend_num[i] / trend_den[i]) if trend_den[i] else 100,
        }
        for i, w in enumerate(week_ends)
    ]
    return Coverage(
        computed_at=timezone.now(),
        day=day,
        policies=by_policy,
        villages=sorted(by_village.values(), key=lambda r: (r.share, r.label)),
        townships=sorted(townships.values(), key=lambda r: (r.share, r.label)),
        cadres=cadres,
        trend=trend,
        weekly_visits=weekly_visits(user=user, day=day, weeks=weeks),
        total=total,
    )


def _cadre_rows(user, by_village: dict, units: dict) -> list[CoverageRow]:
    """Coverage of the villages each township cadre or village official is responsible for."""
    if not by_village:
        return []
    through = Staff.jurisdictions.through
    links = (
        through.objects.filter(
            adminunit_id__in=by_village.keys(),
            staff__is_active=True,
            staff__role__in=[Role.TOWNSHIP_CADRE, Role.VILLAGE_OFFICIAL],
        )
        .values_list("staff_id", "staff__full_name", "staff__username", "adminunit_id")
        .order_by("staff_id")
    )
    rows: dict[int, CoverageRow] = {}
    for staff_id, full_name, username, unit_id in links:
        row = rows.setdefault(staff_id, CoverageRow(staff_id, full_name or username))
        v = by_village[unit_id]
        row.total += v.total
        row.on_time += v.on_time
        row.never += v.never
    return sorted(rows.values(), key=lambda r: (r.share, r.label))


def weekly_visits(*, user, day: date | None = None, weeks: int = 8) -> list[dict]:
    """Visits per week (the 7 days ending each week end), in person apart from remote contact."""
    day = day or _today()
    end = _start_of(day + timedelta(days=1))
    bounds = [(end - timedelta(weeks=i + 1), end - timedelta(weeks=i)) for i in range(weeks - 1, -1, -1)]
    rows = (
        visit_scope(user)
        .filter(visited_at__gte=bounds[0][0], visited_at__lt=end)
        .order_by()
        .values("mode")
        .annotate(
            **{
                f"w{i}": Count("pk", filter=Q(visited_at__gte=a, visited_at__lt=b))
                for i, (a, b) in enumerate(bounds)
            }
        )
    )
    buckets = [
        {"week_end": (b - timedelta(days=1)).date(), "in_person": 0, "remote": 0, "not_home": 0}
        for _a, b in bounds
    ]
    for r in rows:
        key = (
            "in_person"
            if r["mode"] == Mode.IN_PERSON
            else "not_home"
            if r["mode"] == Mode.NOT_HOME
            else "remote"
        )
        for i in range(weeks):
            buckets[i][key] += r[f"w{i}"]
    return buckets


# ---- plans ---------------------------------------------------------------------------------


def plan_scope(user) -> QuerySet[Plan]:
    if not _can(user, "visits.view_plan"):
        return Plan.objects.none()
    return Plan.objects.filter(
        scope_q(user, "scope_path") | Q(created_by=user) | Q(routes__cadre=user)
    ).distinct()


def plan_list(*, user) -> QuerySet[Plan]:
    return plan_scope(user).select_related("township", "created_by").order_by("-date", "-id")


def plan_get(*, user, pk) -> Plan:
    try:
        return plan_list(user=user).get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def route_stops(*, plan: Plan) -> list[PlanRoute]:
    return list(plan.routes.select_related("cadre").prefetch_related(_stops_prefetch()))


def plan_loads(routes: list[PlanRoute]) -> list[dict]:
    """Each cadre's share of the day: stops, km, hours out, with a bar scaled to the busiest."""
    loads = []
    for r in routes:
        stops = len(r.stops.all())
        minutes = (r.end_time.hour * 60 + r.end_time.minute) - (r.start_time.hour * 60 + r.start_time.minute)
        loads.append(
            {"route": r, "stops": stops, "km": r.distance_km, "hours": round(max(minutes, 0) / 60, 1)}
        )
    busiest = max((x["stops"] for x in loads), default=0) or 1
    for x in loads:
        x["percent"] = round(100 * x["stops"] / busiest)
    return loads


def distance_matrix_rows(*, township: AdminUnit) -> list[dict]:
    """A township's stored distance table as rows of household numbers ("0" for the office)."""
    from visits.models import PlannerSettings

    obj = PlannerSettings.objects.filter(township=township).first()
    stored = (obj.distance_matrix if obj else None) or {}
    pks = {int(p) for key in stored for p in key.split("-", 1) if p != "depot"}
    numbers = dict(Household.objects.filter(pk__in=pks).values_list("pk", "household_no"))
    rows = []
    for key, km in stored.items():
        a, b = key.split("-", 1)
        ends = ["0" if x == "depot" else numbers.get(int(x), x) for x in (a, b)]
        rows.append({"from": ends[0], "to": ends[1], "km": km})
    return rows


def _stops_prefetch():
    from django.db.models import Prefetch

    return Prefetch(
        "stops", queryset=PlanStop.objects.select_related("household", "household__village").order_by("seq")
    )


def stop_get(*, user, pk) -> PlanStop:
    try:
        return PlanStop.objects.select_related("route", "route__plan", "household").get(
            pk=pk, route__plan__in=plan_scope(user)
        )
    except (PlanStop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def route_get(*, user, pk) -> PlanRoute:
    try:
        return PlanRoute.objects.select_related("plan", "plan__township", "cadre").get(
            pk=pk, plan__in=plan_scope(user)
        )
    except (PlanRoute.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


_ROUTE_VERSION_PREFIX = "visits:route-version:"


def routes_changed(cadre_ids) -> None:
    """A plan or route of these staff was saved or deleted (visits.signals): whatever was remembered
    about their routes is stale, now and again after commit."""
    versions.renew(*(f"{_ROUTE_VERSION_PREFIX}{pk}" for pk in set(cadre_ids) if pk is not None))


def todays_route(*, user, day: date | None = None) -> PlanRoute | None:
    """The cadre's own route for the day, if a plan was made: it leads the worklist.

    Most staff have no route on most days, and the worklist asks on every view: that answer is kept
    (under the user's route version, renewed by any change of their plans and routes) for the day.
    """
    day = day or _today()
    version_key, none_key = (
        f"{_ROUTE_VERSION_PREFIX}{user.pk}",
        f"visits:no-route:{user.pk}:{day.isoformat()}",
    )
    got = cache.get_many([version_key, none_key])
    version = got.get(version_key)
    if version is not None and got.get(none_key) == version:
        return None
    # The version is read before the database: a remembered "none" is never newer than its version.
    version = version if version is not None else versions.current(version_key)
    route = (
        PlanRoute.objects.filter(cadre=user, plan__date=day, plan__status=Plan.Status.DONE)
        .select_related("plan")
        .prefetch_related(_stops_prefetch())
        .order_by("-plan_id")
        .first()
    )
    if route is None:
        cache.set(none_key, version, 24 * 3600)
    return route


def plannable_cadres(*, user) -> list[Staff]:
    """The user and the cadres/officials working inside the user's jurisdiction."""
    staff = {
        s.pk: s
        for s in Staff.objects.filter(
            scope_q(user, "jurisdictions__path"),
            is_active=True,
            role__in=[Role.TOWNSHIP_CADRE, Role.VILLAGE_OFFICIAL],
        ).distinct()
    }
    if getattr(user, "is_authenticated", False) and user.role in (Role.TOWNSHIP_CADRE, Role.VILLAGE_OFFICIAL):
        staff[user.pk] = user
    return sorted(staff.values(), key=lambda s: (s.role != Role.TOWNSHIP_CADRE, s.username))


def planning_townships(*, user) -> list[AdminUnit]:
    """Townships the user can plan in: their own township units, or the townships of their villages."""
    units = list(user.jurisdictions.select_related("parent")) if user.is_authenticated else []
    found = {}
    for unit in units:
        if unit.level == AdminUnit.Level.TOWNSHIP:
            found[unit.pk] = unit
        elif unit.level == AdminUnit.Level.VILLAGE and unit.parent:
            found[unit.parent_id] = unit.parent
        elif unit.level == AdminUnit.Level.COUNTY:
            for t in unit.children.all():
                found[t.pk] = t
    return sorted(found.values(), key=lambda u: u.code)


# ---- travel ---------------------------------------------------------------------------------


def trip_scope(user) -> QuerySet[Trip]:
    if not _can(user, "visits.view_trip"):
        return (
            Trip.objects.filter(cadre=user)
            if getattr(user, "is_authenticated", False)
            else Trip.objects.none()
        )
    return Trip.objects.filter(scope_q(user, "scope_path") | Q(cadre=user))


def trip_list(*, user, cadre=None, month: date | None = None) -> QuerySet[Trip]:
    qs = trip_scope(user).select_related("cadre")
    if cadre is not None:
        qs = qs.filter(cadre=cadre)
    if month is not None:
        qs = qs.filter(date__year=month.year, date__month=month.month)
    return qs.order_by("date", "id")


def travel_rule_for(county: AdminUnit) -> TravelRule:
    return TravelRule.objects.filter(county=county).first() or TravelRule(county=county)


@dataclass
class Claim:
    cadre: Staff
    month: date
    trips: list
    km: float
    fuel_litres: float
    cost: float
    subsidy: float
    gap: float
    rule: TravelRule | None


def monthly_claim(*, user, cadre: Staff, month: date) -> Claim:
    """One cadre's month: trips, what the fuel cost, what the subsidy pays, and the gap between them."""
    trips = list(trip_list(user=user, cadre=cadre, month=month))
    county = trips[0].county if trips else None
    if county is None:
        codes = _county_codes(cadre) or _county_codes(user)
        county = AdminUnit.objects.filter(code__in=codes).first()
    rule = travel_rule_for(county) if county else TravelRule()
    km = float(sum(t.km for t in trips))
    litres = km * float(rule.consumption_l_per_100km) / 100
    cost = round(litres * float(rule.fuel_price), 2)
    subsidy = round(float(rule.subsidy_per_month) + km * float(rule.subsidy_per_km), 2) if trips else 0.0
    return Claim(
        cadre=cadre,
        month=month,
        trips=trips,
        km=round(km, 1),
        fuel_litres=round(litres, 1),
        cost=cost,
        subsidy=subsidy,
        gap=round(cost - subsidy, 2),
        rule=rule,
    )


def township_gap(*, user, month: date) -> list[Claim]:
    """Every cadre with trips in the month inside the user's jurisdiction, largest gap first."""
    cadre_ids = trip_list(user=user, month=month).values_list("cadre_id", flat=True).distinct()
    cadres = Staff.objects.filter(pk__in=list(cadre_ids))
    claims = [monthly_claim(user=user, cadre=c, month=month) for c in cadres]
    return sorted(claims, key=lambda c: -c.gap)


def claim_cadres(*, user) -> QuerySet[Staff]:
    ids = trip_scope(user).values_list("cadre_id", flat=True).distinct()
    return Staff.objects.filter(pk__in=ids).order_by("username")


def claim_cadre_get(*, user, pk) -> Staff:
    try:
        return claim_cadres(user=user).get(pk=pk)
    except (Staff.DoesNotExist, ValueError, TypeError):
        if getattr(user, "pk", None) is not None and str(user.pk) == str(pk):
            return user
        raise Http404 from None
