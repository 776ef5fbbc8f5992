"""Day-planner benchmark: PyVRP (what Doorstep uses) against OR-Tools and VROOM on the same instances.

    make bench-planner                      # all instances, 120 s reference run
    .venv/bin/python bench/visits_planner.py --reference-seconds 60

Instances (generated, seeded):
  (a) one cadre, 40 candidate households in 6 villages, 8-hour shift with a lunch hour;
  (b) a township: 8 cadres, 400 candidates, 20% with a 2-hour availability window.

Every solver gets the very same matrices (metres, minutes, from visits.planner), windows and shift
in working time; every answer is then re-checked by one evaluator here (windows, shift, mandatory
stops) and scored the same way: objective = metres driven + prizes of households left out.
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

from visits.planner import Candidate, Problem, _Clock, _matrices, solve  # noqa: E402

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
    return Problem(depot=OFFICE, vehicles=list(range(cadres)), candidates=candidates, shift_minutes=8 * 60)


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
    distance, duration, windows, start, end = working_instance(problem)
    metres, feasible, seen = 0, True, set()
    for route in routes:
        t, prev = start, 0
        for idx in route:
            loc = idx + 1
            metres += int(distance[prev, loc])
            t = max(t + int(duration[prev, loc]), windows[idx][0])
            if t > windows[idx][1]:
                feasible = False
            t += problem.candidates[idx].service_minutes
            prev = loc
            if idx in seen:
                feasible = False
            seen.add(idx)
        metres += int(distance[prev, 0])
        t += int(duration[prev, 0])
        if t > end:
            feasible = False
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


def run_pyvrp(problem: Problem, seconds: float, seed: int = 1):
    t0 = time.perf_counter()
    solution = solve(problem, seconds=seconds, seed=seed)
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference-seconds", type=float, default=120)
    parser.add_argument("--repeat", type=int, default=3, help="runs of instance (a) for the median time")
    args = parser.parse_args()
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
    for kind, limit in (("a", 1.0), ("b", 8.0)):
        problem = instance(kind)
        label = "(a) 1 cadre, 40 cand." if kind == "a" else "(b) 8 cadres, 400 cand., 20% windows"
        reference_routes, ref_elapsed = run_pyvrp(problem, args.reference_seconds, seed=1)
        reference = evaluate(problem, reference_routes)
        times = []
        for seed in range(1, (args.repeat if kind == "a" else 1) + 1):
            routes, elapsed = run_pyvrp(problem, limit, seed=seed)
            times.append(elapsed)
        print(row(label, "PyVRP 0.14.1", limit, routes, statistics.median(times), problem, reference))
        if kind == "a" and len(times) > 1:
            print(
                f"| | PyVRP wall time over {len(times)} runs | | median {statistics.median(times):.2f}, max {max(times):.2f} | | | | | | |"
            )
        print(
            row(
                label,
                "PyVRP (reference)",
                args.reference_seconds,
                reference_routes,
                ref_elapsed,
                problem,
                reference,
            )
        )
        if have_ortools:
            routes, elapsed = run_ortools(problem, limit)
            print(row(label, "OR-Tools 9.15 (GLS)", limit, routes, elapsed, problem, reference))
        else:
            print(f"| {label} | OR-Tools | not installed | | | | | | | |")
        if have_vroom:
            routes, elapsed = run_vroom(problem, limit)
            print(row(label, "VROOM 1.15 (pyvroom)", limit, routes, elapsed, problem, reference))
        else:
            print(f"| {label} | VROOM | not installed | | | | | | | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
