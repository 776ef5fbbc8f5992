"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, errors in the spec's format."""

import json
from xml.etree import ElementTree

import pytest

from demands import services
from demands.models import Demand
from demands.tests.factories import make_demand

BASE = "/open311/v2"


@pytest.fixture
def key(db):
    _client, key = services.open311_client_issue(actor=None, name="市民随手拍")
    return key


def _xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own test output


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, db, fmt):
    r = client.get(f"{BASE}/discovery.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        data = r.json()
        assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert "application/json" in data["endpoints"][0]["formats"]
    else:
        root = _xml(r)
        assert root.tag == "discovery"
        assert root.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_the_categories(client, setup, fmt):
    r = client.get(f"{BASE}/services.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        codes = [s["service_code"] for s in r.json()]
        assert set(r.json()[0]) >= {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
    else:
        root = _xml(r)
        assert root.tag == "services"
        codes = [s.find("service_code").text for s in root.findall("service")]
        assert root.find("service/metadata").text == "true"
    assert codes == ["land", "road", "welfare", "other"]  # sort order, then code


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_has_attributes(client, setup, fmt):
    r = client.get(f"{BASE}/services/land.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        data = r.json()
        assert data["service_code"] == "land"
        assert [a["code"] for a in data["attributes"]] == ["concerns_county_project", "amount"]
        assert data["attributes"][0]["values"][0] == {"key": "true", "name": "是"}
    else:
        root = _xml(r)
        assert root.tag == "service_definition"
        assert [a.find("code").text for a in root.findall("attributes/attribute")] == [
            "concerns_county_project",
            "amount",
        ]
        assert root.find("attributes/attribute/values/value/key").text == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_a_404_in_the_error_format(client, setup, fmt):
    r = client.get(f"{BASE}/services/nope.{fmt}")
    assert r.status_code == 404
    if fmt == "json":
        assert r.json()[0]["code"] == 404 and r.json()[0]["description"]
    else:
        root = _xml(r)
        assert root.tag == "errors" and root.find("error/code").text == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_needs_a_valid_api_key(client, setup, fmt):
    r = client.post(
        f"{BASE}/requests.{fmt}",
        {
            "service_code": "road",
            "lat": "33.96",
            "long": "114.56",
            "description": "路灯坏了",
            "api_key": "bad",
        },
    )
    assert r.status_code == 403
    if fmt == "xml":
        assert _xml(r).find("error/code").text == "403"
    else:
        assert r.json()[0]["code"] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_is_routed_and_attributed_to_the_key(client, setup, tree, key, fmt):
    r = client.post(
        f"{BASE}/requests.{fmt}",
        {
            "api_key": key,
            "service_code": "land",
            "lat": "33.961",
            "long": "114.561",
            "description": "县里修路占了我家的地，补偿款没到",
            "attribute[concerns_county_project]": "true",
            "first_name": "大爷",
            "last_name": "王",
        },
    )
    assert r.status_code == 201, r.content
    if fmt == "json":
        item = r.json()[0]
    else:
        node = _xml(r).find("request")
        item = {c.tag: c.text for c in node}
    demand = Demand.objects.get(ticket=item["service_request_id"])
    assert demand.api_client.name == "市民随手拍"
    assert demand.channel == "open311" and demand.place_unit == tree.village_a1
    assert demand.owner_department == setup["land_dept"]
    assert item["token"] == demand.open311_token


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_without_location_is_a_400(client, setup, key, fmt):
    r = client.post(f"{BASE}/requests.{fmt}", {"api_key": key, "service_code": "road", "description": "x"})
    assert r.status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_gives_the_request_id(client, setup, key, fmt):
    r = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": "road", "address_string": "甲一村村口", "description": "路灯坏了"},
    )
    token, rid = r.json()[0]["token"], r.json()[0]["service_request_id"]
    r = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        assert r.json() == [{"service_request_id": rid, "token": token}]
    else:
        assert _xml(r).find("request/service_request_id").text == rid
    assert client.get(f"{BASE}/tokens/nope.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_filters_and_hides_personal_data(client, setup, tree, fmt):
    road = make_demand(tree, setup, text="甲一村路灯坏了，王大爷家门口", resident_name="王大爷")
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    r = client.get(f"{BASE}/requests.{fmt}", {"service_code": "road"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "王大爷" not in body and "13900001234" not in body
    if fmt == "json":
        ids = [x["service_request_id"] for x in r.json()]
        assert r.json()[0]["agency_responsible"] == "甲一村"
        assert r.json()[0]["status"] == "open"
    else:
        root = _xml(r)
        ids = [n.find("service_request_id").text for n in root.findall("request")]
        assert root.find("request/agency_responsible").text == "甲一村"
    assert ids == [road.ticket]
    r = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": f"{road.ticket},{welfare.ticket}"})
    assert r.status_code == 200 and welfare.ticket in r.content.decode()
    r = client.get(f"{BASE}/requests.{fmt}", {"status": "closed"})
    assert road.ticket not in r.content.decode()
    r = client.get(
        f"{BASE}/requests.{fmt}", {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00Z"}
    )
    assert road.ticket not in r.content.decode()
    assert client.get(f"{BASE}/requests.{fmt}", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests.{fmt}", {"status": "pending"}).status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request(client, setup, tree, key, fmt):
    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    r = client.get(f"{BASE}/requests/{demand.ticket}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        item = r.json()[0]
        assert item["agency_responsible"] == "县民政局" and item["description"] == ""
        assert item["service_code"] == "welfare" and item["requested_datetime"]
    else:
        assert _xml(r).find("request/agency_responsible").text == "县民政局"
    assert client.get(f"{BASE}/requests/000.{fmt}").status_code == 404


def test_the_submitting_client_sees_its_own_description(client, setup, key):
    r = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": key,
            "service_code": "road",
            "address_string": "甲一村村口",
            "description": "路灯坏了三个月",
        },
    )
    rid = r.json()[0]["service_request_id"]
    assert (
        client.get(f"{BASE}/requests/{rid}.json", {"api_key": key}).json()[0]["description"]
        == "路灯坏了三个月"
    )
    assert client.get(f"{BASE}/requests/{rid}.json").json()[0]["description"] == ""
    assert json.loads(client.get(f"{BASE}/requests.json").content)[0]["service_request_id"] == rid


def test_apikey_command_prints_a_working_key(db, capsys):
    from django.core.management import call_command

    call_command("open311_apikey", "测试应用")
    key = capsys.readouterr().out.strip()
    assert services.open311_client_authenticate(key=key).name == "测试应用"


# ---------------------------------------------------------------- jurisdiction_id and media_url


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction_id_must_be_the_countys_and_a_wrong_one_is_a_spec_404(client, setup, tree, fmt):
    ok = client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": tree.county.code})
    assert ok.status_code == 200
    wrong = client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "not-our-county"})
    assert wrong.status_code == 404
    if fmt == "json":
        assert wrong.json() == [{"code": 404, "description": "jurisdiction_id not-our-county not found"}]
    else:
        assert _xml(wrong).find("error/code").text == "404"


def test_a_configured_jurisdiction_id_replaces_the_area_code(client, setup, tree, key):
    from demands.models import DemandSetting

    DemandSetting.objects.create(county=tree.county, open311_jurisdiction_id="cn.test-county")
    make_demand(tree, setup)
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "cn.test-county"}).json()
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": tree.county.code}).status_code == 404
    posted = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "jurisdiction_id": "elsewhere", "service_code": "road", "description": "路灯坏了"},
    )
    assert posted.status_code == 404


def _photo_with_gps() -> bytes:
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (114.0, 20.0, 0.0)}  # GPS position
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_the_handler_makes_public_is_the_media_url_without_exif(
    client, setup, tree, village_official, settings, tmp_path
):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.PRIVATE_ROOT = tmp_path
    demand = make_demand(tree, setup)
    upload = SimpleUploadedFile("路灯.jpg", _photo_with_gps(), content_type="image/jpeg")
    photo = services.attachment_add(actor=village_official, demand=demand, upload=upload)
    assert client.get(f"{BASE}/requests/{demand.ticket}.json").json()[0]["media_url"] == ""
    services.attachment_set_public(actor=village_official, attachment=photo, public=True)
    media_url = client.get(f"{BASE}/requests/{demand.ticket}.json").json()[0]["media_url"]
    assert media_url.startswith("http://testserver/open311/v2/media/")
    xml_url = _xml(client.get(f"{BASE}/requests/{demand.ticket}.xml")).find("request/media_url").text
    assert xml_url == media_url
    served = client.get(media_url.removeprefix("http://testserver"))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = Image.open(BytesIO(b"".join(served.streaming_content)))
    assert image.size == (40, 30) and not image.getexif()
    assert Image.open(BytesIO(_photo_with_gps())).getexif()  # the original did carry them
    services.attachment_set_public(actor=village_official, attachment=photo, public=False)
    assert client.get(media_url.removeprefix("http://testserver")).status_code == 404


def test_a_document_cannot_be_made_public(setup, tree, village_official, settings, tmp_path):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_ROOT = tmp_path
    demand = make_demand(tree, setup)
    pdf = SimpleUploadedFile(
        "证明.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf"
    )
    document = services.attachment_add(actor=village_official, demand=demand, upload=pdf)
    with pytest.raises(ValidationError):
        services.attachment_set_public(actor=village_official, attachment=document, public=True)


def test_a_county_key_files_only_into_its_own_county(client, setup, tree):
    from demands.models import Open311Client
    from territory import services as territory_services

    other = territory_services.unit_create(actor=None, code="419902000000", name="邻县")
    key = "county-bound-key-for-the-test"
    Open311Client.objects.create(name="本县随手拍", county=tree.county, key_hash=Open311Client.hash_key(key))
    form = {
        "api_key": key,
        "service_code": "road",
        "description": "路灯坏了",
        "address_id": tree.village_a1.code,
    }

    refused = client.post(f"{BASE}/requests.json", {**form, "jurisdiction_id": other.code})
    assert refused.status_code == 403
    assert refused.json() == [
        {"code": 403, "description": "this api_key is not valid for that jurisdiction_id"}
    ]
    assert client.post(f"{BASE}/requests.json", form).status_code == 201
    own = client.post(f"{BASE}/requests.json", {**form, "jurisdiction_id": tree.county.code})
    assert own.status_code == 201


def test_the_search_answers_each_request_as_its_own_page_does_in_a_fixed_number_of_queries(
    client, setup, tree, key, village_official, civil_handler, django_assert_num_queries, settings
):
    """The search builds its rows without model instances (docs/bench/load.md): every field must
    still match the one-request answer, which reads the model, for the public and for the key's owner."""
    settings.DOORSTEP_OPEN311_CACHE_SECONDS = 0  # the answer as built, not as cached
    own = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": "road", "address_string": "甲一村村口", "description": "路灯坏了"},
    ).json()[0]["service_request_id"]
    answered = make_demand(tree, setup, text="村口垃圾没人清")
    services.demand_answer(actor=village_official, demand=answered, outcome="partly", answer="已清一半")
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    services.demand_accept(actor=civil_handler, demand=welfare)
    tickets = {own, answered.ticket, welfare.ticket}
    for params in ({}, {"api_key": key}):
        listed = {x["service_request_id"]: x for x in client.get(f"{BASE}/requests.json", params).json()}
        assert tickets <= set(listed)
        for ticket in tickets:
            assert listed[ticket] == client.get(f"{BASE}/requests/{ticket}.json", params).json()[0]
    assert listed[own]["description"] == "路灯坏了"
    assert (
        listed[answered.ticket]["status_notes"] == "部分解决"
        and listed[answered.ticket]["status"] == "closed"
    )
    assert listed[welfare.ticket]["agency_responsible"] == "县民政局"
    with django_assert_num_queries(2):  # the demands, their public photos: not one query per row
        assert len(client.get(f"{BASE}/requests.json").json()) == 3
    for _ in range(3):
        make_demand(tree, setup)
    with django_assert_num_queries(2):
        assert len(client.get(f"{BASE}/requests.json").json()) == 6


# ---------------------------------------------------------------- the public search's answer cache


def _expire_the_cache(monkeypatch, seconds):
    """Move the local-memory cache's clock (only its) past the answers' lifetime."""
    from types import SimpleNamespace

    from django.core.cache.backends import locmem

    later = locmem.time.time() + seconds + 1
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_repeated_public_search_is_answered_from_the_cache_without_queries(
    client, setup, tree, fmt, django_assert_num_queries
):
    make_demand(tree, setup)
    make_demand(tree, setup, category="welfare", text="申请低保")
    first = client.get(f"{BASE}/requests.{fmt}", {"status": "open"})
    assert first.status_code == 200 and first["Cache-Control"] == "public, max-age=30"
    with django_assert_num_queries(0):
        again = client.get(f"{BASE}/requests.{fmt}", {"status": "open"})
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Cache-Control"] == "public, max-age=30"
    assert "Cookie" in again["Vary"]


def test_a_cached_search_lags_new_requests_until_it_expires(client, setup, tree, settings, monkeypatch):
    settings.DOORSTEP_OPEN311_CACHE_SECONDS = 20
    make_demand(tree, setup)
    assert len(client.get(f"{BASE}/requests.json").json()) == 1
    new = make_demand(tree, setup, category="welfare", text="申请低保")
    cached = client.get(f"{BASE}/requests.json")
    assert cached["Cache-Control"] == "public, max-age=20"
    assert len(cached.json()) == 1  # the documented lag (docs/open311.md)
    # ...but a lookup by ticket is never cached: a resident checking their own request sees it at once.
    by_id = client.get(f"{BASE}/requests.json", {"service_request_id": new.ticket})
    assert [x["service_request_id"] for x in by_id.json()] == [new.ticket]
    assert "public" not in by_id.get("Cache-Control", "")
    _expire_the_cache(monkeypatch, 20)
    assert {x["service_request_id"] for x in client.get(f"{BASE}/requests.json").json()} >= {new.ticket}
    assert len(client.get(f"{BASE}/requests.json").json()) == 2


def test_different_filters_miss_and_equivalent_ones_hit(client, setup, tree, django_assert_num_queries):
    road = make_demand(tree, setup)
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    assert [
        x["service_request_id"] for x in client.get(f"{BASE}/requests.json", {"service_code": "road"}).json()
    ] == [road.ticket]
    answer = client.get(f"{BASE}/requests.json", {"service_code": "welfare"})
    assert [x["service_request_id"] for x in answer.json()] == [welfare.ticket]
    assert client.get(f"{BASE}/requests.xml", {"service_code": "road"})["Content-Type"].startswith("text/xml")
    both = client.get(f"{BASE}/requests.json", {"service_code": "road,welfare", "status": "open,closed"})
    assert len(both.json()) == 2
    with django_assert_num_queries(0):  # order, spaces and repeats of the terms change nothing
        same = client.get(
            f"{BASE}/requests.json", {"service_code": "welfare, road,road", "status": "closed,open"}
        )
    assert same.content == both.content
    for _ in range(2):  # a search between dates is never stored: each pair of dates would be another answer
        with django_assert_num_queries(2):
            r = client.get(f"{BASE}/requests.json", {"start_date": "2000-01-01T00:00:00Z"})
        assert len(r.json()) == 2 and "public" not in r.get("Cache-Control", "")


def test_with_the_setting_at_zero_every_search_queries(
    client, setup, tree, settings, django_assert_num_queries
):
    settings.DOORSTEP_OPEN311_CACHE_SECONDS = 0
    make_demand(tree, setup)
    for _ in range(2):
        with django_assert_num_queries(2):
            r = client.get(f"{BASE}/requests.json")
        assert len(r.json()) == 1
        assert "public" not in r.get("Cache-Control", "")
    make_demand(tree, setup)
    assert len(client.get(f"{BASE}/requests.json").json()) == 2


def test_a_search_with_an_api_key_is_answered_fresh_for_that_client(client, setup, tree, key):
    """The key's owner sees its own requests' description: never from (or into) the shared answer."""
    assert client.get(f"{BASE}/requests.json").json() == []
    form = {"api_key": key, "service_code": "road", "address_string": "甲一村村口", "description": "路灯坏了"}
    rid = client.post(f"{BASE}/requests.json", form).json()[0]["service_request_id"]
    own = client.get(f"{BASE}/requests.json", {"api_key": key})
    assert [(x["service_request_id"], x["description"]) for x in own.json()] == [(rid, "路灯坏了")]
    assert "public" not in own.get("Cache-Control", "")
    assert client.get(f"{BASE}/requests.json").json() == []  # the public answer still cached...
    _client, other_key = services.open311_client_issue(actor=None, name="另一个应用")
    other = client.get(f"{BASE}/requests.json", {"api_key": other_key}).json()
    assert [(x["service_request_id"], x["description"]) for x in other] == [(rid, "")]  # ...and not leaked


def test_posting_a_request_is_never_answered_from_the_cache(client, setup, tree, key):
    form = {"api_key": key, "service_code": "road", "address_string": "甲一村村口", "description": "路灯坏了"}
    client.get(f"{BASE}/requests.json")
    first = client.post(f"{BASE}/requests.json", form)
    second = client.post(f"{BASE}/requests.json", form)
    assert first.status_code == second.status_code == 201
    assert first.json()[0]["service_request_id"] != second.json()[0]["service_request_id"]
    assert Demand.objects.count() == 2
    assert "public" not in second.get("Cache-Control", "")


def test_an_error_is_not_cached(client, setup, tree):
    make_demand(tree, setup)
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "cn.test-county"}).status_code == 404
    from demands.models import DemandSetting

    DemandSetting.objects.create(county=tree.county, open311_jurisdiction_id="cn.test-county")
    r = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "cn.test-county"})
    assert r.status_code == 200 and len(r.json()) == 1


def test_a_new_request_is_filed_in_a_fixed_number_of_queries(
    client, setup, tree, key, django_assert_num_queries
):
    """No row is read twice: the category with its county, the place's units once (county and routing),
    and full_clean does not re-read the rows just read nor re-check the ticket just found free."""
    from django.db import connection

    from journal.models import Entry

    form = {
        "api_key": key,
        "service_code": "welfare",
        "address_id": tree.village_a1.code,
        "description": "家里困难，想申请低保",
    }
    client.post(f"{BASE}/requests.json", form)  # the working calendar's first read
    # 34 before (savepoints included, in a test's transaction), then 25; 23 since the working calendar and
    # its days are one query and the two events one INSERT. The journal's advisory lock on PostgreSQL
    with django_assert_num_queries(23 + (connection.vendor == "postgresql")):
        r = client.post(f"{BASE}/requests.json", form)
    assert r.status_code == 201
    demand = Demand.objects.get(ticket=r.json()[0]["service_request_id"])
    assert (demand.county, demand.place_unit, demand.owner_department) == (
        tree.county,
        tree.village_a1,
        setup["civil"],
    )
    assert [e.kind for e in demand.events.order_by("id")] == ["created", "routed"]
    entry = Entry.objects.get(action="demands.demand.created", target_id=str(demand.pk))
    assert entry.data["owner"] == "县民政局" and entry.data["ticket"] == demand.ticket


def test_a_new_request_is_still_validated(setup, tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.demand_create(
            actor=None,
            resident_name="王",
            text="路灯坏了",
            place_unit=tree.village_a1,
            category=setup["road"],
            place="很长的地址" * 50,
        )
    assert "place" in caught.value.message_dict
    assert not Demand.objects.exists()


def test_the_service_list_may_be_kept_as_long_as_a_public_search(client, setup, settings):
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200 and r["Cache-Control"] == "public, max-age=30"
    assert "Cookie" in r["Vary"] and "Accept-Language" in r["Vary"]
    settings.DOORSTEP_OPEN311_CACHE_SECONDS = 0
    assert "public" not in client.get("/open311/v2/services.json").get("Cache-Control", "")
