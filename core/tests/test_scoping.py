"""Walks every URL pattern and API route: none may serve an object outside the user's jurisdiction.

A route with a path parameter must be listed with an out-of-scope object in some app's
`tests/scoping.py`; an unlisted one fails this test, so no new route can skip scoping unnoticed.
Parameterless staff pages must not mention anything from outside the jurisdiction.
"""

import json
import re
from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api import api
from core.demo import DEMO_APPS

# Routes outside the staff scoping rule, each for a stated reason.
EXEMPT_PREFIXES = (
    "admin/",  # Django admin: superuser-only configuration, not a jurisdiction-scoped workspace
    "cms/",  # Wagtail CMS: page permissions by jurisdiction-synced groups (portal/tests/test_editors.py)
    "i18n/",  # language switch
    "api/v1/",  # walked separately through the OpenAPI schema below
    "static/",
    "media/",
)
OUT_OF_SCOPE_MARKERS = ("乙一村", "乙乡", "乙村人")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


def _scoping_modules():
    for app in DEMO_APPS + ["core"]:
        try:
            yield import_module(f"{app}.tests.scoping")
        except ModuleNotFoundError:
            continue


def _declared_routes(tree) -> dict:
    declared = {}
    for module in _scoping_modules():
        declared.update(module.routes(tree))
    return declared


def _public_routes() -> dict:
    """Routes that serve the public on purpose (portal, resident status by ticket), each with its reason."""
    public = {}
    for module in _scoping_modules():
        public.update(getattr(module, "PUBLIC_ROUTES", {}))
    return public


def _site_routes():
    public = _public_routes()
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith(EXEMPT_PREFIXES) or route.startswith("^") or name in public:
            continue
        yield route, name


@pytest.fixture
def declared(tree):
    return _declared_routes(tree)


def test_every_parameterised_page_refuses_out_of_scope_objects(client, village_official, declared):
    client.force_login(village_official)
    checked = 0
    for route, name in _site_routes():
        if "<" not in route:
            continue
        assert name in declared, (
            f"route {route!r} ({name}) has a parameter but no out-of-scope case in tests/scoping.py"
        )
        url = reverse(name, kwargs=declared[name])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), f"{method.upper()} {url} gave {response.status_code}"
        checked += 1
    assert checked >= 4


def test_every_parameterised_api_route_refuses_out_of_scope_objects(client, village_official, declared):
    from territory.services import token_issue

    _t, key = token_issue(actor=village_official, staff=village_official, name="walker")
    schema = api.get_openapi_schema()
    checked = 0
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        assert path in declared, (
            f"API route {path!r} has a parameter but no out-of-scope case in tests/scoping.py"
        )
        params = dict(declared[path])
        body = json.dumps(params.pop("_body", {}))
        url = re.sub(r"\{(\w+)\}", lambda m, params=params: str(params[m.group(1)]), path)
        for method in operations:
            response = client.generic(
                method.upper(), url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
            )
            assert response.status_code in (404, 403), f"{method.upper()} {url} gave {response.status_code}"
            checked += 1
    assert checked >= 3


def test_staff_pages_without_parameters_show_nothing_from_outside(client, village_official, declared):
    client.force_login(village_official)
    for route, name in _site_routes():
        if "<" in route or not name or not route.startswith("work/"):
            continue
        response = client.get(reverse(name), {"q": "乙"})
        assert response.status_code in (200, 302, 403, 405), f"{route} gave {response.status_code}"
        body = response.content.decode(errors="ignore")
        for marker in OUT_OF_SCOPE_MARKERS:
            assert marker not in body, f"/{route} shows {marker!r} from outside the user's jurisdiction"


def test_api_lists_show_nothing_from_outside(client, village_official, declared):
    from territory.services import token_issue

    _t, key = token_issue(actor=village_official, staff=village_official, name="walker")
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200, f"{path} gave {response.status_code}"
        body = json.dumps(response.json(), ensure_ascii=False)
        for marker in OUT_OF_SCOPE_MARKERS:
            assert marker not in body, f"{path} shows {marker!r} from outside the user's jurisdiction"
