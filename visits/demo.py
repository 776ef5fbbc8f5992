"""Demo visits: policies, twelve weeks of visits (uneven between villages, as in life), rules and trips.

Written in bulk (at county scale there are a few hundred thousand visits), relative to the real
clock so that coverage and its trend look current whenever the demo is built. One journal entry
per village records the bulk load.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

import journal
from core.demo import DemoContext
from registry.models import Household, Person, Tag
from territory.models import Staff
from territory.roles import Role
from visits import services
from visits.models import Mode, PlannerSettings, TravelRule, Trip, Visit

HISTORY_DAYS = 84


def _targets(county) -> dict[int, tuple[int, bool]]:
    """household id → (strictest interval in days, whether in person is required)."""
    tags = {t.code: t for t in Tag.objects.filter(county=county)}
    found: dict[int, tuple[int, bool]] = {}

    def add(ids, days, in_person):
        for pk in ids:
            old = found.get(pk)
            if old is None or days < old[0]:
                found[pk] = (days, in_person or (old[1] if old else False))

    for code, days in (("elderly_alone", 7), ("tekun", 14)):
        if code in tags:
            add(
                Person.objects.filter(tags=tags[code], residence=Person.Residence.RESIDENT).values_list(
                    "household_id", flat=True
                ),
                days,
                True,
            )
    for code in ("dibao", "monitor"):
        if code in tags:
            add(
                Household.tags.through.objects.filter(tag=tags[code]).values_list("household_id", flat=True),
                30,
                True,
            )
    add(Household.objects.filter(occupancy=Household.Occupancy.AWAY).values_list("pk", flat=True), 90, False)
    return found


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    county = ctx.county
    services.policies_seed(actor=None, county=county)
    TravelRule.objects.create(
        county=county,
        fuel_price=Decimal("7.85"),
        consumption_l_per_100km=Decimal("7.5"),
        subsidy_per_month=Decimal("200"),
        subsidy_per_km=Decimal("0"),
    )
    PlannerSettings.objects.bulk_create(
        [
            PlannerSettings(township=t, road_factor=round(rng.uniform(1.3, 1.6), 2), speed_kmh=35)
            for t in ctx.townships
        ]
    )
    staff_by_village: dict[int, list[int]] = defaultdict(list)
    for staff_id, unit_id in Staff.jurisdictions.through.objects.filter(
        staff__role__in=[Role.VILLAGE_OFFICIAL, Role.TOWNSHIP_CADRE], adminunit__level="village"
    ).values_list("staff_id", "adminunit_id"):
        staff_by_village[unit_id].append(staff_id)
    targets = _targets(county)
    households = Household.objects.filter(pk__in=list(targets)).values_list("pk", "village_id", "scope_path")
    diligence = {v.pk: rng.uniform(0.5, 1.05) for v in ctx.villages}
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    visits, per_village = [], defaultdict(int)
    for pk, village_id, scope_path in households.iterator(chunk_size=5000):
        interval, in_person = targets[pk]
        actors = staff_by_village.get(village_id)
        if not actors:
            continue
        d = diligence[village_id]
        day = -HISTORY_DAYS + rng.uniform(0, interval)
        while day < 0:
            if in_person:
                roll = rng.random()
                mode = (
                    Mode.IN_PERSON
                    if roll < 0.82
                    else Mode.PHONE
                    if roll < 0.9
                    else Mode.WECHAT_VIDEO
                    if roll < 0.95
                    else Mode.NOT_HOME
                )
            else:
                mode = Mode.PHONE if rng.random() < 0.7 else Mode.WECHAT_VIDEO
            visits.append(
                Visit(
                    household_id=pk,
                    actor_id=rng.choice(actors),
                    scope_path=scope_path,
                    mode=mode,
                    visited_at=now + timedelta(days=day, hours=rng.uniform(-4, 4)),
                )
            )
            per_village[village_id] += 1
            day += interval * rng.uniform(0.75, 1.45) / d
        if len(visits) >= 20_000:
            Visit.objects.bulk_create(visits, batch_size=5000)
            visits = []
    Visit.objects.bulk_create(visits, batch_size=5000)
    for village in ctx.villages:
        if per_village[village.pk]:
            journal.record(
                actor=None,
                action="visits.bulk.loaded",
                target=village,
                data={"demo_bulk": True, "visits": per_village[village.pk]},
            )
    _trips(ctx, now)


def _trips(ctx: DemoContext, now) -> None:
    """A month and a half of trips for the township cadres of the first township, so claims have content."""
    rng = ctx.rng
    town = ctx.townships[0]
    cadres = list(Staff.objects.filter(role=Role.TOWNSHIP_CADRE, jurisdictions__parent=town).distinct())
    villages = [v for v in ctx.villages if v.parent_id == town.pk]
    county = ctx.county
    trips = []
    today = timezone.localdate()
    for cadre in cadres:
        for back in range(45):
            if rng.random() < 0.7:
                village = rng.choice(villages)
                trips.append(
                    Trip(
                        cadre=cadre,
                        scope_path=town.path,
                        county=county,
                        date=today - timedelta(days=back),
                        origin=f"{town.name}政府",
                        destination=village.name,
                        km=Decimal(str(round(rng.uniform(12, 55), 1))),
                        vehicle="私家车",
                    )
                )
    Trip.objects.bulk_create(trips)
