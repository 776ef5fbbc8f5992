"""Day-planner benchmark: PyVRP (what Doorstep uses) against OR-Tools and VROOM on the same instances.

    make bench-planner                      # all instances, 120 s reference run
    .venv/bin/python bench/visits_planner.py --reference-seconds 60

Instances (generated, seeded):
  (a) one cadre, 40 candidate households in 6 villages, 8-hour shift, a 60-minute lunch break
      taken between 11:30 and 13:30;
  (b) a township: 8 cadres, 400 candidates, 20% with a 2-hour availability window, same shift.

Every solver gets the very same matrices (metres, minutes, from visits.planner), windows and shift
in working time; every answer is then re-checked by one evaluator here (the planner's own clock
timetable: windows, shift, lunch window; mandatory stops; no household twice) and scored the
same way: objective = metres driven + prizes of households left out.

The reference is PyVRP on the full model (all candidates, PyVRP's default parameters) for
--reference-seconds; the planner's runs (pruned candidates, short late-acceptance history,
per-route polish) are compared with it, several seeds, medians, load average alongside.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from visits.planner import (  # noqa: E402
    Candidate,
    Problem,
    _client_routes,
    _Clock,
    _data,
    _matrices,
    _timetable,
    solve,
)

OFFICE = (33.95, 114.55)


def instance(kind: str, seed: int = 7) -> Problem:
    rng = random.Random(seed)  # noqa: S311
    if kind == "a":
        villages, n, cadres, windows = 6, 40, 1, 0.0
    else:
        villages, n, cadres, windows = 20, 400, 8, 0.2
    centres = [
        (OFFICE[0] + rng.uniform(-0.06, 0.06), OFFICE[1] + rng.uniform(-0.07, 0.07)) for _ in range(villages)
    ]
    candidates = []
    for i in range(n):
        lat, lng = centres[i % villages]
        window = None
        if rng.random() < windows:
            start = rng.choice([9 * 60, 10 * 60, 14 * 60, 15 * 60])
            window = (start, start + 120)
        overdue = rng.randint(0, 40)
        candidates.append(
            Candidate(
                key=i,
                lat=lat + rng.uniform(-0.004, 0.004),
                lng=lng + rng.uniform(-0.004, 0.004),
                prize=min(8_000 + 600 * overdue * rng.choice([2, 5, 10]) // 5, 60_000),
                required=rng.random() < 0.05 and window is None,
                service_minutes=rng.choice([15, 20, 20, 25]),
                window=window,
            )
        )
    return Problem(
        depot=OFFICE,
        vehicles=list(range(cadres)),
        candidates=candidates,
        shift_minutes=8 * 60,
        lunch_start=11 * 60 + 30,
        lunch_end=13 * 60 + 30,
        lunch_minutes=60,
    )


# ---- one evaluator for every solver (working time, same matrices) ----


def working_instance(problem: Problem):
    clock = _Clock(problem)
    distance, duration = _matrices(problem)
    shift_end = clock.window_end(problem.shift_start + problem.shift_minutes)
    windows = []
    for c in problem.candidates:
        early, late = problem.shift_start, shift_end
        if c.window:
            early, late = (
                max(early, clock.window_start(c.window[0])),
                min(late, clock.window_end(c.window[1])),
            )
        windows.append((early, max(early, late)))
    return distance, duration, windows, problem.shift_start, shift_end


def evaluate(problem: Problem, routes: list[list[int]]) -> dict:
    """routes: client indices (0-based) per vehicle. Returns distance, prizes lost, feasibility."""
    distance, duration = _matrices(problem)
    lunch = problem.lunch_window()
    metres, feasible, seen = 0, True, set()
    for route in routes:
        if not route:
            continue
        if _timetable(problem, list(route), duration, lunch) is None:
            feasible = False
        prev = 0
        for idx in route:
            metres += int(distance[prev, idx + 1])
            prev = idx + 1
            if idx in seen:
                feasible = False
            seen.add(idx)
        metres += int(distance[prev, 0])
    missing_required = [i for i, c in enumerate(problem.candidates) if c.required and i not in seen]
    lost = sum(c.prize for i, c in enumerate(problem.candidates) if i not in seen)
    return {
        "km": metres / 1000,
        "visited": len(seen),
        "lost_prize": lost,
        "objective": metres + lost,
        "feasible": feasible and not missing_required,
    }


# ---- solvers ----


class CpuRuntime:
    """PyVRP stopping rule on the process's CPU time: what the solver got, whatever the load."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.process_time()

    def __call__(self, best_cost) -> bool:
        return time.process_time() - self.started > self.seconds


def run_reference(problem: Problem, seconds: float, seed: int = 1):
    """Plain PyVRP on the full model: every candidate, default parameters."""
    from pyvrp import solve as pyvrp_solve

    import visits.planner

    clock = _Clock(problem)
    distance, duration = _matrices(problem)
    t0 = time.perf_counter()
    stop = visits.planner.RUNTIME(seconds)
    result = pyvrp_solve(_data(problem, clock, False, distance, duration), stop=stop, seed=seed)
    return _client_routes(result.best), time.perf_counter() - t0


def run_pyvrp(problem: Problem, seconds: float, seed: int = 1, workers: int = 1):
    t0 = time.perf_counter()
    solution = solve(problem, seconds=seconds, seed=seed, workers=workers)
    elapsed = time.perf_counter() - t0
    index = {c.key: i for i, c in enumerate(problem.candidates)}
    return [[index[s.candidate.key] for s in r.stops] for r in solution.routes], elapsed


def run_ortools(problem: Problem, seconds: float):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    distance, duration, windows, start, end = working_instance(problem)
    n = len(problem.candidates) + 1
    vehicles = len(problem.vehicles)
    t0 = time.perf_counter()
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = distance.tolist()
    dur = duration.tolist()
    service = [0] + [c.service_minutes for c in problem.candidates]

    def dist_cb(i, j):
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def time_cb(i, j):
        a = manager.IndexToNode(i)
        return dur[a][manager.IndexToNode(j)] + service[a]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(dist_cb))
    time_index = routing.RegisterTransitCallback(time_cb)
    routing.AddDimension(time_index, end, end, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for v in range(vehicles):
        dim.CumulVar(routing.Start(v)).SetRange(start, end)
        dim.CumulVar(routing.End(v)).SetRange(start, end)
    for i, c in enumerate(problem.candidates, start=1):
        index = manager.NodeToIndex(i)
        dim.CumulVar(index).SetRange(*windows[i - 1])
        if not c.required:
            routing.AddDisjunction([index], int(c.prize))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - t0
    routes = []
    if solution is None:
        return None, elapsed
    for v in range(vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index) - 1)
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes, elapsed


def run_vroom(problem: Problem, seconds: float):
    import vroom

    distance, duration, windows, start, end = working_instance(problem)
    t0 = time.perf_counter()
    vin = vroom.Input()
    vin.set_durations_matrix(profile="car", matrix_input=duration.astype("uint32"))
    vin.set_costs_matrix(profile="car", matrix_input=distance.astype("uint32"))
    for v in range(len(problem.vehicles)):
        vin.add_vehicle(vroom.Vehicle(v + 1, start=0, end=0, time_window=vroom.TimeWindow(start, end)))
    top = max(c.prize for c in problem.candidates)
    for i, c in enumerate(problem.candidates, start=1):
        # VROOM has no prizes: priority (0–100) is served first, cost second; mandatory gets 100.
        priority = 100 if c.required else max(1, min(99, round(99 * c.prize / top)))
        vin.add_job(
            vroom.Job(
                i,
                location=i,
                default_service=c.service_minutes,
                time_windows=[vroom.TimeWindow(*windows[i - 1])],
                priority=priority,
            )
        )
    sol = vin.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=seconds))
    elapsed = time.perf_counter() - t0
    df = sol.routes
    routes = []
    for v in range(len(problem.vehicles)):
        jobs = df[(df["vehicle_id"] == v + 1) & (df["type"] == "job")]
        routes.append([int(j) - 1 for j in jobs["id"]])
    return routes, elapsed


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.platform()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def row(label, solver, limit, routes, elapsed, problem, reference=None):
    if routes is None:
        return f"| {label} | {solver} | {limit:g} | {elapsed:.2f} | – | – | – | – | no solution | |"
    e = evaluate(problem, routes)
    gap = ""
    if reference is not None:
        gap = f"{100 * (e['km'] - reference['km']) / reference['km']:+.2f}% km, {100 * (e['objective'] - reference['objective']) / reference['objective']:+.2f}% obj"
    return (
        f"| {label} | {solver} | {limit:g} | {elapsed:.2f} | {e['visited']}/{len(problem.candidates)} | "
        f"{e['km']:.1f} | {e['lost_prize']} | {e['objective']} | {'yes' if e['feasible'] else 'NO'} | {gap} |"
    )


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def median_row(label, solver, limit, runs, problem, reference):
    """One line for several seeds: medians, the spread, every run's feasibility."""
    evals = [evaluate(problem, routes) for routes, _ in runs]
    walls = [elapsed for _, elapsed in runs]
    km = statistics.median(e["km"] for e in evals)
    obj = statistics.median(e["objective"] for e in evals)
    gaps_km = [100 * (e["km"] - reference["km"]) / reference["km"] for e in evals]
    gaps_obj = [100 * (e["objective"] - reference["objective"]) / reference["objective"] for e in evals]
    return (
        f"| {label} | {solver}, median of {len(runs)} seeds | {limit:g} | {statistics.median(walls):.2f} "
        f"(max {max(walls):.2f}) | {statistics.median(e['visited'] for e in evals):g}/{len(problem.candidates)} | "
        f"{km:.1f} | {statistics.median(e['lost_prize'] for e in evals):.0f} | {obj:.0f} | "
        f"{'yes' if all(e['feasible'] for e in evals) else 'NO'} | "
        f"{statistics.median(gaps_km):+.2f}% km ({min(gaps_km):+.1f}…{max(gaps_km):+.1f}), "
        f"{statistics.median(gaps_obj):+.2f}% obj ({min(gaps_obj):+.1f}…{max(gaps_obj):+.1f}) |"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference-seconds", type=float, default=120)
    parser.add_argument("--seeds", type=int, default=5, help="planner runs per instance (medians)")
    parser.add_argument("--limit-b", type=float, default=8.0, help="planner time limit for (b)")
    parser.add_argument("--only", choices=["a", "b"], default=None)
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="limits in CPU seconds of the solving process, not wall seconds (for a shared machine)",
    )
    args = parser.parse_args()
    if args.cpu_time:
        import visits.planner

        visits.planner.RUNTIME = CpuRuntime
        print("Limits are CPU seconds of the solving process (--cpu-time); wall s shows the elapsed time.")
    print(f"Machine: {machine()}")
    print()
    print(
        "| instance | solver | limit s | wall s | visited | km | prizes left | objective | feasible | vs PyVRP reference |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    have_ortools = have_vroom = True
    try:
        import ortools  # noqa: F401
    except ImportError:
        have_ortools = False
    try:
        import vroom  # noqa: F401
    except ImportError:
        have_vroom = False
    for kind, limit in (("a", 1.0), ("b", args.limit_b)):
        if args.only and kind != args.only:
            continue
        problem = instance(kind)
        label = "(a) 1 cadre, 40 cand." if kind == "a" else "(b) 8 cadres, 400 cand., 20% windows"
        before = load()
        reference_routes, ref_elapsed = run_reference(problem, args.reference_seconds, seed=1)
        reference = evaluate(problem, reference_routes)
        print(
            row(
                label,
                f"PyVRP reference, full model ({before})",
                args.reference_seconds,
                reference_routes,
                ref_elapsed,
                problem,
                reference,
            )
        )
        configs = [(1, "Doorstep planner (PyVRP 0.14.1), 1 core")]
        if kind == "b":
            configs.append((2, "Doorstep planner, 2 cores (2 seeds, best)"))
        for workers, name in configs:
            before = load()
            runs = [
                run_pyvrp(problem, limit, seed=seed, workers=workers) for seed in range(1, args.seeds + 1)
            ]
            print(median_row(label, f"{name} ({before})", limit, runs, problem, reference))
            sys.stdout.flush()
        if have_ortools:
            routes, elapsed = run_ortools(problem, limit)
            print(row(label, f"OR-Tools 9.15 (GLS) ({load()})", limit, routes, elapsed, problem, reference))
        else:
            print(f"| {label} | OR-Tools | not installed | | | | | | | |")
        if have_vroom:
            routes, elapsed = run_vroom(problem, limit)
            print(row(label, f"VROOM 1.15 (pyvroom) ({load()})", limit, routes, elapsed, problem, reference))
        else:
            print(f"| {label} | VROOM | not installed | | | | | | | |")
        sys.stdout.flush()
    print()
    print(f"Load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
