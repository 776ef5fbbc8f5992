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
from datetime import date, datetime, time

from django.db import transaction
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
        row = Demand.objects.filter(
            county_id=county_id,
            owner_unit_id=unit_id,
            owner_department_id=department_id,
            category_id=category_id,
            created_at__gte=month_start(month),
            created_at__lt=month_start(_next_month(month)),
        ).aggregate(**_counts())
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
