"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

Services are the county's demand categories; a service request is a demand (service_request_id is
its ticket number). POST needs an api_key issued per client application. Public GETs never carry
personal data; the free-text description and exact address are returned only to the client that
submitted the request (see docs/open311.md).
"""

import hashlib
import math
import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - we only build XML, never parse it

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from demands import services
from demands.models import Attachment, Category, Demand, DemandSetting
from territory.models import AdminUnit

MAX_RECORDS = 1000
DEFAULT_DAYS = 90


def _attributes() -> list[dict]:
    """The service definition's attributes: the routing conditions of the authority matrix."""
    return [
        {
            "variable": True,
            "code": "concerns_county_project",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 1,
            "description": _("是否涉及县级项目（如征地、工程）"),
            "values": [{"key": "true", "name": _("是")}, {"key": "false", "name": _("否")}],
        },
        {
            "variable": True,
            "code": "amount",
            "datatype": "number",
            "required": False,
            "datatype_description": _("涉及金额（元）"),
            "order": 2,
            "description": _("涉及金额（元）"),
            "values": [],
        },
    ]


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _xml(root_tag: str, item_tag: str | None, items, status: int = 200) -> HttpResponse:
    root = Element(root_tag)
    for item in items if item_tag else [items]:
        node = SubElement(root, item_tag) if item_tag else root
        _fill(node, item)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + tostring(root, encoding="unicode").encode()
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def _fill(node: Element, item: dict) -> None:
    singular = {
        "endpoints": "endpoint",
        "formats": "format",
        "attributes": "attribute",
        "values": "value",
        "keywords": "keyword",
    }
    for key, value in item.items():
        child = SubElement(node, key)
        if isinstance(value, list):
            for v in value:
                sub = SubElement(child, singular.get(key, "item"))
                if isinstance(v, dict):
                    _fill(sub, v)
                else:
                    sub.text = str(v)
        elif isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = _xml_text(str(value))


# Characters XML 1.0 cannot carry at all, not even escaped (C0 controls but tab/LF/CR, surrogates,
# U+FFFE/U+FFFF). A client's text (or its unknown service_code echoed in an error) may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _respond(fmt: str, data, root_tag: str, item_tag: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return _xml(root_tag, item_tag, data, status)
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, [{"code": status, "description": description}], "errors", "error", status)


def _guard(view):
    def wrapper(request, fmt: str, **kwargs):
        try:
            _refuse_nul(request)
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _refuse_nul(request) -> None:
    """No text a client sends may hold NUL: PostgreSQL cannot store it, and no person types it."""
    for params in (request.GET, request.POST):
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                raise Open311Error(400, f"{name.replace(chr(0), '')} must not contain NUL characters")


def _iso(value, tz=None) -> str | None:
    """timezone.localtime(value) in ISO 8601; a caller formatting many values passes the time zone once."""
    return (
        value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")
        if value
        else None
    )


def _county() -> AdminUnit | None:
    return AdminUnit.objects.filter(level=AdminUnit.Level.COUNTY).order_by("code").first()


def _jurisdiction(request) -> AdminUnit | None:
    """The county a request names by jurisdiction_id (its configured id, else its area code); None if not given.

    The specification makes jurisdiction_id optional for an endpoint that serves one jurisdiction; when it
    is given it must be one we serve, else the request fails with 404 in the spec's error format.
    """
    jid = (request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    if not jid:
        return None
    setting = DemandSetting.objects.select_related("county").filter(open311_jurisdiction_id=jid).first()
    if setting is not None:
        return setting.county
    county = (
        AdminUnit.objects.filter(level=AdminUnit.Level.COUNTY, code=jid)
        .filter(Q(demand_setting__isnull=True) | Q(demand_setting__open311_jurisdiction_id=""))
        .first()
    )
    if county is None:
        raise Open311Error(404, f"jurisdiction_id {jid} not found")
    return county


def _categories(county: AdminUnit | None = None):
    qs = Category.objects.filter(active=True).order_by("sort_order", "code")
    return qs.filter(county=county) if county is not None else qs


# ---------------------------------------------------------------- discovery and services


@require_http_methods(["GET"])
@_guard
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": "2026-11-26T00:00:00+08:00",
        "contact": "county government service centre",
        "key_service": "API keys are issued by the county administrator (manage.py open311_apikey NAME).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-26T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, data, "discovery", None)


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.keyword_list()),
        "group": category.county.name,
    }


@require_http_methods(["GET"])
@_guard
def service_list(request, fmt: str):
    data = [_service(c) for c in _categories(_jurisdiction(request)).select_related("county")]
    response = _respond(fmt, data, "services", "service")
    seconds = settings.DOORSTEP_OPEN311_CACHE_SECONDS
    if seconds > 0:
        # The same list for everyone: clients and the proxy (docs/deploy.md) may keep it that long.
        response["Cache-Control"] = f"public, max-age={seconds}"
        patch_vary_headers(response, ("Cookie",))
    return response


@require_http_methods(["GET"])
@_guard
def service_definition(request, fmt: str, code: str):
    category = _categories(_jurisdiction(request)).filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    data = {"service_code": category.code, "attributes": _attributes()}
    return _respond(fmt, data, "service_definition", None)


# ---------------------------------------------------------------- requests


def _client(request):
    key = request.POST.get("api_key") or request.GET.get("api_key") or ""
    return services.open311_client_authenticate(key=key)


def _status(demand: Demand) -> str:
    return "open" if demand.status in services.OPEN_STATUSES else "closed"


def _media_url(request, demand: Demand) -> str:
    media = getattr(demand, "public_media", None)
    if media is None:
        media = list(demand.attachments.exclude(public_token=""))
    if not media:
        return ""
    return request.build_absolute_uri(reverse("open311:media", kwargs={"token": media[0].public_token}))


class _Labels:
    """Status and outcome names in the request's language (and its time zone), looked up once per answer:
    get_FOO_display() rebuilds the choices and translates them for every call (~0.2 ms), which made a
    1,000-request search cost ~140 ms of CPU (docs/bench/load.md)."""

    def __init__(self):
        self.status = {value: str(label) for value, label in Demand.Status.choices}
        self.outcome = {value: str(label) for value, label in Demand.Outcome.choices}
        self.tz = timezone.get_current_timezone()


def _request_out(demand: Demand, client, request=None, labels: _Labels | None = None) -> dict:
    labels = labels or _Labels()
    own = client is not None and demand.api_client_id == client.pk
    notes = labels.status.get(demand.status, demand.status)
    if demand.outcome:
        outcome = labels.outcome.get(demand.outcome, demand.outcome)
        notes = f"{outcome}：{demand.answer}" if own else outcome
    return {
        "service_request_id": demand.ticket,
        "status": _status(demand),
        "status_notes": notes,
        "service_name": demand.category.name,
        "service_code": demand.category.code,
        "description": demand.text if own else "",
        "agency_responsible": demand.owner_label,
        "service_notice": "",
        "requested_datetime": _iso(demand.created_at, labels.tz),
        "updated_datetime": _iso(demand.updated_at, labels.tz),
        "expected_datetime": _iso(demand.resolve_due, labels.tz),
        "address": demand.place if own else demand.place_unit.name,
        "address_id": demand.place_unit.code,
        "zipcode": "",
        "lat": demand.latitude,
        "long": demand.longitude,
        "media_url": _media_url(request, demand) if request is not None else "",
    }


class _Named:
    __slots__ = ("name", "code")

    def __init__(self, name, code=""):
        self.name, self.code = name, code


class _Media:
    __slots__ = ("public_token",)

    def __init__(self, token):
        self.public_token = token


class _Row:
    """What _request_out reads of a Demand, built from one values_list row: a search answers up to 1,000
    demands, and building each as five model instances (the demand and its related rows) cost ~60 ms of
    CPU per search; these plain rows cost a fraction of that. owner_label is the model's own rule."""

    COLUMNS = (
        "pk",
        "ticket",
        "status",
        "outcome",
        "answer",
        "api_client_id",
        "text",
        "place",
        "latitude",
        "longitude",
        "created_at",
        "updated_at",
        "resolve_due",
        "owner_level",
        "owner_department_id",
        "owner_department__name",
        "owner_unit__name",
        "category__name",
        "category__code",
        "place_unit__name",
        "place_unit__code",
    )
    __slots__ = (*COLUMNS[:15], "owner_department", "owner_unit", "category", "place_unit", "public_media")

    def __init__(self, values):
        for name, value in zip(self.COLUMNS[:15], values[:15], strict=True):
            setattr(self, name, value)
        self.owner_department = _Named(values[15])
        self.owner_unit = _Named(values[16])
        self.category = _Named(values[17], values[18])
        self.place_unit = _Named(values[19], values[20])
        self.public_media = []

    owner_label = Demand.owner_label


def _rows(qs) -> list[_Row]:
    rows = [_Row(v) for v in qs.prefetch_related(None).values_list(*_Row.COLUMNS)]
    if rows:
        by_pk = {r.pk: r for r in rows}
        media = (
            Attachment.objects.filter(demand_id__in=list(by_pk))
            .exclude(public_token="")
            .order_by("id")
            .values_list("demand_id", "public_token")
        )
        for demand_id, token in media:
            by_pk[demand_id].public_media.append(_Media(token))
    return rows


def _base_qs(request):
    qs = Demand.objects.select_related(
        "category", "place_unit", "owner_unit", "owner_department"
    ).prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.exclude(public_token="").order_by("id"),
            to_attr="public_media",
        )
    )
    county = _jurisdiction(request)
    return qs.filter(county=county) if county is not None else qs


def _parse_dt(value: str, name: str) -> datetime:
    try:
        # A well-formed but impossible date (month 13, year 0) raises instead of answering None.
        parsed = parse_datetime(value.replace(" ", "+")) if value else None
        if parsed is not None and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-11-01T00:00:00+08:00")
    return parsed


def _nearest_village(lat: float, lng: float) -> AdminUnit | None:
    best, best_d = None, math.inf
    for v in AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE, latitude__isnull=False).only(
        "id", "latitude", "longitude", "path", "name", "parent_id", "level", "code"
    ):
        d = (v.latitude - lat) ** 2 + ((v.longitude - lng) * math.cos(math.radians(lat))) ** 2
        if d < best_d:
            best, best_d = v, d
    return best


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_endpoint(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    return _search_shared(request, fmt)


def _search_cache_key(request, fmt: str) -> str | None:
    """The shared answer cache's key for a public search, or None for a search that must be answered fresh.

    A search with an api_key is answered fresh: it shows that client its own requests' description, address
    and answer, and authenticating records the key's last use. So is a lookup by service_request_id: a
    resident checking their own ticket sees a change at once; and so is a search between dates (below).
    Everything else the answer depends on is in the key: the format, the filters (normalised: the order and repeats of comma-separated codes and
    statuses change nothing), the language of the status names, the time zone of the datetimes, and the
    scheme and host of media_url. Other query parameters do not change the answer and are left out.
    """
    g = request.GET
    if g.get("api_key") or any(i.strip() for i in g.get("service_request_id", "").split(",")):
        return None
    # Nor is a search between dates: the dates are free text, so each distinct pair would store another
    # answer of up to ~500 KB, and anyone could fill the cache (and push out rate-limit counters) with
    # them. What is polled again and again is the default list of the last 90 days.
    if g.get("start_date") or g.get("end_date"):
        return None

    def terms(name: str) -> list[str]:
        return sorted({t.strip() for t in g.get(name, "").split(",") if t.strip()})

    parts = (
        fmt,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        request.scheme,
        request.get_host(),
        g.get("jurisdiction_id", "").strip(),
        terms("service_code"),
        terms("status"),
    )
    return "open311:requests:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _search_shared(request, fmt: str) -> HttpResponse:
    """The public search, answered from the shared cache for DOORSTEP_OPEN311_CACHE_SECONDS.

    The same list of up to 1,000 requests is asked for again and again by every map and kiosk polling it
    (it cost ~35-80 ms of CPU per answer); a new or changed request shows up in the
    list at most that many seconds late (docs/open311.md). Errors raise before anything is stored.
    """
    seconds = settings.DOORSTEP_OPEN311_CACHE_SECONDS
    key = _search_cache_key(request, fmt) if seconds > 0 else None
    if key is None:
        return _search(request, fmt)
    cached = cache.get(key)
    if cached is not None:
        content_type, body = cached
        response = HttpResponse(body, content_type=content_type)
    else:
        response = _search(request, fmt)
        if response.status_code == 200:
            cache.set(key, (response["Content-Type"], response.content), seconds)
    response["Cache-Control"] = f"public, max-age={seconds}"
    # The status names follow the language, which a cookie may choose (Accept-Language is added by LocaleMiddleware).
    patch_vary_headers(response, ("Cookie",))
    return response


def _create(request, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        raise Open311Error(403, "api_key is missing or not valid")
    p = request.POST
    code = p.get("service_code", "")
    # A key issued to one county files into that county only, whatever jurisdiction_id it names.
    named = _jurisdiction(request)
    if client.county_id is not None and named is not None and named.pk != client.county_id:
        raise Open311Error(403, "this api_key is not valid for that jurisdiction_id")
    # The category's county is read below (its path bounds the location).
    category = _categories(named or client.county).select_related("county").filter(code=code).first()
    if not code:
        raise Open311Error(400, "service_code is required")
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lng, address = p.get("lat"), p.get("long"), (p.get("address_string") or "").strip()
    address_id = (p.get("address_id") or "").strip()
    place_unit = None
    if address_id:
        place_unit = AdminUnit.objects.filter(code=address_id).first()
        if place_unit is None:
            raise Open311Error(400, f"address_id {address_id} is not a known area code")
    latitude = longitude = None
    if lat and lng:
        try:
            latitude, longitude = float(lat), float(lng)
        except ValueError:
            raise Open311Error(400, "lat and long must be numbers") from None
        # "nan" and "inf" parse as floats; PostgreSQL would keep NaN and every JSON answer break.
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise Open311Error(400, "lat must be within -90..90 and long within -180..180") from None
        place_unit = place_unit or _nearest_village(latitude, longitude)
    if place_unit is None and address:
        place_unit = next(
            (v for v in AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE) if v.name in address), None
        )
    if place_unit is None and not address:
        raise Open311Error(400, "a location is required: lat & long, address_string or address_id")
    place_unit = place_unit or _county()
    if category.county.path and not place_unit.path.startswith(category.county.path):
        raise Open311Error(400, "the location is outside the county this service belongs to")
    description = (p.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    concerns = p.get("attribute[concerns_county_project]", "").lower() == "true"
    amount = None
    if p.get("attribute[amount]"):
        try:
            amount = Decimal(p["attribute[amount]"])
        except InvalidOperation:
            raise Open311Error(400, "attribute[amount] must be a number") from None
        if not amount.is_finite():  # NaN cannot be compared with the routing rules' thresholds
            raise Open311Error(400, "attribute[amount] must be a number")
    name = f"{p.get('last_name', '')}{p.get('first_name', '')}".strip() or _("匿名")
    try:
        demand = services.demand_create(
            actor=None,
            resident_name=name[:50],
            phone=p.get("phone", ""),
            text=description,
            place_unit=place_unit,
            place=address,
            category=category,
            channel=Demand.Channel.OPEN311,
            concerns_county_project=concerns,
            amount=amount,
            latitude=latitude,
            longitude=longitude,
            api_client=client,
        )
    except ValidationError as exc:
        raise Open311Error(400, " ".join(exc.messages)) from None
    except PermissionDenied:
        raise Open311Error(403, "not allowed") from None
    data = [
        {
            "service_request_id": demand.ticket,
            "token": demand.open311_token,
            "service_notice": _("由%(owner)s办理，%(date)s前答复")
            % {"owner": demand.owner_label, "date": services.fmt_date(demand.resolve_due)},
            "account_id": None,
        }
    ]
    return _respond(fmt, data, "service_requests", "request", status=201)


def _search(request, fmt: str) -> HttpResponse:
    client = _client(request)
    g = request.GET
    qs = _base_qs(request)
    ids = [i.strip() for i in g.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(ticket__in=ids)
    else:
        now = timezone.now()
        end = _parse_dt(g["end_date"], "end_date") if g.get("end_date") else now
        if g.get("start_date"):
            start = _parse_dt(g["start_date"], "start_date")
        else:
            try:
                start = end - timedelta(days=DEFAULT_DAYS)
            except OverflowError:  # an end_date in the first days of year 1
                start = end
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = [c.strip() for c in g.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.strip() for s in g.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            qs = qs.filter(status__in=services.OPEN_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=services.OPEN_STATUSES)
    labels = _Labels()
    rows = _rows(qs.order_by("-created_at", "-id")[:MAX_RECORDS])
    data = [_request_out(d, client, request, labels) for d in rows]
    return _respond(fmt, data, "service_requests", "request")


@require_http_methods(["GET"])
@_guard
def request_detail(request, fmt: str, request_id: str):
    demand = _base_qs(request).filter(ticket=request_id).first()
    if demand is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return _respond(fmt, [_request_out(demand, _client(request), request)], "service_requests", "request")


@require_http_methods(["GET"])
@_guard
def token_detail(request, fmt: str, token: str):
    demand = Demand.objects.filter(open311_token=token).exclude(open311_token="").first() if token else None
    if demand is None:
        raise Open311Error(404, f"token {token} not found")
    return _respond(
        fmt, [{"service_request_id": demand.ticket, "token": token}], "service_requests", "request"
    )


@require_http_methods(["GET"])
def media(request, token: str):
    """A photo a handler made public, as the EXIF-free copy (an extension: the spec only names media_url)."""
    attachment = Attachment.objects.filter(public_token=token).first() if token else None
    path = services.attachment_public_path(attachment) if attachment is not None else None
    if path is None or not path.exists():
        raise Http404
    content_type = "image/png" if path.suffix == ".png" else "image/jpeg"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
