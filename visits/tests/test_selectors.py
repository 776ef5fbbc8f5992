from datetime import time, timedelta

from django.utils import timezone

from core.testing import make_household
from visits import selectors
from visits.models import Mode

from .conftest import visit


def _due(user):
    return {d.household.pk: d for d in selectors.due_list(user=user)}


def test_never_visited_elder_is_overdue(village_official, elder):
    due = _due(village_official)[elder.household.pk]
    assert due.never and "独居老人每周入户" in due.reason


def test_elder_visited_in_person_six_days_ago_is_not_due(village_official, elder):
    visit(village_official, elder.household, days_ago=6)
    assert elder.household.pk not in _due(village_official)


def test_elder_overdue_by_how_long(village_official, elder):
    visit(village_official, elder.household, days_ago=10)
    assert _due(village_official)[elder.household.pk].overdue_days == 3


def test_a_phone_call_does_not_count_for_an_in_person_policy(village_official, elder):
    visit(village_official, elder.household, mode=Mode.PHONE, days_ago=1)
    assert elder.household.pk in _due(village_official)


def test_away_household_is_satisfied_by_a_phone_call(village_official, away_household):
    assert away_household.pk in _due(village_official)
    visit(village_official, away_household, mode=Mode.PHONE, days_ago=30)
    assert away_household.pk not in _due(village_official)


def test_not_at_home_does_not_count_as_contact(village_official, away_household):
    visit(village_official, away_household, mode=Mode.NOT_HOME, days_ago=1)
    assert away_household.pk in _due(village_official)


def test_follow_up_date_makes_a_household_due(tree, village_official, policies):
    household = make_household(tree.village_a1, address="甲一村三组3号")
    v = visit(village_official, household, next_visit_date=timezone.localdate() + timedelta(days=2))
    assert household.pk not in _due(village_official)
    later = selectors.due_list(user=village_official, day=timezone.localdate() + timedelta(days=2))
    assert household.pk in {d.household.pk for d in later}
    assert v.next_visit_date


def test_village_official_does_not_see_other_village_overdue(village_official, elder, outsider):
    due = _due(village_official)
    assert elder.household.pk in due and outsider.household.pk not in due


def test_coverage_counts_people_visited_in_person_on_time(
    village_official, township_leader, elder, outsider, tree
):
    from core.testing import make_person

    other = make_person(
        elder.household.__class__.objects.create(
            village=tree.village_a2, scope_path=tree.village_a2.path, address="甲二村1号"
        ),
        "李爷爷",
    )
    other.tags.add(tree.tags["elderly_alone"])
    visit(village_official, elder.household, days_ago=2)
    cov = selectors.coverage(user=township_leader)
    elderly = next(r for r in cov.policies if r.label == "独居老人每周入户")
    assert (elderly.total, elderly.on_time) == (2, 1)  # the 乙 village's elder is out of scope
    assert {r.label for r in cov.villages} == {"甲一村", "甲二村"}
    assert cov.townships[0].label == "甲镇"
    assert cov.trend[-1]["share"] < 100
    assert sum(w["in_person"] for w in cov.weekly_visits) == 1


def test_coverage_for_nobody_is_empty(nobody, elder):
    cov = selectors.coverage(user=nobody)
    assert cov.total.total == 0 and cov.villages == []


def test_coverage_by_cadre_covers_the_cadres_villages(township_leader, township_cadre, elder):
    cov = selectors.coverage(user=township_leader)
    assert "cadre_a" in {r.label for r in cov.cadres} or any(r.key == township_cadre.pk for r in cov.cadres)


def test_overdue_summary_matches_the_list(village_official, elder, away_household):
    summary = selectors.overdue_summary(user=village_official)
    assert summary == {"overdue": 2, "never": 2}


def test_the_shared_due_list_is_reused_until_a_visit_or_a_policy_changes_it(
    village_official, elder, tree, django_assert_max_num_queries, settings
):
    from visits import services
    from visits.models import VisitPolicy

    first = selectors.due_list_shared(user=village_official)
    assert elder.household.pk in {d.household.pk for d in first}
    with django_assert_max_num_queries(1):  # the policies (part of the key); the list itself from the cache
        again = selectors.due_list_shared(user=village_official)
    assert [d.household.pk for d in again] == [d.household.pk for d in first]

    # A household leaving the list without a visit (here: its tag removed) shows only after the timeout...
    elder.tags.clear()
    assert elder.household.pk in {d.household.pk for d in selectors.due_list_shared(user=village_official)}
    # ...but a recorded visit anywhere in the scope refreshes it at once.
    other = elder.household.__class__.objects.create(
        village=tree.village_a1, scope_path=tree.village_a1.path, address="甲一村2号"
    )
    services.visit_record(actor=village_official, household=other)
    assert elder.household.pk not in {
        d.household.pk for d in selectors.due_list_shared(user=village_official)
    }

    # So does an edited policy: its settings are part of the key.
    elder.tags.add(tree.tags["elderly_alone"])
    policy = VisitPolicy.objects.get(name="独居老人每周入户")
    policy.interval_days = 400
    policy.save()
    shared = {d.household.pk: d for d in selectors.due_list_shared(user=village_official)}
    assert shared[elder.household.pk].overdue_days == 400  # never visited: overdue by the new interval

    settings.DOORSTEP_DUE_CACHE_SECONDS = 0
    elder.tags.clear()
    assert elder.household.pk not in {
        d.household.pk for d in selectors.due_list_shared(user=village_official)
    }


def _shared(user, **kwargs):
    return {d.household.pk: d for d in selectors.due_list_shared(user=user, **kwargs)}


def _same_list(shared, computed):
    assert list(shared) and sorted(shared) == sorted(computed)
    for pk, due in computed.items():
        got = shared[pk]
        assert (got.overdue_days, got.never, got.follow_up, got.mode, got.reason) == (
            due.overdue_days,
            due.never,
            due.follow_up,
            due.mode,
            due.reason,
        )


def test_wider_and_narrower_scopes_get_what_due_list_computes(
    tree, village_official, grid_official, township_cadre, township_leader, county_supervisor, elder, outsider
):
    """Townships and counties put their villages' pieces together; a grid's list is its own."""
    in_grid = make_household(tree.village_a1, grid=tree.grid_a1, address="甲一村网格1号")
    in_grid_elder = in_grid.members.create(name="网格老人", residence="resident")
    in_grid_elder.tags.add(tree.tags["elderly_alone"])
    visit(village_official, elder.household, days_ago=10)
    for user in (village_official, township_cadre, township_leader, county_supervisor, grid_official):
        _same_list(_shared(user), _due(user))
        _same_list(_shared(user), _shared(user))  # and again, from the cache
    assert set(_shared(grid_official)) == {in_grid.pk}
    assert outsider.household.pk in _shared(county_supervisor)
    assert outsider.household.pk not in _shared(township_leader)
    assert set(_shared(county_supervisor, village=tree.village_b1.pk)) == {outsider.household.pk}
    assert _shared(township_leader, village=tree.village_b1.pk) == {}  # not theirs


def test_a_committed_visit_puts_the_cached_piece_right_without_recomputing_it(
    tree,
    village_official,
    township_leader,
    elder,
    away_household,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    first = _shared(village_official)
    assert {elder.household.pk, away_household.pk} <= set(first)
    with django_capture_on_commit_callbacks(execute=True):
        visit(village_official, elder.household)
    with django_assert_max_num_queries(1):  # the policies: the piece itself was patched, not dropped
        after = _shared(village_official)
    assert elder.household.pk not in after
    assert after[away_household.pk].overdue_days == first[away_household.pk].overdue_days
    _same_list(after, _due(village_official))
    # The township's list is made of the same pieces.
    _same_list(_shared(township_leader), _due(township_leader))


def test_a_follow_up_date_stays_on_the_patched_piece(
    tree, village_official, elder, django_capture_on_commit_callbacks
):
    _shared(village_official)
    with django_capture_on_commit_callbacks(execute=True):
        visit(village_official, elder.household, next_visit_date=timezone.localdate())
    assert _shared(village_official)[elder.household.pk].follow_up == timezone.localdate()


def test_a_piece_read_before_the_visit_committed_is_put_right_after_it(
    tree, village_official, elder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit(village_official, elder.household)
        # Another request computes the piece between the visit's write and its commit (here the
        # visit is visible, so the piece is stored from the rows as they were, by hand).
        key = selectors._piece_key(
            selectors._village_path(elder.household.scope_path),
            selectors._today(),
            selectors._county_policy_map(village_official)[tree.county.code],
        )
        stale = [
            selectors._packed(
                selectors.Due(household=elder.household, policies=["独居老人每周入户"], never=True)
            )
        ]
        version = selectors.cache.get(
            selectors.DUE_VERSION_PREFIX + selectors._village_path(elder.household.scope_path)
        )
        selectors.cache.set(key, (version, selectors.time_module.time(), stale), 60)
    assert elder.household.pk not in _shared(village_official)


def test_a_visit_that_cannot_take_the_lock_leaves_the_piece_to_be_recomputed(
    tree, village_official, elder, away_household, django_capture_on_commit_callbacks
):
    _shared(village_official)
    village = selectors._village_path(elder.household.scope_path)
    selectors.cache.add(f"visits:due-lock:{village}", 1, 10)  # another visit is patching
    with django_capture_on_commit_callbacks(execute=True):
        visit(village_official, elder.household)
    assert elder.household.pk not in _shared(village_official)
    assert away_household.pk in _shared(village_official)


def test_patches_do_not_keep_a_piece_beyond_its_time(
    tree, village_official, elder, away_household, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """A household that left the list without a visit (its tag removed) shows after the timeout,
    however many visits patched the piece meanwhile."""
    _shared(village_official)
    elder.tags.clear()
    start = selectors.time_module.time()
    monkeypatch.setattr(
        selectors.time_module, "time", lambda: start + settings.DOORSTEP_DUE_CACHE_SECONDS - 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        visit(village_official, away_household, mode=Mode.PHONE)
    assert elder.household.pk in _shared(village_official)  # still the piece of a minute ago
    monkeypatch.setattr(
        selectors.time_module, "time", lambda: start + settings.DOORSTEP_DUE_CACHE_SECONDS + 1
    )
    assert elder.household.pk not in _shared(village_official)


def test_visits_overlapping_in_one_village_each_put_the_piece_right(
    tree,
    village_official,
    elder,
    away_household,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    """Two officials of one village record visits at the same time; a worklist is read in between."""
    _shared(village_official)
    with django_capture_on_commit_callbacks() as first:
        visit(village_official, elder.household)
    with django_capture_on_commit_callbacks() as second:
        visit(village_official, away_household, mode=Mode.PHONE)
    _shared(village_official)  # a reader between the two starts and the two commits stores a piece
    for callback in [*second, *first]:  # the later visit finishes first
        callback()
    with django_assert_max_num_queries(1):  # the policies: the piece was patched twice, not dropped
        after = _shared(village_official)
    assert elder.household.pk not in after and away_household.pk not in after
    assert sorted(after) == sorted(_due(village_official))


def test_policies_come_from_the_cache_until_one_or_a_tag_changes(
    tree, village_official, policies, django_assert_num_queries, django_capture_on_commit_callbacks
):
    names = [p.name for p in selectors.policy_list(user=village_official)]
    with django_assert_num_queries(0):
        assert [p.name for p in selectors.policy_list(user=village_official)] == names
    policy = next(p for p in policies if p.name == "独居老人每周入户")
    with django_capture_on_commit_callbacks(execute=True):
        policy.active = False
        policy.save()
    assert "独居老人每周入户" not in [p.name for p in selectors.policy_list(user=village_official)]
    tag = tree.tags["elderly_alone"]
    policy.active = True
    policy.save()
    tag.name = "独居老人（改）"
    tag.save()
    cached = next(p for p in selectors.policy_list(user=village_official) if p.name == "独居老人每周入户")
    assert cached.tag.name == "独居老人（改）"


def test_no_route_today_is_remembered_until_a_plan_of_theirs_changes(
    tree, township_cadre, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from visits.models import Plan, PlanRoute

    assert selectors.todays_route(user=township_cadre) is None
    with django_assert_num_queries(0):
        assert selectors.todays_route(user=township_cadre) is None
    with django_capture_on_commit_callbacks(execute=True):
        plan = Plan.objects.create(
            township=tree.town_a, scope_path=tree.town_a.path, date=timezone.localdate()
        )
        route = PlanRoute.objects.create(
            plan=plan, cadre=township_cadre, start_time=time(8, 30), end_time=time(16, 30)
        )
    assert selectors.todays_route(user=township_cadre) is None  # the plan is not finished yet
    plan.status = Plan.Status.DONE
    plan.save()
    assert selectors.todays_route(user=township_cadre) == route
    PlanRoute.objects.filter(pk=route.pk).delete()  # a deleted route is not remembered either way
    assert selectors.todays_route(user=township_cadre) is None
