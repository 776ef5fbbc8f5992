"""The monthly counts behind the county-wide dashboard (DemandStat), kept by the services that write demands.

A row holds the additive counts of the demands of one county created in one month with one owner
(unit + department) and one category. A service that writes a demand recomputes the row(s) that demand
falls in from the demands themselves, under a row lock, so the counts never drift and two writers of the
same row cannot lose each other's change. The deadline sweep only flips breach flags, so it adds to
`breaches_n` with an atomic increment instead. `stats_rebuild` recomputes everything (the daily periodic
job and the demo builder call it; it repairs anything written behind the services' back).

What depends on the clock is not stored: "due for acceptance" is accepted + not-yet-accepted minus the
not-yet-accepted whose accept deadline is still ahead, and those few are counted live.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import lru_cache

from django.db import connections, router, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from demands.models import Demand, DemandStat

OPEN = (
    Demand.Status.PENDING,
    Demand.Status.PROCESSING,
)  # as services.OPEN_STATUSES; services imports this module
COUNT_FIELDS = (
    "total",
    "open",
    "accepted_n",
    "unaccepted_n",
    "accepted_on_time_n",
    "verdicts",
    "resolved_n",
    "satisfied_n",
    "answered_n",
    "hours_sum",
    "breaches_n",
    "transfers_n",
)
Key = tuple[int, date, int, int | None, int]  # county, month, owner unit, owner department, category


def additive_counts() -> dict:
    """The counts that add up across groups: the maintained table and the dashboard's live pass share them."""
    return {
        "total": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN)),
        "accepted_on_time_n": Count("id", filter=Q(accepted_on_time=True)),
        "verdicts": Count("verdict_resolved"),
        "resolved_n": Count("id", filter=Q(verdict_resolved=True)),
        "satisfied_n": Count("id", filter=Q(verdict_satisfied=True)),
        "answered_n": Count("hours_to_answer"),
        "hours_sum": Sum("hours_to_answer"),
        "breaches_n": Count("id", filter=Q(accept_breached=True) | Q(resolve_breached=True)),
        "transfers_n": Sum("transfers"),
    }


def _counts() -> dict:
    return {
        **additive_counts(),
        "accepted_n": Count("accepted_at"),
        "unaccepted_n": Count("id", filter=Q(accepted_at__isnull=True)),
    }


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def month_start(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, time.min))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def key_label(key: Key) -> str:
    county_id, month, unit_id, department_id, category_id = key
    return f"{county_id}:{month:%Y-%m}:{unit_id}:{department_id or 0}:{category_id}"


def key_of(demand: Demand) -> Key:
    return (
        demand.county_id,
        month_of(demand.created_at),
        demand.owner_unit_id,
        demand.owner_department_id,
        demand.category_id,
    )


def _values(row: dict) -> dict:
    return {name: row[name] or 0 for name in COUNT_FIELDS}


# Stand-ins for a row's key while its recount is compiled (_recount_sql): no real id or date is like them.
_STAND_IN_IDS = (-7_310_001, -7_310_002, -7_310_003, -7_310_004)
_STAND_IN_FROM = datetime(1901, 1, 1, tzinfo=UTC)
_STAND_IN_TO = datetime(1901, 2, 1, tzinfo=UTC)


def _recount_query(county_id, unit_id, department_id, category_id, start, end):
    """One row's demands counted: the query stats_rebuild groups, for one key (a GROUP BY on the county,
    which the filter fixes, so it answers one row, or none when the row has no demands)."""
    return (
        Demand.objects.filter(
            county_id=county_id,
            owner_unit_id=unit_id,
            owner_department_id=department_id,
            category_id=category_id,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .values("county_id")
        .annotate(**_counts())
    )


@lru_cache(maxsize=8)
def _recount_sql(alias: str, with_department: bool) -> tuple[str, tuple, dict[int, int]]:
    """The recount's SQL, compiled once per process and database: building and compiling the twelve
    filtered counts cost ~1.5 ms of CPU on every write of a demand (a third of an Open311 request's, in a
    cProfile), and only the key's six values change. Returns the SQL, its parameters and, for the
    parameters that are the key's, their index in the key (county, unit, department, category, start,
    end). The key's values are found in the compiled parameters by the stand-ins used to compile."""
    county, unit, department, category = _STAND_IN_IDS
    qs = _recount_query(
        county, unit, department if with_department else None, category, _STAND_IN_FROM, _STAND_IN_TO
    )
    connection = connections[alias]
    sql, params = qs.query.get_compiler(alias).as_sql()
    stand_ins = [
        county,
        unit,
        department,
        category,
        connection.ops.adapt_datetimefield_value(_STAND_IN_FROM),
        connection.ops.adapt_datetimefield_value(_STAND_IN_TO),
    ]
    slots = {}
    for i, value in enumerate(params):
        if not isinstance(value, bool) and value in stand_ins:
            slots[i] = stand_ins.index(value)
    if sorted(slots.values()) != [i for i in range(6) if with_department or i != 2]:
        raise RuntimeError("the recount's key was not found in its compiled parameters")
    return sql, tuple(params), slots


def _recount(key: Key) -> dict:
    """The counts of one row's demands, from the SQL _recount_sql compiled (zeros when none are left)."""
    county_id, month, unit_id, department_id, category_id = key
    alias = router.db_for_read(Demand)
    connection = connections[alias]
    sql, params, slots = _recount_sql(alias, department_id is not None)
    values = (
        county_id,
        unit_id,
        department_id,
        category_id,
        connection.ops.adapt_datetimefield_value(month_start(month)),
        connection.ops.adapt_datetimefield_value(month_start(_next_month(month))),
    )
    params = [values[slots[i]] if i in slots else value for i, value in enumerate(params)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else dict.fromkeys(COUNT_FIELDS, 0)


@transaction.atomic
def stats_refresh(keys: Iterable[Key]) -> None:
    """Recompute the given rows from their demands (called by every service that writes a demand)."""
    for key in sorted(set(keys), key=key_label):
        county_id, month, unit_id, department_id, category_id = key
        label = key_label(key)
        DemandStat.objects.bulk_create(
            [
                DemandStat(
                    key=label,
                    county_id=county_id,
                    month=month,
                    owner_unit_id=unit_id,
                    owner_department_id=department_id,
                    category_id=category_id,
                )
            ],
            ignore_conflicts=True,
        )
        # The lock makes a second writer of the same row wait, then recount with our change committed.
        stat = DemandStat.objects.select_for_update().get(key=label)
        row = _recount(key)
        if not row["total"]:
            stat.delete()
            continue
        for name, value in _values(row).items():
            setattr(stat, name, value)
        stat.save(update_fields=list(COUNT_FIELDS))


def stats_add_breaches(demand_ids: Iterable[int]) -> None:
    """Count demands that are about to get their first breach flag (the sweep calls this before flagging)."""
    ids = list(demand_ids)
    per_key: Counter = Counter()
    for i in range(0, len(ids), 500):
        for row in Demand.objects.filter(
            pk__in=ids[i : i + 500], accept_breached=False, resolve_breached=False
        ).values("county_id", "created_at", "owner_unit_id", "owner_department_id", "category_id"):
            per_key[
                key_label(
                    (
                        row["county_id"],
                        month_of(row["created_at"]),
                        row["owner_unit_id"],
                        row["owner_department_id"],
                        row["category_id"],
                    )
                )
            ] += 1
    # One UPDATE per distinct increment (most rows gain 1, 2 or 3), not one per row: a worst-case sweep
    # touches a thousand rows.
    by_n: dict[int, list[str]] = {}
    for label, n in per_key.items():
        by_n.setdefault(n, []).append(label)
    for n, labels in by_n.items():
        for i in range(0, len(labels), 500):
            DemandStat.objects.filter(key__in=labels[i : i + 500]).update(breaches_n=F("breaches_n") + n)


@transaction.atomic
def stats_rebuild(*, county_id: int | None = None, demand_model=Demand, stat_model=DemandStat) -> int:
    """Recompute every row (of one county, or all) from the demands; returns the number of rows.

    The models are parameters so the migration that creates the table can fill it with its own."""
    demands = demand_model.objects.all()
    rows = stat_model.objects.all()
    if county_id is not None:
        demands = demands.filter(county_id=county_id)
        rows = rows.filter(county_id=county_id)
    groups = (
        demands.annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("county_id", "month", "owner_unit_id", "owner_department_id", "category_id")
        .annotate(**_counts())
        .order_by()
    )
    fresh = []
    for g in groups:
        month = g["month"]
        month = (timezone.localtime(month).date() if isinstance(month, datetime) else month).replace(day=1)
        key = (g["county_id"], month, g["owner_unit_id"], g["owner_department_id"], g["category_id"])
        fresh.append(
            stat_model(
                key=key_label(key),
                county_id=key[0],
                month=month,
                owner_unit_id=key[2],
                owner_department_id=key[3],
                category_id=key[4],
                **_values(g),
            )
        )
    list(rows.select_for_update().values_list("pk", flat=True))
    rows.delete()
    stat_model.objects.bulk_create(fresh, batch_size=1000)
    return len(fresh)
