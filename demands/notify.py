"""Notifications to residents and staff through a pluggable sender (DEMANDS_NOTIFY_BACKEND).

The default writes to the log (console); FileSender appends JSON lines to a file; an SMS gateway
plugs in by subclassing SmsSender and implementing `send_sms`. Messages go out after the
transaction that caused them commits, so a rolled-back change never texts anyone.
"""

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

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


def get_sender() -> Sender:
    path = getattr(settings, "DEMANDS_NOTIFY_BACKEND", "demands.notify.ConsoleSender")
    return import_string(path)()


def notify(messages: list[Message]) -> None:
    """Queue messages to go out once the current transaction commits."""
    messages = [m for m in messages if m.phone]
    if messages:
        transaction.on_commit(lambda: get_sender().send(messages))
