"""The solver's promises, checked on generated instances: windows, shift, mandatory stops, sensible prizes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visits.planner import Candidate, Problem, solve

OFFICE = (33.95, 114.55)


@st.composite
def problems(draw):
    n = draw(st.integers(min_value=1, max_value=14))
    vehicles = draw(st.integers(min_value=1, max_value=2))
    shift_start = draw(st.sampled_from([8 * 60, 8 * 60 + 30, 9 * 60]))
    shift_hours = draw(st.integers(min_value=3, max_value=9))
    lunch = draw(st.sampled_from([0, 30, 60]))
    candidates = []
    for i in range(n):
        lat = OFFICE[0] + draw(st.floats(min_value=-0.08, max_value=0.08))
        lng = OFFICE[1] + draw(st.floats(min_value=-0.08, max_value=0.08))
        window = None
        if draw(st.booleans()):
            start = draw(st.integers(min_value=shift_start, max_value=shift_start + shift_hours * 60 - 30))
            window = (start, start + draw(st.integers(min_value=20, max_value=180)))
        candidates.append(
            Candidate(
                key=i,
                lat=lat,
                lng=lng,
                prize=draw(st.integers(min_value=1_000, max_value=60_000)),
                required=i < 2 and window is None and draw(st.booleans()),
                service_minutes=draw(st.sampled_from([5, 15, 20, 30])),
                window=window,
            )
        )
    return Problem(
        depot=OFFICE,
        vehicles=list(range(vehicles)),
        candidates=candidates,
        shift_start=shift_start,
        shift_minutes=shift_hours * 60,
        lunch_minutes=lunch,
    )


def _in_lunch(problem, minute):
    # A shift that does not cover the whole lunch hour (a half day) has no lunch break.
    shift_end = problem.shift_start + problem.shift_minutes
    has_lunch = (
        problem.shift_start < problem.lunch_start and shift_end >= problem.lunch_start + problem.lunch_minutes
    )
    return bool(
        has_lunch
        and problem.lunch_minutes
        and problem.lunch_start < minute < problem.lunch_start + problem.lunch_minutes
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_planned_stop_respects_its_window_the_shift_and_lunch(problem):
    solution = solve(problem, seconds=0.1)
    assert solution.feasible
    shift_end = problem.shift_start + problem.shift_minutes
    for route in solution.routes:
        if not route.stops:
            continue
        assert problem.shift_start <= route.start and route.end <= shift_end
        previous_departure = route.start
        for stop in route.stops:
            c = stop.candidate
            if c.window:
                assert c.window[0] <= stop.arrival <= c.window[1]
            assert stop.arrival >= previous_departure
            assert not _in_lunch(problem, stop.arrival)
            previous_departure = stop.departure
    planned = [s.candidate.key for r in solution.routes for s in r.stops]
    assert len(planned) == len(set(planned))
    assert set(planned) | {c.key for c in solution.unplanned} == {c.key for c in problem.candidates}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_mandatory_stops_are_planned_when_they_fit(problem):
    solution = solve(problem, seconds=0.1)
    if not solution.relaxed_required:
        planned = {s.candidate.key for r in solution.routes for s in r.stops}
        assert {c.key for c in problem.candidates if c.required} <= planned


def test_with_a_long_shift_every_valuable_stop_is_visited():
    candidates = [
        Candidate(key=i, lat=OFFICE[0] + 0.01 * (i % 3), lng=OFFICE[1] + 0.01 * (i // 3), prize=50_000)
        for i in range(9)
    ]
    solution = solve(
        Problem(depot=OFFICE, vehicles=[1], candidates=candidates, shift_minutes=10 * 60), seconds=0.2
    )
    assert not solution.unplanned


def test_when_only_one_fits_the_more_overdue_is_chosen():
    near = (OFFICE[0] + 0.02, OFFICE[1])
    low = Candidate(key=1, lat=near[0], lng=near[1], prize=5_000, service_minutes=60)
    high = Candidate(key=2, lat=near[0], lng=near[1] + 0.0005, prize=50_000, service_minutes=60)
    problem = Problem(depot=OFFICE, vehicles=[1], candidates=[low, high], shift_minutes=90, lunch_minutes=0)
    solution = solve(problem, seconds=0.2)
    assert [s.candidate.key for s in solution.routes[0].stops] == [2]


def test_fuel_cost_follows_distance_and_price():
    c = Candidate(key=1, lat=OFFICE[0] + 0.05, lng=OFFICE[1], prize=60_000)
    problem = Problem(depot=OFFICE, vehicles=[1], candidates=[c], fuel_l_per_100km=10, fuel_price=8)
    route = solve(problem, seconds=0.1).routes[0]
    assert route.km > 10
    assert route.fuel_cost(problem) == round(route.km * 0.8, 2)


def test_household_available_only_during_lunch_is_left_unplanned_not_visited_in_lunch():
    from visits.planner import Candidate, Problem, solve

    here = (33.95, 114.55)
    lunch_only = Candidate(key=1, lat=here[0], lng=here[1], prize=1000, service_minutes=5, window=(721, 741))
    normal = Candidate(key=2, lat=here[0], lng=here[1], prize=1000, service_minutes=5)
    problem = Problem(
        depot=here,
        vehicles=[0],
        candidates=[lunch_only, normal],
        shift_start=8 * 60,
        shift_minutes=8 * 60,
        lunch_start=720,
        lunch_minutes=30,
    )
    solution = solve(problem, seconds=0.2)
    planned = [s.candidate.key for r in solution.routes for s in r.stops]
    assert planned == [2]
    assert [c.key for c in solution.unplanned] == [1]
