from datetime import timedelta

import pytest
from django.utils import timezone

from burden import services
from burden.models import TaskType
from territory.services import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, village_official):
    _token, key = token_issue(actor=village_official, staff=village_official, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def _task(tree, unit, title):
    now = timezone.now()
    return services.task_record(
        actor=None,
        type=TaskType.MEETING,
        title=title,
        issuer_unit=tree.county,
        received_at=now,
        deadline=now + timedelta(hours=2),
        units=[unit],
    )


def test_task_list_is_scoped(api, tree):
    _task(tree, tree.village_a1, "甲一村会议")
    _task(tree, tree.village_b1, "乙一村会议")
    body = api.get("/api/v1/burden/tasks").json()
    assert [t["title"] for t in body["items"]] == ["甲一村会议"]
    assert body["items"][0]["unreasonable_deadline"] is True


def test_out_of_scope_task_is_404(api, tree):
    task = _task(tree, tree.village_b1, "乙一村会议")
    assert api.get(f"/api/v1/burden/tasks/{task.pk}").status_code == 404


def test_create_task_uses_type_default_hours(api, tree):
    deadline = (timezone.now() + timedelta(days=10)).isoformat()
    response = api.post(
        "/api/v1/burden/tasks",
        {
            "type": "inspection",
            "title": "安全检查",
            "issuer_unit_id": tree.town_a.pk,
            "deadline": deadline,
            "unit_ids": [tree.village_a1.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["estimated_hours"] == "6.0"


def test_create_task_for_other_village_is_403(api, tree):
    deadline = (timezone.now() + timedelta(days=10)).isoformat()
    response = api.post(
        "/api/v1/burden/tasks",
        {
            "type": "form",
            "title": "x",
            "issuer_unit_id": tree.town_b.pk,
            "deadline": deadline,
            "unit_ids": [tree.village_b1.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_dashboard_numbers(api, tree):
    _task(tree, tree.village_a1, "甲一村会议")
    body = api.get("/api/v1/burden/dashboard").json()
    assert body["tasks"] == 1 and body["unreasonable"] == 1
    assert body["units"][0]["label"] == "甲一村"
    assert body["by_type"]["meeting"] == 1


def test_notice_parse(api):
    body = api.post(
        "/api/v1/burden/notices/parse",
        {"text": "关于召开会议的通知\n定于2026年12月1日上午9:00召开"},
        content_type="application/json",
    ).json()
    assert body["type"] == "meeting" and body["deadline"].startswith("2026-12-01T09:00")


def test_patch_task_moves_deadline(api, tree):
    task = _task(tree, tree.village_a1, "甲一村会议")
    deadline = (timezone.now() + timedelta(days=14)).isoformat()
    response = api.patch(
        f"/api/v1/burden/tasks/{task.pk}", {"deadline": deadline}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["unreasonable_deadline"] is False
