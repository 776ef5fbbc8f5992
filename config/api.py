"""The staff REST API: one NinjaAPI, with a router from each app's api.py (`router`)."""

from importlib import import_module

from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from territory.services import token_authenticate


class StaffToken(HttpBearer):
    """Authorization: Bearer <token> (issued with `manage.py api_token USERNAME` or in the admin)."""

    def authenticate(self, request, token):
        staff = token_authenticate(key=token)
        if staff is not None:
            request.user = staff
        return staff


class StaffSession(SessionAuth):
    """The signed-in browser session (the workspace's own pages call the API this way).

    CSRF is checked only for a session that is signed in: without one the caller is simply not
    authenticated and gets 401 like any other, not Ninja's 403 "CSRF check Failed" on every POST.
    """

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class NoNulParser(Parser):
    """Ninja's parser, refusing NUL in any text: PostgreSQL cannot store it (a 500 there, found by the
    API fuzz) and no person types it. Query and form fields answer 422 naming the field; a JSON body
    answers Ninja's 400 "Cannot parse request body"."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError("NUL character in the request body")
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        for name, value in result.items():
            if _has_nul(name) or _has_nul(value):
                raise HttpError(422, f"{name.replace(chr(0), '')}: text must not contain NUL characters")
        return result


# Every error answer is {"detail": "..."} (or, for 422, Ninja's list of field errors). The OpenAPI
# document declares them so that clients (and the schemathesis fuzz, docs/api-fuzzing.md) know every
# status an operation can answer: 401 without valid credentials, 403 when the role lacks the
# capability, 404 for an object missing or outside the caller's jurisdiction (never 403, which would
# reveal that it exists), 400/422 for input the operation refuses.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
            "title": "Detail",
        }
    },
    "required": ["detail"],
    "title": "Error",
}
ERROR_TEXT = {
    "400": "请求有误（无法解析，或不符合业务规则）",
    "401": "未登录或令牌无效",
    "403": "无此权限",
    "404": "不存在，或不在辖区内",
    "422": "参数校验失败",
}


def _error_statuses(method: str, operation: dict) -> list[str]:
    statuses = ["401", "403"]
    has_path_param = any(p.get("in") == "path" for p in operation.get("parameters", []))
    if method != "get":
        statuses.append("400")
    if has_path_param or "requestBody" in operation:
        statuses.append("404")
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append("422")
    return statuses


class DoorstepAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in _error_statuses(method, operation):
                    responses.setdefault(status, {"description": ERROR_TEXT[status], "content": ref})
        return schema


api = DoorstepAPI(
    title="Doorstep API",
    version="1",
    description="家门口基层工作平台接口。所有查询都按调用人的辖区过滤，个人信息默认脱敏。",
    auth=[StaffToken(), StaffSession()],
    parser=NoNulParser(),
    urls_namespace="api",
)

# Routers mounted at /api/v1/<app>/; each app keeps its endpoints in <app>/api.py as `router`.
API_APPS = ["territory", "registry", "visits", "demands", "burden", "journal"]
for _app in API_APPS:
    _module = import_module(f"{_app}.api")
    api.add_router(f"/{_app}/", _module.router)
