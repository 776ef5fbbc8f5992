"""schemathesis over the staff API, in process: the WSGI app, one role at a time (docs/api-fuzzing.md).

Each operation of the OpenAPI document gets `DOORSTEP_FUZZ_EXAMPLES` positive and as many negative
cases (schema-invalid input). Every answer must pass schemathesis's checks (no 5xx, a declared status,
a body that matches the declared schema, invalid input refused with 4xx) and Doorstep's own:

- an error answer carries a non-empty `detail`;
- without credentials, or with a made-up token, every operation answers 401;
- a list answer holds only objects the role may reach (fuzzworld.reachable);
- an object named in the path or body that exists but lies outside the role's reach is answered
  exactly as a missing one would be (404, never 200 or 403), so its existence does not leak.

The id-like parameters are steered towards the fixture's real objects (in both townships), so the
cases reach the services and not only the 404 branch.
"""

import copy
import json
import os
from dataclasses import dataclass, field

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from config.api import api
from core.tests.fuzzworld import LIST_KINDS, PATH_PARAM_KINDS, World, reachable

EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "5"))
# `make fuzz` sets DOORSTEP_FUZZ_RANDOM=1: fresh random cases each run. Otherwise derandomized, so a
# `make test` run is repeatable and a failure in CI reproduces on a developer's machine.
RANDOM = os.environ.get("DOORSTEP_FUZZ_RANDOM") == "1"
MISSING_ID = 2_000_000_000

# Body properties that name an object: property -> kind (for the existence-leak check).
BODY_ID_KINDS = {
    "household_id": "household",
    "person_id": "person",
    "village_id": "unit",
    "township_id": "unit",
    "plan_stop_id": "stop",
}

# Checks left out, each for a stated reason:
# - ignored_auth: it probes with generated credentials; the anonymous and bad-token runs below
#   check the same thing exactly (every operation answers 401).
# - positive_data_acceptance: it expects every schema-valid body to be accepted, but the services
#   rightly refuse schema-valid input that breaks a business rule (a deadline in the past, a
#   purpose of one character) with 400/422 and a message; that is the behaviour we want.
EXCLUDED_CHECKS = [ignored_auth, positive_data_acceptance]


class InProcessApp:
    """The Django WSGI app with the per-request connection closing switched off, as Django's test
    client does, so requests run inside the test's transaction."""

    def __enter__(self):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        return get_wsgi_application()

    def __exit__(self, *exc):
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def steering(world: World) -> dict[str, list]:
    """Real values for id-like and enum-like names, offered beside whatever the schema allows."""
    from burden.models import TaskType
    from demands.models import Category, Demand
    from registry.models import Household, Person, Tag
    from territory.models import AdminUnit, Department, Staff
    from visits.models import Mode

    units: dict[str, list[int]] = {}
    for pk, level in AdminUnit.objects.values_list("pk", "level"):
        units.setdefault(level, []).append(pk)
    ids = world.ids
    values = {
        **{param: list(ids[kind].values()) for param, kind in PATH_PARAM_KINDS.items()},
        "unit_id": list(AdminUnit.objects.values_list("pk", flat=True)),
        "seq": list(range(1, 60)),
        "village": units.get("village", []),
        "village_id": units.get("village", []) + units.get("grid", []),
        "grid": units.get("grid", []),
        "township_id": units.get("township", []),
        "to_unit": list(AdminUnit.objects.values_list("pk", flat=True)),
        "unit_ids": list(AdminUnit.objects.values_list("pk", flat=True)),
        "issuer_unit_id": list(AdminUnit.objects.values_list("pk", flat=True)),
        "household": list(ids["household"].values()),
        "added_household_ids": list(ids["household"].values()),
        "plan_stop_id": list(ids["stop"].values()),
        "source_visit_id": list(ids["visit"].values()),
        "cadre_ids": list(Staff.objects.values_list("pk", flat=True)),
        "staff_ids": list(Staff.objects.values_list("pk", flat=True)),
        "issuer": list(Department.objects.values_list("pk", flat=True)),
        "issuer_department_id": list(Department.objects.values_list("pk", flat=True)),
        "to_department": list(Department.objects.values_list("pk", flat=True)),
        "tag": list(Tag.objects.values_list("code", flat=True)),
        "category": list(Category.objects.values_list("code", flat=True)),
        "level": list(AdminUnit.Level.values),
        "occupancy": list(Household.Occupancy.values),
        "residence": list(Person.Residence.values),
        "mode": list(Mode.values),
        "status": ["open", *Demand.Status.values],
        "type": list(TaskType.values),
        "outcome": list(Demand.Outcome.values),
        "channel": list(Demand.Channel.values),
        "field": ["id_number", "phone"],
        "unit": list(AdminUnit.objects.values_list("code", flat=True)),
    }
    values["person_id"] = list(ids["person"].values())
    values["household_id"] = list(ids["household"].values())
    return {k: v for k, v in values.items() if v}


def _steer(schema: dict, values: list) -> dict:
    if schema.get("type") == "array" and "items" in schema:
        return {**schema, "items": _steer(schema["items"], values)}
    return {"anyOf": [{"enum": values}, schema]}


# The planner's time limit is the one number that makes a request slow on purpose (the API clamps it
# to 0.2..30 s); the fuzz keeps it at the bottom of that range so a run stays short.
BOUNDED = {"seconds": {"type": "number", "minimum": 0.2, "maximum": 0.3}}


def steered_schema(world: World) -> dict:
    raw = json.loads(json.dumps(api.get_openapi_schema()))
    # Credentials are the harness's business (each role's token, or none at all): without this,
    # schemathesis would also generate Authorization headers and session cookies of its own.
    raw.get("components", {}).pop("securitySchemes", None)
    values = steering(world)
    for operations in raw["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
            for param in operation.get("parameters", []):
                if param["name"] in values:
                    param["schema"] = _steer(param["schema"], values[param["name"]])
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _steer_properties(media.get("schema", {}), values)
    for component in raw.get("components", {}).get("schemas", {}).values():
        _steer_properties(component, values)
    return raw


def _steer_properties(schema: dict, values: dict) -> None:
    for name, prop in list(schema.get("properties", {}).items()):
        if name in BOUNDED:
            schema["properties"][name] = copy.deepcopy(BOUNDED[name])
        elif name in values:
            schema["properties"][name] = _steer(prop, values[name])


@dataclass
class Findings:
    role: str
    failures: list[str] = field(default_factory=list)
    calls: int = 0

    def add(self, label: str, message: str) -> None:
        self.failures.append(f"[{self.role}] {label}: {message}")


def _hypothesis_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate, Phase.shrink] if RANDOM else [Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


def _detail_ok(response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("detail"))


class DoorstepCheckError(AssertionError):
    pass


def _path_kind(case) -> tuple[str, int] | None:
    for name, value in (case.path_parameters or {}).items():
        if name in PATH_PARAM_KINDS and isinstance(value, int):
            return PATH_PARAM_KINDS[name], value
    return None


def _body_refs(case) -> list[tuple[str, str, int]]:
    body = case.body if isinstance(case.body, dict) else {}
    return [
        (name, BODY_ID_KINDS[name], value)
        for name, value in body.items()
        if name in BODY_ID_KINDS and isinstance(value, int) and not isinstance(value, bool)
    ]


MODELS = {
    "unit": "territory.AdminUnit",
    "household": "registry.Household",
    "person": "registry.Person",
    "visit": "visits.Visit",
    "plan": "visits.Plan",
    "stop": "visits.PlanStop",
    "demand": "demands.Demand",
    "task": "burden.Task",
    "template": "burden.ReportTemplate",
    "fill": "burden.ReportFill",
    "ledger_import": "registry.LedgerImport",
}


def _exists(kind: str, pk: int) -> bool:
    from django.apps import apps

    return apps.get_model(MODELS[kind]).objects.filter(pk=pk).exists()


def check_doorstep_rules(case, response, *, user, send) -> None:
    """Doorstep's own rules for one answer (see the module docstring); raises DoorstepCheckError."""
    status = response.status_code
    path = case.operation.path
    if user is None:
        if status != 401:
            raise DoorstepCheckError(f"unauthenticated call answered {status}, not 401")
        return
    if 400 <= status < 500 and not _detail_ok(response):
        raise DoorstepCheckError(f"{status} without a clear error body: {response.text[:200]!r}")
    if status == 200 and path in LIST_KINDS and case.method == "GET":
        kind, key = LIST_KINDS[path]
        body = response.json()
        items = body["items"] if isinstance(body, dict) else body
        for item in items:
            if not reachable(user, kind, item[key]):
                raise DoorstepCheckError(f"list shows {kind} {item[key]} outside the role's jurisdiction")
    target = _path_kind(case)
    if target is not None:
        kind, pk = target
        if 200 <= status < 300 and not reachable(user, kind, pk):
            raise DoorstepCheckError(f"{status} for {kind} {pk} outside the role's jurisdiction")
        if _exists(kind, pk) and not reachable(user, kind, pk):
            name = next(n for n, v in case.path_parameters.items() if PATH_PARAM_KINDS.get(n) == kind)
            missing = send(path_parameters={**case.path_parameters, name: MISSING_ID})
            if missing.status_code != status:
                raise DoorstepCheckError(
                    f"{kind} {pk} outside the jurisdiction answered {status}, a missing one "
                    f"{missing.status_code}: the answer reveals that it exists"
                )
    for name, kind, pk in _body_refs(case):
        if _exists(kind, pk) and not reachable(user, kind, pk):
            missing = send(body={**case.body, name: MISSING_ID})
            if missing.status_code != status:
                raise DoorstepCheckError(
                    f"body {name}={pk} ({kind} outside the jurisdiction) answered {status}, "
                    f"a missing one {missing.status_code}: the answer reveals that it exists"
                )


def _has_inputs(operation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters")) or "requestBody" in raw


def fuzz_role(
    world: World,
    role: str | None,
    *,
    examples: int = EXAMPLES,
    token: str | None = None,
    negative: bool = False,
) -> Findings:
    """Runs every operation for one role (None: anonymous, or `token` as a made-up credential).

    Positive cases always; negative (schema-invalid) ones when `negative` is set: Ninja validates
    input the same way whoever calls, so one role with every capability covers them."""
    user = world.staff.get(role) if role else None
    key = world.keys.get(role) if role else token
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    findings = Findings(role=role or ("bad-token" if token else "anonymous"))
    schema = schemathesis.openapi.from_dict(steered_schema(world))
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if negative else [GenerationMode.POSITIVE]
    with InProcessApp() as app:

        def send_like(case, **changes):
            replay = case.operation.Case(
                path_parameters=changes.get("path_parameters", case.path_parameters),
                headers=case.headers,
                cookies=case.cookies,
                query=case.query,
                body=changes.get("body", case.body),
                media_type=case.media_type,
            )
            return replay.call(app=app, headers=headers)

        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in modes:
                if mode == GenerationMode.NEGATIVE and not _has_inputs(operation):
                    continue  # nothing to make invalid
                strategy = operation.as_strategy(generation_mode=mode)

                @_hypothesis_settings(examples)
                @given(case=strategy)
                def run(case):
                    findings.calls += 1
                    response = case.call(app=app, headers=headers)
                    case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)
                    check_doorstep_rules(
                        case, response, user=user, send=lambda **changes: send_like(case, **changes)
                    )

                try:
                    run()
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is reported
                    findings.add(f"{operation.label} ({mode.value})", _short(exc))
    return findings


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if len(text) < 3000 else text[:3000] + " …"
