"""The day planner's solver: a prize-collecting VRP with time windows, solved by PyVRP.

Pure functions over plain dataclasses (no database), so the benchmark and the property tests run
the very code the web app runs. Times are minutes after midnight; distances are metres.

The lunch break sits at a fixed clock time. The solver works in "working time", the clock with the
lunch hour cut out; windows are mapped into working time and arrivals mapped back, so a stop is
never scheduled during lunch and every window still holds on the clock.
"""

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, SolveParams, VehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

EARTH_RADIUS_M = 6_371_000


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


@dataclass
class Candidate:
    key: int
    lat: float
    lng: float
    prize: int = 10_000
    required: bool = False
    service_minutes: int = 20
    window: tuple[int, int] | None = None  # clock minutes [earliest start, latest start]
    label: str = ""
    reason: str = ""
    mode: str = "in_person"


@dataclass
class Problem:
    depot: tuple[float, float]
    vehicles: list  # keys (cadre ids) or labels; one route each
    candidates: list[Candidate]
    shift_start: int = 8 * 60 + 30
    shift_minutes: int = 8 * 60
    lunch_start: int = 12 * 60
    lunch_minutes: int = 60
    speed_kmh: float = 35.0
    road_factor: float = 1.35
    matrix_km: dict | None = None  # {(key_a, key_b): km}, "depot" as the office key
    fuel_l_per_100km: float = 7.5
    fuel_price: float = 7.8


@dataclass
class PlannedStop:
    candidate: Candidate
    arrival: int
    departure: int
    km_from_previous: float


@dataclass
class PlannedRoute:
    vehicle: object
    stops: list[PlannedStop] = field(default_factory=list)
    start: int = 0
    end: int = 0
    km: float = 0.0
    drive_minutes: int = 0
    lunch_at: int | None = None

    def fuel_cost(self, problem: Problem) -> float:
        return round(self.km * problem.fuel_l_per_100km / 100 * problem.fuel_price, 2)


@dataclass
class Solution:
    routes: list[PlannedRoute]
    unplanned: list[Candidate]
    feasible: bool
    km: float
    seconds: float
    relaxed_required: bool = False


class _Clock:
    """Maps between clock minutes and working minutes (the clock with lunch removed)."""

    def __init__(self, problem: Problem):
        self.lunch = problem.lunch_start
        end = problem.shift_start + problem.shift_minutes
        spans = (
            problem.shift_start < problem.lunch_start and end >= problem.lunch_start + problem.lunch_minutes
        )
        self.gap = problem.lunch_minutes if spans else 0

    def window_start(self, c: int) -> int:
        if self.gap == 0 or c <= self.lunch:
            return c
        return max(c - self.gap, self.lunch + 1)

    def window_end(self, c: int) -> int:
        if self.gap == 0 or c <= self.lunch:
            return c
        return max(c - self.gap, self.lunch)

    def to_clock(self, w: int) -> int:
        return w if self.gap == 0 or w <= self.lunch else w + self.gap


def _matrices(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    points = [("depot", problem.depot)] + [(c.key, (c.lat, c.lng)) for c in problem.candidates]
    n = len(points)
    lat = np.radians(np.array([p[1][0] for p in points]))
    lng = np.radians(np.array([p[1][1] for p in points]))
    dlat = lat[:, None] - lat[None, :]
    dlng = lng[:, None] - lng[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlng / 2) ** 2
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * problem.road_factor
    if problem.matrix_km:
        keys = [p[0] for p in points]
        for i in range(n):
            for j in range(n):
                km = problem.matrix_km.get((keys[i], keys[j]))
                if km is not None:
                    metres[i, j] = km * 1000
    distance = np.rint(metres).astype(np.int64)
    metres_per_minute = problem.speed_kmh * 1000 / 60
    duration = np.ceil(distance / metres_per_minute).astype(np.int64)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)
    return distance, duration


def _working_window(problem: Problem, clock: _Clock, c: Candidate) -> tuple[int, int]:
    early, late = problem.shift_start, clock.window_end(problem.shift_start + problem.shift_minutes)
    if c.window:
        early = max(early, clock.window_start(c.window[0]))
        late = min(late, clock.window_end(c.window[1]))
    return early, late


def _data(problem: Problem, clock: _Clock, relax: bool, distance, duration) -> ProblemData:
    shift_end_w = clock.window_end(problem.shift_start + problem.shift_minutes)
    locations = [Location(x=0, y=0)] + [Location(x=0, y=0) for _ in problem.candidates]
    clients = []
    for i, c in enumerate(problem.candidates, start=1):
        early, late = _working_window(problem, clock, c)
        clients.append(
            Client(
                location=i,
                service_duration=c.service_minutes,
                tw_early=early,
                tw_late=max(early, late),
                prize=max(int(c.prize), 1),
                required=c.required and not relax,
            )
        )
    depot = Depot(location=0, tw_early=problem.shift_start, tw_late=shift_end_w)
    vehicle = VehicleType(
        num_available=max(len(problem.vehicles), 1),
        start_depot=0,
        end_depot=0,
        tw_early=problem.shift_start,
        tw_late=shift_end_w,
        shift_duration=shift_end_w - problem.shift_start,
        unit_distance_cost=1,
    )
    return ProblemData(
        locations=locations,
        clients=clients,
        depots=[depot],
        vehicle_types=[vehicle],
        distance_matrices=[distance],
        duration_matrices=[duration],
    )


def _params(problem: Problem, neighbours: int | None) -> SolveParams:
    if neighbours is None:
        return SolveParams()
    from pyvrp.search import NeighbourhoodParams

    return SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=neighbours))


def solve(problem: Problem, seconds: float = 1.0, seed: int = 0, neighbours: int | None = None) -> Solution:
    """Plans the most valuable feasible day; mandatory stops are kept unless they cannot all fit."""
    started = time.perf_counter()
    clock = _Clock(problem)
    # A household available only during lunch or outside the shift cannot be visited today at all.
    unservable = [
        c
        for c in problem.candidates
        if _working_window(problem, clock, c)[1] < _working_window(problem, clock, c)[0]
    ]
    if unservable:
        servable = [c for c in problem.candidates if all(c is not u for u in unservable)]
        inner = solve(replace(problem, candidates=servable), seconds, seed, neighbours)
        inner.unplanned.extend(unservable)
        inner.relaxed_required = inner.relaxed_required or any(c.required for c in unservable)
        return inner
    if not problem.candidates or not problem.vehicles:
        return Solution([PlannedRoute(v) for v in problem.vehicles], list(problem.candidates), True, 0.0, 0.0)
    distance, duration = _matrices(problem)
    relax = False
    data = _data(problem, clock, relax, distance, duration)
    result = pyvrp_solve(
        data, stop=MaxRuntime(seconds), seed=seed, display=False, params=_params(problem, neighbours)
    )
    if not result.is_feasible() and any(c.required for c in problem.candidates):
        relax = True
        data = _data(problem, clock, relax, distance, duration)
        result = pyvrp_solve(
            data, stop=MaxRuntime(seconds), seed=seed, display=False, params=_params(problem, neighbours)
        )
    routes = [PlannedRoute(v, start=problem.shift_start, end=problem.shift_start) for v in problem.vehicles]
    visited: set[int] = set()
    pyroutes = [r for r in result.best.routes() if r.num_clients() > 0]
    for route, out in zip(pyroutes, routes, strict=False):
        prev_loc, lunch_w_after = 0, None
        for activity in route.schedule():
            kind = str(activity.type).rsplit(".", 1)[-1]
            if kind != "CLIENT":
                continue
            client_index = activity.idx
            loc = client_index + 1
            c = problem.candidates[client_index]
            visited.add(client_index)
            arrival_w, departure_w = activity.start_time, activity.end_time
            if clock.gap and arrival_w > clock.lunch and out.lunch_at is None:
                out.lunch_at = max(clock.lunch, lunch_w_after if lunch_w_after is not None else clock.lunch)
            out.stops.append(
                PlannedStop(
                    candidate=c,
                    arrival=clock.to_clock(arrival_w),
                    departure=clock.to_clock(arrival_w) + (departure_w - arrival_w),
                    km_from_previous=round(distance[prev_loc, loc] / 1000, 2),
                )
            )
            out.drive_minutes += int(duration[prev_loc, loc])
            lunch_w_after = departure_w
            prev_loc = loc
        back_km = distance[prev_loc, 0]
        out.drive_minutes += int(duration[prev_loc, 0])
        out.km = round(float(route.distance()) / 1000, 2)
        assert abs(route.distance() - sum(s.km_from_previous * 1000 for s in out.stops) - back_km) < 50  # noqa: S101
        first_start = route.start_time()
        out.start = clock.to_clock(first_start)
        end_w = route.end_time()
        if clock.gap and end_w > clock.lunch and out.lunch_at is None:
            out.lunch_at = max(clock.lunch, lunch_w_after if lunch_w_after is not None else clock.lunch)
        out.end = clock.to_clock(end_w)
    unplanned = [c for i, c in enumerate(problem.candidates) if i not in visited]
    return Solution(
        routes=routes,
        unplanned=unplanned,
        feasible=bool(result.is_feasible()),
        km=round(sum(r.km for r in routes), 2),
        seconds=round(time.perf_counter() - started, 3),
        relaxed_required=relax,
    )
