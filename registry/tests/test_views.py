from datetime import date

import pytest
from django.urls import reverse

from core.testing import make_household, make_person, synthetic_id
from journal.models import Entry


@pytest.fixture
def person(tree):
    household = make_household(tree.village_a1, address="甲一村一组9号")
    return make_person(
        household,
        "孙桂香",
        id_number=synthetic_id(date(1941, 4, 4), "F"),
        phone="13800009999",
        tags=[tree.tags["elderly_alone"]],
    )


def test_person_page_shows_masked_id_never_the_full_number(client, person, village_official):
    client.force_login(village_official)
    html = client.get(f"/work/registry/people/{person.pk}/").content.decode()
    assert person.id_masked in html
    assert "138****9999" in html
    from core import crypto

    assert crypto.decrypt(person.id_cipher, context="person.id_number") not in html


def test_reveal_via_http_records_viewer_and_purpose(client, person, village_official):
    client.force_login(village_official)
    response = client.post(
        f"/work/registry/people/{person.pk}/reveal/", {"field": "phone", "purpose": "电话回访"}
    )
    assert response.status_code == 200
    assert "13800009999" in response.content.decode()
    entry = Entry.objects.get(action="registry.person.pii_viewed")
    assert entry.actor == village_official and entry.data["purpose"] == "电话回访"
    page = client.get(f"/work/registry/people/{person.pk}/").content.decode()
    assert "电话回访" in page  # the person's page shows who has seen the full data


def test_reveal_without_permission_is_refused(client, person, county_supervisor):
    client.force_login(county_supervisor)
    response = client.post(
        f"/work/registry/people/{person.pk}/reveal/", {"field": "phone", "purpose": "看看"}
    )
    assert response.status_code == 403
    assert "13800009999" not in response.content.decode()


def test_household_list_filters_by_tag(client, person, tree, village_official):
    make_household(tree.village_a1, address="甲一村五组1号")
    client.force_login(village_official)
    html = client.get("/work/registry/households/?tag=elderly_alone").content.decode()
    assert "甲一村一组9号" in html and "甲一村五组1号" not in html


def test_edit_person_through_form(client, person, village_official):
    client.force_login(village_official)
    response = client.post(
        f"/work/registry/people/{person.pk}/edit/",
        {
            "name": "孙桂香",
            "relation": "head",
            "residence": "migrant_work",
            "tags": ["elderly_alone"],
            "note": "",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.residence == "migrant_work"
    assert person.phone_masked == "138****9999"  # blank phone field means unchanged


def test_edit_rejects_bad_id_with_message_in_chinese(client, person, village_official):
    client.force_login(village_official)
    response = client.post(
        f"/work/registry/people/{person.pk}/edit/",
        {"name": "孙桂香", "relation": "head", "residence": "resident", "id_number": "12345", "note": ""},
    )
    assert response.status_code == 200
    assert "身份证号应为18位" in response.content.decode()


def test_home_page_in_english_when_chosen(client, village_official):
    client.force_login(village_official)
    client.post("/i18n/setlang/", {"language": "en", "next": "/work/"})
    html = client.get("/work/").content.decode()
    assert 'lang="en"' in html


def test_anonymous_user_is_sent_to_login(client, person):
    response = client.get(f"/work/registry/people/{person.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_household_list_page_query_count_does_not_grow_with_rows(
    client, tree, village_official, django_assert_num_queries
):
    for n in range(3):
        make_person(make_household(tree.village_a1, address=f"甲一村一组{n + 20}号"), f"户主{n}")
    client.force_login(village_official)
    client.get("/work/registry/households/")
    # 5: session, villages, tags, count, page (member counts inside it). No session write within the
    # renewal minute; the staff row, permissions and jurisdictions come from the cache (territory/access.py).
    with django_assert_num_queries(5) as few:
        client.get("/work/registry/households/")
    for n in range(10):
        make_person(make_household(tree.village_a1, address=f"甲一村二组{n + 20}号"), f"新户主{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/work/registry/households/")


def test_person_list_page_query_count_does_not_grow_with_rows(
    client, tree, village_official, django_assert_max_num_queries
):
    for n in range(12):
        make_person(
            make_household(tree.village_a1, address=f"甲一村三组{n}号"),
            f"人员{n}",
            tags=[tree.tags["elderly_alone"]],
        )
    client.force_login(village_official)
    client.get("/work/registry/people/")
    with django_assert_max_num_queries(13):
        client.get("/work/registry/people/")


def test_household_list_rows_link_to_each_household_with_its_occupancy_and_member_count(
    client, tree, village_official
):
    vacant = make_household(tree.village_a1, address="甲一村五组1号", occupancy="vacant")
    family = make_household(tree.village_a1, grid=tree.grid_a1, address="甲一村五组2号")
    make_person(family, "户主甲")
    make_person(family, "成员乙", relation="spouse")
    client.force_login(village_official)
    page = client.get("/work/registry/households/").content.decode()
    rows = {h.pk: row for h in (vacant, family) for row in page.split("<li>") if f"{h.address}" in row}
    assert f'href="{reverse("registry:household_detail", args=[vacant.pk])}"' in rows[vacant.pk]
    assert f'href="{reverse("registry:household_detail", args=[family.pk])}"' in rows[family.pk]
    assert '<span class="chip plain">空置</span>' in rows[vacant.pk] and "· 0 人</div>" in rows[vacant.pk]
    assert '<span class="chip plain">常住</span>' in rows[family.pk] and "· 2 人</div>" in rows[family.pk]
    assert '<div class="muted">甲一村 · 甲一村五组1号 · 0 人</div>' in rows[vacant.pk]
    assert f'<div class="muted">甲一村 · {tree.grid_a1.name} · 甲一村五组2号 · 2 人</div>' in rows[family.pk]
    # The filters offer the user's villages and the county's tags.
    village_option = (
        f'<option value="" selected>全部</option><option value="{tree.village_a1.pk}">甲一村</option>'
    )
    assert village_option in page and '<option value="dibao">低保</option>' in page
    client.cookies["django_language"] = "en"
    english = client.get("/work/registry/households/").content.decode()
    assert "0 people" in english and "2 people" in english


def test_household_page_shows_the_household_and_each_member_in_words(client, tree, village_official):
    from registry.services import tag_create

    poor = tag_create(
        actor=None, county=tree.county, code="poor", name="脱贫户", scope="household", sort_order=1
    )
    household = make_household(
        tree.village_a1,
        address="甲一村六组3号",
        household_no="0601",
        note="<b>门前有狗</b>",
        tags=[poor, tree.tags["dibao"]],
    )
    elder = make_person(
        household,
        "孙桂香",
        id_number=synthetic_id(date(1941, 4, 4), "F"),
        tags=[tree.tags["left_behind_child"], tree.tags["elderly_alone"]],
    )
    nobody_knows = make_person(household, "<i>无名</i>", relation="other", residence="migrant_work")
    client.force_login(village_official)
    html = client.get(f"/work/registry/households/{household.pk}/").content.decode()
    assert '<div class="breadcrumb">甲镇 › 甲一村</div>' in html  # no grid: no third step
    assert '<h1>孙桂香户 <span class="chip plain">常住</span></h1>' in html
    assert "<dt>户编号</dt><dd>0601</dd>" in html
    assert "<dd>&lt;b&gt;门前有狗&lt;/b&gt;</dd>" in html
    # Tags in the county's order: sort_order, then name.
    assert '<dd class="chips"><span class="chip">低保</span><span class="chip">脱贫户</span></dd>' in html
    age = elder.age()
    assert (
        f'<a class="row" href="/work/registry/people/{elder.pk}/">\n'
        f'    <span class="row-title">孙桂香</span> <span class="muted">户主 · 女 · {age}岁 · 常住</span>\n'
        f'    <div class="masked muted">{elder.id_masked}</div>\n'
        '    <div class="chips"><span class="chip">独居老人</span><span class="chip">留守儿童</span></div>'
    ) in html
    assert (
        f'<a class="row" href="/work/registry/people/{nobody_knows.pk}/">\n'
        '    <span class="row-title">&lt;i&gt;无名&lt;/i&gt;</span> <span class="muted">其他 ·  · 外出务工</span>\n'
        '    <div class="masked muted">未登记身份证号</div>\n    \n  </a>'
    ) in html
    assert html.index(elder.id_masked) < html.index("未登记身份证号")  # members in the order they were added
    client.cookies["django_language"] = "en"
    english = client.get(f"/work/registry/households/{household.pk}/").content.decode()
    assert f"Head of household · Female · {age} years · Resident" in english


def test_household_page_of_an_empty_household_in_a_grid(client, tree, village_official):
    household = make_household(
        tree.village_a1, grid=tree.grid_a1, address="甲一村一组5号", occupancy="vacant"
    )
    client.force_login(village_official)
    html = client.get(f"/work/registry/households/{household.pk}/").content.decode()
    assert f'<div class="breadcrumb">甲镇 › 甲一村 › {tree.grid_a1.name}</div>' in html
    assert '<h1>—户 <span class="chip plain">空置</span></h1>' in html
    assert "这户还没有登记成员" in html and "<dt>标签</dt>" not in html and "<dt>户编号</dt>" not in html


def test_household_page_query_count_does_not_grow_with_members_or_tags(
    client, tree, village_official, django_assert_num_queries
):
    household = make_household(tree.village_a1, address="甲一村七组1号", tags=[tree.tags["dibao"]])
    make_person(household, "户主", tags=[tree.tags["elderly_alone"]])
    client.force_login(village_official)
    client.get(f"/work/registry/households/{household.pk}/")
    # 3: session, the household with its tags, the members with theirs (the staff row from the cache).
    with django_assert_num_queries(3):
        client.get(f"/work/registry/households/{household.pk}/")
    for n in range(5):
        make_person(
            household,
            f"成员{n}",
            relation="child",
            tags=[tree.tags["elderly_alone"], tree.tags["left_behind_child"]],
        )
    with django_assert_num_queries(3):
        assert "成员4" in client.get(f"/work/registry/households/{household.pk}/").content.decode()


def test_household_page_outside_the_jurisdiction_is_not_found(client, tree, village_official):
    theirs = make_household(tree.village_b1, address="乙一村一组1号")
    make_person(theirs, "乙村人")
    client.force_login(village_official)
    response = client.get(f"/work/registry/households/{theirs.pk}/")
    assert response.status_code == 404 and "乙村人" not in response.content.decode()
