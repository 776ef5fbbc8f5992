import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from demands.models import OutboundSms
from demands.notify import HttpSmsSender, Message, sms_deliver, sms_retry_due
from demands.tests.factories import make_demand

SECRET = "网关密钥-test"


class FakeGateway(HttpSmsSender):
    """The gateway's side of the wire: records what arrives, answers with the status it is told to."""

    received: list[tuple[bytes, dict]] = []
    answer = 200

    def post(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        FakeGateway.received.append((body, headers))
        if FakeGateway.answer == "down":
            from demands.notify import GatewayError

            raise GatewayError("connection refused")
        return FakeGateway.answer, json.dumps({"id": f"gw-{len(FakeGateway.received)}"}).encode()


@pytest.fixture
def gateway(settings):
    settings.DEMANDS_NOTIFY_BACKEND = "demands.tests.test_notify.FakeGateway"
    settings.DEMANDS_SMS_GATEWAY = {
        "url": "http://gateway.invalid/send",
        "secret": SECRET,
        "sign_name": "测试县政务",
    }
    FakeGateway.received, FakeGateway.answer = [], 200
    return FakeGateway


def test_a_demand_texts_the_resident_through_the_gateway_signed_with_the_secret(
    setup, tree, gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand = make_demand(tree, setup, phone="13900001234")
    body, headers = gateway.received[0]
    payload = json.loads(body)
    assert payload["phone"] == "13900001234" and payload["ticket"] == demand.ticket
    assert payload["text"].startswith("【测试县政务】")
    expected = hmac.new(
        SECRET.encode(), headers["X-Doorstep-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-Doorstep-Signature"] == "sha256=" + expected.hexdigest()
    row = OutboundSms.objects.get(ticket=demand.ticket)
    assert row.status == OutboundSms.Status.SENT and row.gateway_id == "gw-1"
    assert row.phone_masked.endswith("1234") and "13900001234" not in row.phone_cipher


def test_a_message_the_gateway_refuses_stays_queued_and_the_retry_job_sends_it(
    db, gateway, django_capture_on_commit_callbacks
):
    gateway.answer = 503
    with django_capture_on_commit_callbacks(execute=True):
        HttpSmsSender.send(FakeGateway(), [Message(phone="13900005678", text="您的诉求已受理", ticket="T1")])
    row = OutboundSms.objects.get(ticket="T1")
    assert row.status == OutboundSms.Status.PENDING and row.attempts == 1 and "503" in row.last_error
    assert sms_retry_due() == {"sent": 0, "pending": 0}  # not due yet: it waits a minute
    gateway.answer = 200
    assert sms_retry_due(now=timezone.now() + timedelta(minutes=2)) == {"sent": 1, "pending": 0}
    row.refresh_from_db()
    assert row.status == OutboundSms.Status.SENT and row.attempts == 2 and row.last_error == ""


def test_after_the_last_attempt_a_message_is_marked_failed_not_dropped(
    db, gateway, settings, django_capture_on_commit_callbacks
):
    settings.DEMANDS_SMS_GATEWAY = settings.DEMANDS_SMS_GATEWAY | {"max_attempts": 2}
    gateway.answer = "down"
    with django_capture_on_commit_callbacks(execute=True):
        FakeGateway().send([Message(phone="13900005678", text="提醒", ticket="T2")])
    sms_retry_due(now=timezone.now() + timedelta(hours=1))
    row = OutboundSms.objects.get(ticket="T2")
    assert row.status == OutboundSms.Status.FAILED and row.attempts == 2
    assert "connection refused" in row.last_error
    assert sms_retry_due(now=timezone.now() + timedelta(days=1)) == {"sent": 0, "pending": 0}


def test_the_page_that_causes_a_message_does_not_wait_for_the_gateway(
    setup, tree, gateway, settings, django_capture_on_commit_callbacks
):
    """The first attempt is a background task: with tasks queued (not run), nothing reaches the gateway."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        demand = make_demand(tree, setup, phone="13900001234")
    assert gateway.received == []
    row = OutboundSms.objects.get(ticket=demand.ticket)
    assert row.status == OutboundSms.Status.PENDING and row.attempts == 0
    queued = default_task_backend.results
    assert [r.task.name for r in queued] == ["sms_deliver_task"] and queued[0].args == [[row.pk]]
    # the worker runs it: sent once; the retry job, coming later, finds nothing left to send
    assert sms_deliver(*queued[0].args) == {"sent": 1, "pending": 0}
    assert sms_retry_due(now=timezone.now() + timedelta(minutes=10)) == {"sent": 0, "pending": 0}
    assert len(gateway.received) == 1


def test_a_message_claimed_by_one_attempt_is_not_sent_again_by_another(db, gateway):
    """The delivery task and the retry job can read the same pending row; only one of them sends it."""
    from core import crypto

    row = OutboundSms.objects.create(
        phone_cipher=crypto.encrypt("13900005678", context="demands.sms.phone"),
        phone_masked="139****5678",
        text="提醒",
        ticket="T3",
    )
    first, second = OutboundSms.objects.get(pk=row.pk), OutboundSms.objects.get(pk=row.pk)
    assert FakeGateway().deliver(first) is True
    assert FakeGateway().deliver(second) is False
    assert len(gateway.received) == 1
    row.refresh_from_db()
    assert row.status == OutboundSms.Status.SENT and row.attempts == 1
