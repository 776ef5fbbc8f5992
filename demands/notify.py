"""Notifications to residents and staff through a pluggable sender (DEMANDS_NOTIFY_BACKEND).

The default writes to the log (console); FileSender appends JSON lines to a file; HttpSmsSender
posts to an SMS gateway over HTTP (signed with HMAC-SHA256), keeping every message in OutboundSms
until the gateway accepts it: the first attempt runs as a background task (a slow gateway never holds
up the page that caused the message), failures are retried by the `demands.sms_retry` periodic job,
and a message is claimed before each attempt so the two never send it twice. Any other
gateway plugs in by subclassing SmsSender and implementing `send_sms`. Messages go out after the
transaction that caused them commits, so a rolled-back change never texts anyone.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core import crypto
from core.masking import mask_phone

logger = logging.getLogger("doorstep.demands.notify")


@dataclass
class Message:
    phone: str
    text: str
    ticket: str = ""
    kind: str = ""


class Sender:
    def send(self, messages: list[Message]) -> None:
        raise NotImplementedError


class ConsoleSender(Sender):
    """Logs each message with the phone masked (the default: nothing leaves the machine)."""

    def send(self, messages: list[Message]) -> None:
        for m in messages:
            logger.warning("notify %s %s: %s", mask_phone(m.phone), m.ticket, m.text)


class FileSender(Sender):
    """Appends JSON lines to DEMANDS_NOTIFY_FILE (phones masked), e.g. for a local demo."""

    def send(self, messages: list[Message]) -> None:
        path = Path(getattr(settings, "DEMANDS_NOTIFY_FILE", settings.VAR_DIR / "notifications.jsonl"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for m in messages:
                row = asdict(m) | {"phone": mask_phone(m.phone), "at": timezone.now().isoformat()}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


class MemorySender(Sender):
    """Keeps messages in `outbox` (tests)."""

    outbox: list[Message] = []

    def send(self, messages: list[Message]) -> None:
        MemorySender.outbox.extend(messages)


class SmsSender(Sender):
    """Adapter interface for an SMS gateway: implement send_sms(phone, text) in a subclass."""

    def send_sms(self, phone: str, text: str) -> None:
        raise NotImplementedError("Plug in an SMS gateway by subclassing SmsSender.")

    def send(self, messages: list[Message]) -> None:
        for m in messages:
            if m.phone:
                self.send_sms(m.phone, m.text)


class GatewayError(Exception):
    """The gateway refused or could not be reached; the message stays queued."""


class HttpSmsSender(Sender):
    """A generic HTTP SMS gateway, configured by settings.DEMANDS_SMS_GATEWAY:

    url (required), secret (HMAC-SHA256 key, required), sign_name (the 【签名】 the carrier requires),
    template ("【{sign}】{text}" by default), timeout (seconds, 5), max_attempts (6).

    Each message is stored (phone encrypted) before it is sent. The POST body is JSON
    {"id", "phone", "text", "ticket", "kind"}; headers X-Doorstep-Timestamp and
    X-Doorstep-Signature = "sha256=" + HMAC(secret, timestamp + "." + body). A 2xx answer marks it sent
    (with the gateway's "id" if it returns one); anything else leaves it pending with a growing delay,
    and after max_attempts it is marked failed, where the admin sees it.
    """

    BACKOFF_MINUTES = (1, 5, 15, 60, 240)
    # a new message is the delivery task's; the retry job takes it only if the task has not within this
    FIRST_ATTEMPT_MINUTES = 2

    def __init__(self):
        conf = getattr(settings, "DEMANDS_SMS_GATEWAY", {}) or {}
        if not conf.get("url") or not conf.get("secret"):
            raise ImproperlyConfigured("DEMANDS_SMS_GATEWAY needs url and secret for HttpSmsSender.")
        self.url = conf["url"]
        self.secret = conf["secret"].encode()
        self.sign_name = conf.get("sign_name", "")
        self.template = conf.get("template", "【{sign}】{text}" if self.sign_name else "{text}")
        self.timeout = float(conf.get("timeout", 5))
        self.max_attempts = int(conf.get("max_attempts", 6))

    def send(self, messages: list[Message]) -> None:
        """Store the messages, then hand their first attempt to the delivery task."""
        from demands.models import OutboundSms

        first_attempt = timezone.now() + timedelta(minutes=self.FIRST_ATTEMPT_MINUTES)
        rows = [
            OutboundSms.objects.create(
                phone_cipher=crypto.encrypt(m.phone, context="demands.sms.phone"),
                phone_masked=mask_phone(m.phone),
                text=self.template.format(sign=self.sign_name, text=m.text),
                ticket=m.ticket,
                kind=m.kind,
                next_attempt_at=first_attempt,
            )
            for m in messages
            if m.phone
        ]
        if rows:
            ids = [row.pk for row in rows]
            transaction.on_commit(lambda: _enqueue_delivery(ids))

    def signed(self, body: bytes, timestamp: str) -> str:
        return "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def post(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        """One HTTP POST to the gateway (tests replace this with a fake gateway)."""
        import requests

        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise GatewayError(str(exc)) from exc
        return response.status_code, response.content

    def deliver(self, row) -> bool:
        """Try one message once; True if the gateway accepted it."""
        from demands.models import OutboundSms

        body = json.dumps(
            {
                "id": row.pk,
                "phone": crypto.decrypt(row.phone_cipher, context="demands.sms.phone"),
                "text": row.text,
                "ticket": row.ticket,
                "kind": row.kind,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Doorstep-Timestamp": timestamp,
            "X-Doorstep-Signature": self.signed(body, timestamp),
        }
        # claimed: only the attempt that moves the count from what it read sends (the task and the retry job)
        claimed = OutboundSms.objects.filter(
            pk=row.pk, status=OutboundSms.Status.PENDING, attempts=row.attempts
        ).update(attempts=row.attempts + 1)
        if not claimed:
            return False
        row.attempts += 1
        try:
            status, content = self.post(body, headers)
            if not 200 <= status < 300:
                raise GatewayError(f"HTTP {status}: {content[:200].decode(errors='replace')}")
        except GatewayError as exc:
            row.last_error = str(exc)[:300]
            if row.attempts >= self.max_attempts:
                row.status = OutboundSms.Status.FAILED
                logger.error("SMS %s to %s failed for good: %s", row.pk, row.phone_masked, exc)
            else:
                delay = self.BACKOFF_MINUTES[min(row.attempts, len(self.BACKOFF_MINUTES)) - 1]
                row.next_attempt_at = timezone.now() + timedelta(minutes=delay)
                logger.warning("SMS %s to %s will be retried: %s", row.pk, row.phone_masked, exc)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        try:
            row.gateway_id = str(json.loads(content or b"{}").get("id", ""))[:100]
        except (ValueError, AttributeError):
            row.gateway_id = ""
        row.status, row.sent_at, row.last_error = OutboundSms.Status.SENT, timezone.now(), ""
        row.save(update_fields=["attempts", "status", "sent_at", "gateway_id", "last_error"])
        return True


def sms_retry_due(*, now=None) -> dict:
    """Send again every queued message whose next attempt is due (a periodic job)."""
    from demands.models import OutboundSms

    due = list(
        OutboundSms.objects.filter(
            status=OutboundSms.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )[:500]
    )
    return _deliver_all(due)


def sms_deliver(ids: list[int]) -> dict:
    """The first attempt of newly stored messages (the delivery task); already claimed ones are skipped."""
    from demands.models import OutboundSms

    return _deliver_all(
        list(OutboundSms.objects.filter(pk__in=ids, status=OutboundSms.Status.PENDING, attempts=0))
    )


def _deliver_all(rows: list) -> dict:
    """One attempt at each stored message, through the gateway even if the backend was changed since."""
    if not rows:
        return {"sent": 0, "pending": 0}
    sender = get_sender()
    if not isinstance(sender, HttpSmsSender):
        sender = HttpSmsSender()  # queued under an earlier configuration: still the gateway's to send
    sent = sum(sender.deliver(row) for row in rows)
    return {"sent": sent, "pending": len(rows) - sent}


def _enqueue_delivery(ids: list[int]) -> None:
    from demands.tasks import sms_deliver_task

    try:
        sms_deliver_task.enqueue(ids)
    except Exception:  # noqa: BLE001 - the messages are stored: the retry job sends them
        logger.exception("could not queue SMS delivery for %s; the retry job will send them", ids)


def get_sender() -> Sender:
    path = getattr(settings, "DEMANDS_NOTIFY_BACKEND", "demands.notify.ConsoleSender")
    return import_string(path)()


def notify(messages: list[Message]) -> None:
    """Queue messages to go out once the current transaction commits."""
    messages = [m for m in messages if m.phone]
    if messages:
        transaction.on_commit(lambda: get_sender().send(messages))
