"""The solver's promises, checked on generated instances: windows, shift, lunch, mandatory stops, prizes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visits.planner import Candidate, Problem, solve

OFFICE = (33.95, 114.55)


@st.composite
def problems(draw):
    n = draw(st.integers(min_value=1, max_value=14))
    vehicles = draw(st.integers(min_value=1, max_value=3))
    shift_start = draw(st.sampled_from([8 * 60, 8 * 60 + 30, 9 * 60]))
    shift_hours = draw(st.integers(min_value=3, max_value=9))
    lunch = draw(st.sampled_from([0, 30, 60]))
    lunch_start = draw(st.sampled_from([11 * 60, 11 * 60 + 30, 12 * 60]))
    # None: the old fixed break; otherwise a window some minutes longer than the break.
    slack = draw(st.sampled_from([None, 0, 30, 60, 120]))
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
        lunch_start=lunch_start,
        lunch_minutes=lunch,
        lunch_end=None if slack is None else lunch_start + lunch + slack,
        balance=draw(st.booleans()),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_planned_stop_respects_its_window_the_shift_and_lunch(problem):
    solution = solve(problem, seconds=0.1)
    assert solution.feasible
    shift_end = problem.shift_start + problem.shift_minutes
    lunch = problem.lunch_window()
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
            assert stop.departure == stop.arrival + c.service_minutes
            previous_departure = stop.departure
        if lunch is not None and route.end > lunch[0]:
            # The day runs into the lunch window, so the break is taken inside it, between visits.
            assert route.lunch_at is not None
            assert lunch[0] <= route.lunch_at and route.lunch_at + problem.lunch_minutes <= lunch[1]
            for stop in route.stops:
                assert (
                    stop.departure <= route.lunch_at or stop.arrival >= route.lunch_at + problem.lunch_minutes
                )
            assert route.lunch_at + problem.lunch_minutes <= route.end
        elif lunch is None:
            assert route.lunch_at is None
    planned = [s.candidate.key for r in solution.routes for s in r.stops]
    assert len(planned) == len(set(planned))
    assert set(planned) | {c.key for c in solution.unplanned} == {c.key for c in problem.candidates}
    limit = problem.stop_limit()
    if limit:
        assert all(len(r.stops) <= limit for r in solution.routes)


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


def test_household_available_only_during_a_fixed_lunch_is_left_unplanned_not_visited_in_lunch():
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


def _household(key, minutes_east=0.0, **kwargs):
    return Candidate(key=key, lat=OFFICE[0] + 0.02, lng=OFFICE[1] + minutes_east, **kwargs)


def test_lunch_moves_inside_its_window_to_keep_a_household_seen_at_noon():
    # Available only 11:40-12:10: a break fixed at 11:30-12:30 would lose it; a window lets it move.
    noon = _household(1, prize=50_000, service_minutes=20, window=(11 * 60 + 40, 12 * 60 + 10))
    morning = _household(2, 0.001, prize=50_000, service_minutes=20, window=(9 * 60, 9 * 60 + 30))
    problem = Problem(
        depot=OFFICE,
        vehicles=[0],
        candidates=[noon, morning],
        shift_start=8 * 60 + 30,
        shift_minutes=8 * 60,
        lunch_start=11 * 60 + 30,
        lunch_end=13 * 60 + 30,
        lunch_minutes=60,
    )
    route = solve(problem, seconds=0.3).routes[0]
    assert [s.candidate.key for s in route.stops] == [2, 1]
    visit = route.stops[1]
    assert visit.departure <= route.lunch_at <= 13 * 60 + 30 - 60


def test_a_day_over_before_the_lunch_window_takes_no_break():
    quick = _household(1, prize=50_000, service_minutes=20, window=(8 * 60 + 30, 9 * 60))
    problem = Problem(
        depot=OFFICE,
        vehicles=[0],
        candidates=[quick],
        lunch_start=11 * 60 + 30,
        lunch_end=13 * 60 + 30,
    )
    route = solve(problem, seconds=0.2).routes[0]
    assert route.end < 11 * 60 + 30 and route.lunch_at is None


def _cluster(n):
    return [_household(i, 0.0004 * i, prize=30_000, service_minutes=15) for i in range(n)]


def test_without_balancing_one_cadre_may_take_the_whole_cluster():
    problem = Problem(depot=OFFICE, vehicles=[1, 2], candidates=_cluster(12), balance=False)
    sizes = sorted(len(r.stops) for r in solve(problem, seconds=0.3).routes)
    assert sizes == [0, 12]  # one round trip is shorter than two: why balancing exists


def test_balancing_shares_the_stops_between_cadres():
    problem = Problem(depot=OFFICE, vehicles=[1, 2], candidates=_cluster(12))
    solution = solve(problem, seconds=0.3)
    sizes = sorted(len(r.stops) for r in solution.routes)
    assert not solution.unplanned
    assert problem.stop_limit() == 7 and sizes[-1] <= 7 and sizes[0] >= 5


def test_an_explicit_stop_limit_caps_each_cadre_even_when_more_would_fit():
    problem = Problem(depot=OFFICE, vehicles=[1], candidates=_cluster(8), max_stops=3)
    solution = solve(problem, seconds=0.2)
    assert len(solution.routes[0].stops) == 3 and len(solution.unplanned) == 5
