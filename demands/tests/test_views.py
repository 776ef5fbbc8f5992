import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from demands.forms import DemandFilterForm
from demands.models import Demand
from demands.tests.factories import make_demand


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_intake_needs_four_fields_and_suggests_the_category(client, setup, tree, village_official):
    client.force_login(village_official)
    r = client.post(
        reverse("demands:create"),
        {
            "resident_name": "李奶奶",
            "text": "家里困难，想申请低保",
            "place_unit": tree.village_a1.pk,
            "channel": "visit",
        },
    )
    assert r.status_code == 302
    demand = Demand.objects.get()
    assert demand.category == setup["welfare"]
    page = client.get(r["Location"]).content.decode()
    assert "由县民政局办理" in page and "前答复" in page


def test_suggest_endpoint_names_the_category(client, setup, village_official):
    client.force_login(village_official)
    r = client.get(reverse("demands:suggest"), {"text": "村口路灯坏了"})
    assert "道路路灯" in r.content.decode()


def test_list_query_count_is_pinned(client, setup, tree, village_official, django_assert_num_queries):
    for i in range(12):
        make_demand(tree, setup, text=f"路灯{i}")
    client.force_login(village_official)
    # session, user, count, page, nav, panels (permissions and jurisdiction from the access cache): not per row
    with django_assert_num_queries(7):
        r = client.get(reverse("demands:list"))
    assert r.status_code == 200 and r.content.decode().count("demands/") >= 12


def test_handler_resolves_from_the_detail_page(client, setup, tree, civil_handler):
    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    client.force_login(civil_handler)
    client.post(reverse("demands:accept", args=[demand.pk]))
    client.post(reverse("demands:answer", args=[demand.pk]), {"outcome": "resolved", "answer": "已纳入低保"})
    demand.refresh_from_db()
    assert demand.status == "answered"


def test_dashboard_is_scoped_and_drawn(client, setup, tree, township_leader):
    make_demand(tree, setup)
    make_demand(tree, setup, place_unit=tree.village_b1)
    client.force_login(township_leader)
    body = client.get(reverse("demands:dashboard")).content.decode()
    assert "<svg" in body and "甲一村" in body and "乙一村" not in body


def test_resident_submits_and_checks_status(client, setup, tree):
    r = client.post(
        reverse("demands_public:submit"),
        {
            "resident_name": "王大爷",
            "phone": "13900005678",
            "place_unit": tree.village_a1.pk,
            "text": "村口路灯坏了，晚上看不见",
        },
    )
    assert r.status_code == 200
    ticket = re.search(r'id="ticket">(\d+)<', r.content.decode()).group(1)
    demand = Demand.objects.get(ticket=ticket)
    assert demand.channel == "portal" and demand.category == setup["road"]
    r = client.get(reverse("demands_public:status"), {"ticket": ticket, "last4": "5678"})
    body = r.content.decode()
    assert "甲一村" in body and "前答复" in body
    assert (
        client.get(reverse("demands_public:status"), {"ticket": ticket, "last4": "0000"})
        .content.decode()
        .count("没有找到")
        == 1
    )


def test_public_status_shows_offices_not_staff_names(client, setup, tree, civil_handler):
    civil_handler.full_name = "孙丽"
    civil_handler.save()
    demand = make_demand(tree, setup, category="welfare", text="申请低保", phone="13900005678")
    from demands import services

    services.demand_accept(actor=civil_handler, demand=demand)
    body = client.get(
        reverse("demands_public:status"), {"ticket": demand.ticket, "last4": "5678"}
    ).content.decode()
    assert "县民政局" in body and "孙丽" not in body and "civil_handler" not in body


def test_resident_verdict_not_resolved_reopens(client, setup, tree, village_official):
    from demands import services

    demand = make_demand(tree, setup, phone="13900005678")
    services.demand_answer(actor=village_official, demand=demand, outcome="resolved", answer="修好了")
    client.post(
        reverse("demands_public:status"),
        {"ticket": demand.ticket, "last4": "5678", "resolved": "0", "satisfied": "0"},
    )
    demand.refresh_from_db()
    assert demand.status == "processing" and demand.reopen_count == 1


def test_honeypot_and_link_stuffing_are_refused(client, setup, tree):
    data = {
        "resident_name": "x",
        "phone": "13900005678",
        "place_unit": tree.village_a1.pk,
        "text": "看这里 http://a.com http://b.com",
    }
    r = client.post(reverse("demands_public:submit"), data)
    assert "网址" in r.content.decode()
    client.post(reverse("demands_public:submit"), data | {"text": "村口路灯坏了", "website": "http://spam"})
    assert Demand.objects.count() == 0


def test_public_form_is_rate_limited(client, setup, tree):
    data = {
        "resident_name": "x",
        "phone": "13900005678",
        "place_unit": tree.village_a1.pk,
        "text": "村口路灯坏了好久",
    }
    codes = [client.post(reverse("demands_public:submit"), data).status_code for _ in range(7)]
    assert codes[-1] == 429 and Demand.objects.count() == 5


def test_attachment_download_only_in_scope(client, setup, tree, village_official, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from demands import services

    settings.PRIVATE_ROOT = tmp_path
    demand = make_demand(tree, setup)
    att = services.attachment_add(
        actor=village_official,
        demand=demand,
        upload=SimpleUploadedFile("p.pdf", b"%PDF-1.4\n" + b"0" * 100, content_type="application/pdf"),
    )
    client.force_login(village_official)
    r = client.get(reverse("demands:attachment_download", args=[demand.pk, att.pk]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]


def test_grid_official_records_a_demand_in_their_grid(client, setup, tree, grid_official):
    client.force_login(grid_official)
    r = client.post(
        reverse("demands:create"),
        {"resident_name": "赵婶", "text": "路灯坏了", "place_unit": tree.grid_a1.pk, "channel": "visit"},
    )
    assert r.status_code == 302
    demand = Demand.objects.get()
    assert demand.owner_unit == tree.village_a1 and demand.scope_path == tree.grid_a1.path


def test_a_county_department_transfers_a_misrouted_demand_back_to_the_village(
    client, setup, tree, civil_handler
):
    demand = make_demand(tree, setup, category="welfare", text="其实是路灯的事")
    client.force_login(civil_handler)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert f'value="u{tree.village_a1.pk}"' in page
    client.post(
        reverse("demands:transfer", args=[demand.pk]),
        {"to": f"u{tree.village_a1.pk}", "reason": "属村里的路灯"},
    )
    demand.refresh_from_db()
    assert demand.owner_unit == tree.village_a1 and demand.owner_department is None and demand.transfers == 1
    assert demand.owner_label == "甲一村"


LINK_FARM = "最新地址|免费观看|在线视频|高清无码|日韩精品|欧美专区|国产精品|成人影院|夜夜撸|天天射 www.spam-farm.example"


def test_link_farm_text_is_held_for_moderation_not_routed_or_shown(client, setup, tree, administrator):
    from demands import services
    from demands.models import HeldSubmission

    data = {
        "resident_name": "王五",
        "phone": "13900005678",
        "place_unit": tree.village_a1.pk,
        "text": LINK_FARM,
    }
    response = client.post(reverse("demands_public:submit"), data)
    assert response.status_code == 200 and "核实" in response.content.decode()
    assert Demand.objects.count() == 0  # nothing routed, no ticket, nothing on any public page or Open311
    held = HeldSubmission.objects.get()
    assert held.status == "held" and held.reason and held.phone_masked == "139****5678"
    assert "13900005678" not in held.phone_cipher
    assert "天天射" not in client.get("/open311/v2/requests.json").content.decode()
    demand = services.submission_release(actor=administrator, held=held, category=setup["other"])
    held.refresh_from_db()
    assert held.status == "released" and held.demand == demand and demand.phone_masked == "139****5678"


def test_only_an_administrator_reviews_held_submissions(client, setup, tree, village_official, administrator):
    from django.core.exceptions import PermissionDenied

    from demands import services

    held = services.submission_hold(
        place_unit=tree.village_a1, resident_name="x", text=LINK_FARM, reason="test"
    )
    with pytest.raises(PermissionDenied):
        services.submission_discard(actor=village_official, held=held)
    services.submission_discard(actor=administrator, held=held)
    held.refresh_from_db()
    assert held.status == "discarded"


def test_ordinary_complaint_is_not_held(client, setup, tree):
    from demands.models import HeldSubmission

    data = {
        "resident_name": "赵六",
        "phone": "13900001111",
        "place_unit": tree.village_a1.pk,
        "text": "村东头的路灯坏了一个多月，晚上老人出门不方便，麻烦修一下。",
    }
    client.post(reverse("demands_public:submit"), data)
    assert Demand.objects.count() == 1 and not HeldSubmission.objects.exists()


def test_the_detail_page_offers_the_countys_current_transfer_targets(client, setup, tree, civil_handler):
    """The transfer form's HTML is rendered once per set of targets (demands.views._blank_form_html): the
    targets are read on every page, so a renamed department or a new village shows at once."""
    from demands.views import _blank_form_html
    from territory.models import Department

    first = make_demand(tree, setup, category="welfare", text="申请低保")
    second = make_demand(tree, setup, category="welfare", text="申请临时救助", place_unit=tree.village_b1)
    client.force_login(civil_handler)
    page = client.get(reverse("demands:detail", args=[first.pk])).content.decode()
    assert f'<option value="d{setup["petitions"].pk}">测试县信访局</option>' in page
    assert f'<option value="u{tree.village_b1.pk}">乙一村</option>' in page
    assert '<optgroup label="部门">' in page and 'name="reason"' in page and 'name="outcome"' in page
    hits = _blank_form_html.cache_info().hits
    assert client.get(reverse("demands:detail", args=[second.pk])).content.decode().count("测试县信访局") == 1
    assert _blank_form_html.cache_info().hits >= hits + 4  # the same county, language and targets: reused

    Department.objects.filter(pk=setup["petitions"].pk).update(name="群众来访接待中心")
    page = client.get(reverse("demands:detail", args=[first.pk])).content.decode()
    assert "测试县群众来访接待中心" in page and "测试县信访局" not in page
    r = client.post(
        reverse("demands:transfer", args=[first.pk]), {"to": f"d{setup['petitions'].pk}", "reason": "请协调"}
    )
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.owner_department == setup["petitions"] and first.transfers == 1


def test_a_closed_demand_page_offers_no_transfer(
    client, setup, tree, civil_handler, django_assert_num_queries
):
    from demands import services

    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    services.demand_answer(actor=civil_handler, demand=demand, outcome="resolved", answer="已纳入低保")
    services.demand_verdict(actor=None, demand=demand, resolved=True, satisfied=True, channel="visit")
    client.force_login(civil_handler)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'name="reason"' not in page and "optgroup" not in page


def test_detail_query_count_is_pinned(client, setup, tree, civil_handler, django_assert_num_queries):
    demand = make_demand(tree, setup, category="welfare", text="家里困难，想申请低保")
    for i in range(3):
        make_demand(tree, setup, category="welfare", text=f"家里困难，申请低保{i}")
    client.force_login(civil_handler)
    client.get(reverse("demands:detail", args=[demand.pk]))
    # session, the demand with its category, places and owner, attachments, departments and places
    # to transfer to, duplicate candidates, receipt, events (the staff row and permissions from the cache,
    # territory/access.py): never the county row
    with django_assert_num_queries(8):
        r = client.get(reverse("demands:detail", args=[demand.pk]))
    assert r.status_code == 200 and r.content.decode().count("相似度") == 3


def test_the_list_shows_each_demand_as_the_model_reads_it_in_the_users_language(
    client, setup, tree, civil_handler, administrator
):
    """The list reads plain rows (selectors.DemandRow), not model instances: each line must still say
    what the demand's own fields and rules say, and the filter bar must follow the language."""
    from django.template.defaultfilters import truncatechars
    from django.utils import translation

    from demands import services
    from demands.templatetags.demands_tags import due_date

    welfare = make_demand(tree, setup, category="welfare", text="家里困难，想申请低保，" * 5)
    road = make_demand(tree, setup, text="村口路灯坏了")
    services.demand_accept(actor=civil_handler, demand=welfare)
    Demand.objects.filter(pk=road.pk).update(resolve_breached=True)
    client.force_login(administrator)
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        page = client.get(reverse("demands:list")).content.decode()
        with translation.override(language):
            for demand in Demand.objects.select_related(
                "category", "place_unit", "owner_unit", "owner_department"
            ):
                row = page.split(f'href="{reverse("demands:detail", args=[demand.pk])}"', 1)[1].split(
                    "</li>", 1
                )[0]
                assert f"{demand.category.name} · {demand.place_unit.name}" in row
                assert f">{demand.get_status_display()}</span>" in row
                assert ("chip overdue" in row) == (demand.pk == road.pk)
                assert f"{demand.ticket} · {truncatechars(demand.text, 40)}" in row
                assert demand.owner_label in row and due_date(demand.resolve_due) in row
            assert str(DemandFilterForm.base_fields["status"].label) in page
    assert "Awaiting acceptance" in page and "待受理" not in page  # not the first language's labels


def test_the_list_counts_its_demands_without_joining_their_names(client, setup, tree, civil_handler):
    """The page's rows carry names from four joined tables; the total above them needs none (~18 ms for
    a county department on PostgreSQL when the count kept them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        make_demand(tree, setup, category="welfare", text=f"申请低保{i}")
    client.force_login(civil_handler)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("demands:list")).content.decode()
    counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "demands_demand" in q["sql"]
    ]
    assert len(counts) == 1 and "JOIN" not in counts[0]
    assert "共 3 件" in page


def test_the_public_form_offers_a_village_added_since_it_was_last_shown(client, setup, tree):
    """The blank form is written once per process and language, keyed by its villages: a new village is
    on the very next page."""
    from territory.models import AdminUnit

    first = client.get(reverse("demands_public:submit")).content.decode()
    assert f'<option value="{tree.village_a1.pk}">' in first and 'class="honeypot"' in first
    village = AdminUnit.objects.create(
        code=tree.village_a1.code[:-3] + "099",
        name="新建村",
        level=AdminUnit.Level.VILLAGE,
        parent=tree.village_a1.parent,
        path=tree.village_a1.parent.path + tree.village_a1.code[:-3] + "099/",
    )
    page = client.get(reverse("demands_public:submit")).content.decode()
    assert f'<option value="{village.pk}">{tree.village_a1.parent.name} 新建村</option>' in page


def test_the_public_form_shows_a_refused_submission_with_its_errors_and_values(client, setup, tree):
    data = {
        "resident_name": "王<大爷>",
        "phone": "13900005678",
        "place_unit": tree.village_a1.pk,
        "text": "短",
    }
    page = client.post(reverse("demands_public:submit"), data).content.decode()
    assert 'value="王&lt;大爷&gt;"' in page and "errorlist" in page
    assert f'<option value="{tree.village_a1.pk}" selected>' in page


def test_the_history_names_each_step_office_and_person_escaped(client, setup, tree, civil_handler):
    """The staff page's history is written from plain rows (demands_tags.demand_history): the kind in the
    user's language, the office, the person who acted and the text, all escaped."""
    from django.utils import translation

    from demands import services

    civil_handler.full_name = "孙<丽>"
    civil_handler.save()
    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    services.demand_accept(actor=civil_handler, demand=demand)
    services.demand_answer(actor=civil_handler, demand=demand, outcome="resolved", answer="已<纳入>低保")
    client.force_login(civil_handler)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    history = page.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    assert history.count("<li>") == demand.events.count() == 4
    assert "<strong>受理</strong> · 县民政局（孙&lt;丽&gt;）</li>" in history
    assert "：已&lt;纳入&gt;低保</li>" in history and "<strong>派发</strong> · 系统：" in history
    client.cookies["django_language"] = "en"
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    with translation.override("en"):
        assert f"<strong>{demand.events.get(kind='accepted').get_kind_display()}</strong>" in page


def test_the_list_escapes_what_residents_wrote(client, setup, tree, village_official):
    make_demand(tree, setup, text="<b>村口</b>路灯坏了 & 没人修")
    client.force_login(village_official)
    page = client.get(reverse("demands:list")).content.decode()
    assert "&lt;b&gt;村口&lt;/b&gt;路灯坏了 &amp; 没人修" in page and "<b>村口" not in page
