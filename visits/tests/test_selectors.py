from datetime import timedelta

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
