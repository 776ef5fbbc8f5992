"""A county administrator configures demands in the staff workspace: categories and keywords, the authority
matrix, the working calendar and Open311 keys; everything journaled and limited to their own county."""

from datetime import date

import pytest

from core.testing import make_staff
from core.workcalendar import Clock
from demands.models import AuthorityRule, CalendarDay, Category, Open311Client
from journal.models import Entry
from territory import services as territory_services
from territory.roles import Role

URL = "/work/demands/settings/"


@pytest.fixture
def admin_client(client, administrator, setup):
    client.force_login(administrator)
    return client


def test_the_settings_page_is_for_the_county_administrator_only(
    admin_client, client, village_official, setup
):
    page = admin_client.get(URL)
    assert page.status_code == 200
    assert "道路路灯" in page.content.decode() and "jurisdiction_id" in page.content.decode()
    client.force_login(village_official)
    assert client.get(URL).status_code == 403


def test_a_new_category_is_created_and_a_duplicate_code_is_refused_in_chinese(admin_client, tree):
    form = {
        "code": "sanitation",
        "name": "环境卫生",
        "keywords": "垃圾 厕所",
        "accept_days": 1,
        "resolve_days": 7,
    }
    assert admin_client.post(f"{URL}categories/", form | {"sort_order": 5}).status_code == 302
    category = Category.objects.get(county=tree.county, code="sanitation")
    assert category.keyword_list() == ["垃圾", "厕所"]
    assert Entry.objects.filter(action="demands.category.created").exists()
    again = admin_client.post(f"{URL}categories/", form | {"sort_order": 5})
    assert again.status_code == 400 and "本县已有代码为“sanitation”的类别" in again.content.decode()
    short = admin_client.post(f"{URL}categories/", form | {"code": "x2", "accept_days": 9, "sort_order": 0})
    assert "办结时限不能短于受理时限" in short.content.decode()


def test_editing_a_category_changes_its_keywords_but_not_its_code(admin_client, setup):
    road = setup["road"]
    url = f"{URL}categories/{road.pk}/"
    data = {
        "code": "renamed",
        "name": "道路路灯",
        "keywords": "路灯 井盖",
        "accept_days": 1,
        "resolve_days": 10,
    }
    assert admin_client.post(url, data | {"sort_order": 0, "active": "on"}).status_code == 302
    road.refresh_from_db()
    assert road.code == "road" and road.keywords == "路灯 井盖"
    assert Entry.objects.filter(action="demands.category.updated").exists()


def test_rules_are_added_and_the_last_rule_of_a_category_cannot_be_deleted(admin_client, setup):
    road = setup["road"]
    data = {"category": road.pk, "level": "county", "department": setup["civil"].pk, "priority": 10}
    assert admin_client.post(f"{URL}rules/", data | {"concerns_county_project": "true"}).status_code == 302
    rule = AuthorityRule.objects.get(category=road, priority=10)
    assert rule.concerns_county_project is True and rule.department == setup["civil"]
    assert admin_client.post(f"{URL}rules/{rule.pk}/delete/").status_code == 302
    last = AuthorityRule.objects.get(category=road)
    response = admin_client.post(f"{URL}rules/{last.pk}/delete/", follow=True)
    assert "每个类别至少要有一条权责规则" in response.content.decode()
    assert AuthorityRule.objects.filter(pk=last.pk).exists()


def test_a_rule_is_edited_in_place_journaled_and_new_demands_follow_it(admin_client, setup, tree):
    road = setup["road"]
    rule = AuthorityRule.objects.filter(category=road).first()
    url = f"{URL}rules/{rule.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "修改“道路路灯”的权责规则" in page.content.decode()
    data = {
        "level": "county",
        "department": setup["civil"].pk,
        "priority": 7,
        "concerns_county_project": "unknown",
    }
    assert admin_client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.level, rule.department, rule.priority) == ("county", setup["civil"], 7)
    entry = Entry.objects.get(action="demands.rule.updated")
    assert entry.data["changed"]["priority"][1] == "7" and entry.data["rule"] == rule.pk
    from demands.services import route

    routed = route(category=road, place_unit=tree.village_a1, concerns_county_project=False, amount=None)
    assert routed.department == setup["civil"]
    wrong = admin_client.post(url, data | {"priority": -1})
    assert wrong.status_code == 400 and AuthorityRule.objects.get(pk=rule.pk).priority == 7
    # saving it unchanged writes no journal entry
    assert admin_client.post(url, data).status_code == 302
    assert Entry.objects.filter(action="demands.rule.updated").count() == 1


def test_a_holiday_set_here_moves_demand_deadlines_and_task_lead_times(admin_client, tree):
    from burden.workdays import working_days_between

    assert Clock.for_county(tree.county.pk).is_working_day(date(2027, 1, 4))  # a Monday
    response = admin_client.post(f"{URL}calendar/", {"date": "2027-01-04", "kind": "holiday", "note": "元旦"})
    assert response.status_code == 302
    assert not Clock.for_county(tree.county.pk).is_working_day(date(2027, 1, 4))
    assert working_days_between(date(2027, 1, 1), date(2027, 1, 5), county_id=tree.county.pk) == 1
    wrong = admin_client.post(f"{URL}calendar/", {"date": "2027-01-05", "kind": "workday"})
    assert wrong.status_code == 400 and "调休上班只能设在周六或周日" in wrong.content.decode()
    day = CalendarDay.objects.get(date=date(2027, 1, 4))
    admin_client.post(f"{URL}calendar/{day.pk}/delete/")
    assert Clock.for_county(tree.county.pk).is_working_day(date(2027, 1, 4))
    assert Entry.objects.filter(action="demands.calendar.day_deleted").exists()


def test_an_open311_key_is_shown_once_works_and_stops_working_when_revoked(admin_client, client, tree):
    issued = admin_client.post(f"{URL}open311/", {"name": "随手拍"})
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    key = issued.context["key"]
    assert key in issued.content.decode()
    app = Open311Client.objects.get(name="随手拍")
    assert app.county == tree.county and key not in admin_client.get(URL).content.decode()
    post = {
        "api_key": key,
        "service_code": "road",
        "description": "路灯坏了",
        "address_id": tree.village_a1.code,
    }
    assert client.post("/open311/v2/requests.json", post).status_code == 201
    admin_client.post(f"{URL}open311/{app.pk}/revoke/")
    assert client.post("/open311/v2/requests.json", post).status_code == 403
    assert Entry.objects.filter(action="demands.open311client.revoked").exists()


def test_an_administrator_of_another_county_cannot_touch_this_countys_settings(client, setup, tree):
    other = territory_services.unit_create(actor=None, code="419902000000", name="邻县")
    client.force_login(make_staff(Role.ADMINISTRATOR, [other], username="admin_other"))
    assert client.get(f"{URL}categories/{setup['road'].pk}/").status_code == 404
    rule = AuthorityRule.objects.filter(category=setup["road"]).first()
    assert client.post(f"{URL}rules/{rule.pk}/delete/").status_code == 404
    assert AuthorityRule.objects.filter(pk=rule.pk).exists()


def test_a_countys_days_come_from_its_calendar_read_in_one_query(setup, tree, django_assert_num_queries):
    """county_days: None without a calendar (the national schedule applies), empty sets for a calendar
    without days, else the holidays and adjusted workdays, in one query each time."""
    from datetime import date

    from demands.models import CalendarDay, WorkingCalendar
    from demands.workdays import county_days
    from territory.models import AdminUnit

    other = AdminUnit.objects.create(
        code="419902000000", name="别县", level=AdminUnit.Level.COUNTY, path="/419902000000/"
    )
    with django_assert_num_queries(1):
        assert county_days(other.pk) is None
    calendar = WorkingCalendar.objects.create(county=other, name="别县日历")
    with django_assert_num_queries(1):
        assert county_days(other.pk) == (set(), set())
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY)
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 1, 2), kind=CalendarDay.Kind.WORKDAY)
    with django_assert_num_queries(1):
        assert county_days(other.pk) == ({date(2027, 1, 1)}, {date(2027, 1, 2)})
    holidays, workdays = county_days(tree.county.pk)
    assert date(2026, 10, 1) in holidays and workdays
