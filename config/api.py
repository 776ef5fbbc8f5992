"""The staff REST API: one NinjaAPI, with a router from each app's api.py (`router`)."""

from importlib import import_module

from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from territory.services import token_authenticate


class StaffToken(HttpBearer):
    """Authorization: Bearer <token> (issued with `manage.py api_token USERNAME` or in the admin)."""

    def authenticate(self, request, token):
        staff = token_authenticate(key=token)
        if staff is not None:
            request.user = staff
        return staff


api = NinjaAPI(
    title="Doorstep API",
    version="1",
    description="家门口基层工作平台接口。所有查询都按调用人的辖区过滤，个人信息默认脱敏。",
    auth=[StaffToken(), django_auth],
    urls_namespace="api",
)

# Routers mounted at /api/v1/<app>/; each app keeps its endpoints in <app>/api.py as `router`.
API_APPS = ["territory", "registry", "visits", "demands", "burden", "journal"]
for _app in API_APPS:
    _module = import_module(f"{_app}.api")
    api.add_router(f"/{_app}/", _module.router)
