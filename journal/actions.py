"""The register of journal action codes and their display text.

Each app lists its own codes in `<app>/journal_actions.py` as `ACTIONS = {"app.entity.verb": _("…")}`;
they are collected here when Django starts. Recording an unregistered code is an error.
"""

from importlib import import_module

from django.apps import apps

ACTIONS: dict[str, object] = {}


def register(actions: dict) -> None:
    for code, text in actions.items():
        if code.count(".") < 2:
            raise ValueError(f"Journal action code {code!r} must be dotted: app.entity.verb")
        ACTIONS[code] = text


def autodiscover() -> None:
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.journal_actions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.journal_actions":
                raise
            continue
        register(module.ACTIONS)


def display(code: str) -> str:
    return str(ACTIONS.get(code, code))
