"""The day planner's solver: a prize-collecting VRP with time windows, solved by PyVRP.

Pure functions over plain dataclasses (no database), so the benchmark and the property tests run
the very code the web app runs. Times are minutes after midnight; distances are metres.

Lunch is a break of ``lunch_minutes`` taken somewhere inside a window (by default 60 minutes
between 11:30 and 13:30), wherever the cadre is at that moment. The solver works in "working
time", the clock with one lunch-length cut out at the window's start; every route it returns is
then re-timed on the real clock, choosing where the break goes (between two stops, or on arriving
at a stop while waiting for its window) so every household's window, the shift and the lunch
window all hold. A stop that cannot be re-timed is dropped, so no plan breaks a rule.

Large township plans (many cadres, hundreds of candidates) are solved in three steps that reach in
a few seconds what a plain run reaches in two minutes (docs/bench/visits.md): candidates who
cannot make the day (far more than all cadres could visit, with the least value per minute) are
set aside, the rest is searched with a short late-acceptance history, and then each cadre's route
is polished on its own together with the unvisited households nearest to it.
"""

import math
import multiprocessing
import time
from dataclasses import dataclass, field, replace

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, SolveParams, VehicleType
from pyvrp import Solution as PyvrpSolution
from pyvrp import solve as pyvrp_solve
from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
from pyvrp.stop import MaxRuntime

EARTH_RADIUS_M = 6_371_000
# Late-acceptance history: PyVRP's default (300) suits minutes-long runs; plans get seconds.
HISTORY_LENGTH = 50
# Candidates kept for the search: this many times what all cadres could visit in a day.
KEEP_FACTOR = 1.5
LARGE = 60  # candidates above which a multi-cadre plan uses the three-step search
RUNTIME = MaxRuntime  # the stopping rule; bench/visits_planner.py --cpu-time swaps in CPU seconds


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
    lunch_start: int = 12 * 60  # earliest start of the break
    lunch_minutes: int = 60
    lunch_end: int | None = None  # latest end of the break; None: a fixed break at lunch_start
    speed_kmh: float = 35.0
    road_factor: float = 1.35
    matrix_km: dict | None = None  # {(key_a, key_b): km}, "depot" as the office key
    fuel_l_per_100km: float = 7.5
    fuel_price: float = 7.8
    balance: bool = True  # share stops fairly among cadres (at most max_stops each)
    max_stops: int | None = None  # per cadre; None with balance: ceil(candidates / cadres) + 1

    def lunch_window(self) -> tuple[int, int] | None:
        """(earliest start, latest end) of the break, or None when the shift does not span it."""
        if not self.lunch_minutes:
            return None
        latest_end = self.lunch_end if self.lunch_end is not None else self.lunch_start + self.lunch_minutes
        earliest = max(self.lunch_start, self.shift_start)
        if earliest + self.lunch_minutes > latest_end or self.shift_start + self.shift_minutes < latest_end:
            return None  # a half day, or a day that starts after the break window
        return earliest, latest_end

    def stop_limit(self) -> int | None:
        if self.max_stops:
            return int(self.max_stops)
        if self.balance and len(self.vehicles) > 1 and self.candidates:
            return math.ceil(len(self.candidates) / len(self.vehicles)) + 1
        return None


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
    """Maps between clock minutes and working minutes (the clock with one lunch-length cut out)."""

    def __init__(self, problem: Problem):
        window = problem.lunch_window()
        self.lunch = window[0] if window else problem.lunch_start
        self.gap = problem.lunch_minutes if window else 0
        self.latest_lunch = window[1] - problem.lunch_minutes if window else self.lunch

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
        cut_early = max(early, clock.window_start(c.window[0]))
        cut_late = min(late, clock.window_end(c.window[1]))
        before_late = min(c.window[1], clock.latest_lunch - c.service_minutes)
        if cut_late < cut_early and clock.gap and max(early, c.window[0]) <= before_late:
            # Only seen inside the lunch window: visit first and take the break later in the window.
            return max(early, c.window[0]), before_late
        return cut_early, cut_late
    return early, late


def _data(problem: Problem, clock: _Clock, relax: bool, distance, duration) -> ProblemData:
    shift_end_w = clock.window_end(problem.shift_start + problem.shift_minutes)
    limit = problem.stop_limit()
    locations = [Location(x=0, y=0)] + [Location(x=0, y=0) for _ in problem.candidates]
    clients = []
    for i, c in enumerate(problem.candidates, start=1):
        early, late = _working_window(problem, clock, c)
        clients.append(
            Client(
                location=i,
                delivery=[1] if limit else [],
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
        capacity=[limit] if limit else [],
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


def _params(neighbours: int | None) -> SolveParams:
    # An exhaustive search after every new best pays off over minutes, not in the first seconds.
    ils = IteratedLocalSearchParams(history_length=HISTORY_LENGTH, exhaustive_on_best=False)
    if neighbours is None:
        return SolveParams(ils=ils)
    from pyvrp.search import NeighbourhoodParams

    return SolveParams(ils=ils, neighbourhood=NeighbourhoodParams(num_neighbours=neighbours))


def _client_routes(solution) -> list[list[int]]:
    return [[a.idx for a in r.schedule() if a.is_client()] for r in solution.routes()]


def _daily_capacity(problem: Problem, clock: _Clock) -> float:
    """Roughly how many stops all cadres together can make in the day."""
    working = clock.window_end(problem.shift_start + problem.shift_minutes) - problem.shift_start
    mean_service = sum(c.service_minutes for c in problem.candidates) / max(len(problem.candidates), 1)
    return len(problem.vehicles) * working / (mean_service + 3)


def _search(problem: Problem, seconds: float, seed: int, relax: bool, neighbours: int | None):
    """Best routes (indices into problem.candidates) and whether they are feasible."""
    clock = _Clock(problem)
    large = len(problem.vehicles) > 1 and len(problem.candidates) > LARGE
    index = list(range(len(problem.candidates)))
    sub = problem
    if large:
        keep = int(KEEP_FACTOR * _daily_capacity(problem, clock))
        if keep < len(problem.candidates):
            order = sorted(
                index,
                key=lambda i: (
                    not problem.candidates[i].required,
                    -problem.candidates[i].prize / max(problem.candidates[i].service_minutes, 1),
                ),
            )
            index = sorted(order[:keep])
            sub = replace(
                problem, candidates=[problem.candidates[i] for i in index], max_stops=problem.stop_limit()
            )
    distance, duration = _matrices(sub)
    data = _data(sub, clock, relax, distance, duration)
    share = 0.7 if large else 1.0
    result = pyvrp_solve(
        data, stop=RUNTIME(seconds * share), seed=seed, display=False, params=_params(neighbours)
    )
    best = result.best
    if large and best.is_feasible():
        best = _polish(sub, clock, relax, distance, duration, data, best, seconds * (1 - share), seed)
    routes = [[index[i] for i in r] for r in _client_routes(best)]
    cost = best.distance() - best.prizes()
    return routes, bool(best.is_feasible()), cost


def _polish(problem, clock, relax, distance, duration, data, best, seconds: float, seed: int):
    """Re-solves each route alone with the unvisited households nearest to it; never worse."""
    routes = [r for r in _client_routes(best) if r]
    if not routes:
        return best
    routed = {i for r in routes for i in r}
    owners: dict[int, list[int]] = {}
    for i in range(len(problem.candidates)):
        if i in routed:
            continue
        nearest = [int(distance[i + 1, [j + 1 for j in r]].min()) for r in routes]
        k = int(np.argmin(nearest))
        if nearest[k] < 3000:
            owners.setdefault(k, []).append(i)
    improved = []
    for k, route in enumerate(routes):
        members = route + owners.get(k, [])
        locs = [0] + [i + 1 for i in members]
        one = replace(
            problem,
            vehicles=[0],
            candidates=[problem.candidates[i] for i in members],
            max_stops=problem.stop_limit(),
        )
        sub_data = _data(one, clock, relax, distance[np.ix_(locs, locs)], duration[np.ix_(locs, locs)])
        start = PyvrpSolution(sub_data, [list(range(len(route)))])
        result = pyvrp_solve(
            sub_data,
            stop=RUNTIME(seconds / len(routes)),
            seed=seed,
            display=False,
            params=_params(None),
            initial_solution=start,
        )
        found = result.best if result.best.is_feasible() else start
        improved.append([members[i] for r in _client_routes(found) for i in r])
    polished = PyvrpSolution(data, [r for r in improved if r])
    return polished if polished.is_feasible() else best


def _search_job(args):
    return _search(*args)


def _best_search(problem: Problem, seconds: float, seed: int, relax: bool, neighbours, workers: int):
    if workers <= 1:
        return _search(problem, seconds, seed, relax, neighbours)
    # Independent searches with different seeds on separate cores; the cheapest feasible one wins.
    jobs = [(problem, seconds, seed + k, relax, neighbours) for k in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        found = pool.map(_search_job, jobs)
    return min(found, key=lambda f: (not f[1], f[2]))


def _timetable(problem: Problem, seq: list[int], duration, lunch):
    """Clock times for visiting seq in order, with the break placed where the day ends earliest.

    Returns (start, [(arrival, departure)], lunch_at, end) or None when no placement keeps every
    window, the shift and the lunch window."""
    shift_end = problem.shift_start + problem.shift_minutes
    cands = problem.candidates

    def run(lunch_pos: int | None, on_arrival: bool):
        t, prev, lunch_at, times = problem.shift_start, 0, None, []
        for k, i in enumerate([*seq, None]):
            loc = 0 if i is None else i + 1
            travel = int(duration[prev, loc])
            if k == lunch_pos:
                if on_arrival:
                    lunch_at = max(t + travel, lunch[0])
                    arrive = lunch_at + problem.lunch_minutes
                else:
                    lunch_at = max(t, lunch[0])
                    arrive = lunch_at + problem.lunch_minutes + travel
                if lunch_at + problem.lunch_minutes > lunch[1]:
                    return None
            else:
                arrive = t + travel
            if i is None:
                return (arrive, lunch_at, times) if arrive <= shift_end else None
            c = cands[i]
            early = max(problem.shift_start, c.window[0]) if c.window else problem.shift_start
            late = c.window[1] if c.window else shift_end
            begin = max(arrive, early)
            if begin > late:
                return None
            times.append((begin, begin + c.service_minutes))
            t, prev = begin + c.service_minutes, loc

    no_break = run(None, False)
    options = [no_break]
    if lunch is not None:
        if no_break is not None and no_break[0] > lunch[0]:
            options = []  # the day runs into the lunch window: the break must be taken
        for pos in range(len(seq) + 1):
            options.append(run(pos, False))
            options.append(run(pos, True))
    options = [o for o in options if o is not None]
    if not options:
        return None
    end, lunch_at, times = min(options, key=lambda o: (o[0], o[1] if o[1] is not None else 0))
    start = problem.shift_start
    if seq and not (lunch_at is not None and lunch_at < times[0][0]):
        start = max(start, times[0][0] - int(duration[0, seq[0] + 1]))  # leave no earlier than needed
    return start, times, lunch_at, end


def solve(
    problem: Problem, seconds: float = 1.0, seed: int = 0, neighbours: int | None = None, workers: int = 1
) -> Solution:
    """Plans the most valuable feasible day; mandatory stops are kept unless they cannot all fit."""
    started = time.perf_counter()
    clock = _Clock(problem)
    # A household available only during the cut-out lunch or outside the shift cannot be visited today.
    unservable = [
        c
        for c in problem.candidates
        if _working_window(problem, clock, c)[1] < _working_window(problem, clock, c)[0]
    ]
    if unservable:
        servable = [c for c in problem.candidates if all(c is not u for u in unservable)]
        inner = solve(replace(problem, candidates=servable), seconds, seed, neighbours, workers)
        inner.unplanned.extend(unservable)
        inner.relaxed_required = inner.relaxed_required or any(c.required for c in unservable)
        return inner
    if not problem.candidates or not problem.vehicles:
        return Solution([PlannedRoute(v) for v in problem.vehicles], list(problem.candidates), True, 0.0, 0.0)
    relax = False
    routes, feasible, _cost = _best_search(problem, seconds, seed, relax, neighbours, workers)
    if not feasible and any(c.required for c in problem.candidates):
        relax = True
        routes, feasible, _cost = _best_search(problem, seconds, seed, relax, neighbours, workers)
    distance, duration = _matrices(problem)
    lunch = problem.lunch_window()
    out_routes = [
        PlannedRoute(v, start=problem.shift_start, end=problem.shift_start) for v in problem.vehicles
    ]
    visited: set[int] = set()
    dropped_required = False
    for seq, out in zip([r for r in routes if r], out_routes, strict=False):
        seq = list(seq)
        timed = _timetable(problem, seq, duration, lunch)
        while timed is None and seq:
            # The solver's order cannot take the break anywhere: give up the least valuable stop.
            optional = [i for i in seq if not problem.candidates[i].required] or seq
            drop = min(optional, key=lambda i: problem.candidates[i].prize)
            dropped_required = dropped_required or problem.candidates[drop].required
            seq.remove(drop)
            timed = _timetable(problem, seq, duration, lunch)
        if timed is None:
            continue
        start, times, lunch_at, end = timed
        prev, metres, minutes = 0, 0, 0
        for i, (arrival, departure) in zip(seq, times, strict=True):
            loc = i + 1
            out.stops.append(
                PlannedStop(
                    candidate=problem.candidates[i],
                    arrival=arrival,
                    departure=departure,
                    km_from_previous=round(distance[prev, loc] / 1000, 2),
                )
            )
            metres += int(distance[prev, loc])
            minutes += int(duration[prev, loc])
            visited.add(i)
            prev = loc
        metres += int(distance[prev, 0]) if seq else 0
        minutes += int(duration[prev, 0]) if seq else 0
        out.start, out.end, out.lunch_at = start, end, lunch_at
        out.km = round(metres / 1000, 2)
        out.drive_minutes = minutes
    unplanned = [c for i, c in enumerate(problem.candidates) if i not in visited]
    return Solution(
        routes=out_routes,
        unplanned=unplanned,
        feasible=bool(feasible),
        km=round(sum(r.km for r in out_routes), 2),
        seconds=round(time.perf_counter() - started, 3),
        relaxed_required=relax or dropped_required,
    )
