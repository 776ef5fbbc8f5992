"""The resident's own pages: a demand form, and status by ticket number + the last four phone digits."""

from functools import lru_cache

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from demands import selectors, services
from demands import text as demand_text
from demands.forms import PublicDemandForm, PublicVerdictForm, StatusLookupForm
from demands.models import Demand

SUBMITS_PER_HOUR = 5
LOOKUPS_PER_HOUR = 30
MAX_LINKS = 1


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _over_limit(request, bucket: str, limit: int) -> bool:
    """A fixed one-hour window per address (cache-backed)."""
    key = f"demands:rate:{bucket}:{_client_ip(request)}"
    added = cache.add(key, 1, 3600)
    if added:
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        return False
    return count > limit


@lru_cache(maxsize=8)
def _blank_fields(language: str, villages: tuple) -> str:
    """The blank form's fields, which depend only on the language and the villages (both in the key):
    written once per process instead of on every visit, where the ~300 options and the field templates
    cost ~6 ms of the page's ~11 ms of CPU."""
    return render_to_string("demands/_public_fields.html", {"form": PublicDemandForm(villages=villages)})


@never_cache
def submit(request):
    villages = selectors.public_village_choices()
    if request.method != "POST":
        fields = _blank_fields(translation.get_language(), tuple(villages))
        return render(request, "demands/public_submit.html", {"fields_html": fields})
    form = PublicDemandForm(request.POST or None, villages=villages)
    if _over_limit(request, "submit", SUBMITS_PER_HOUR):
        form.add_error(None, _("提交太频繁了，请一小时后再试，或拨打热线反映。"))
        return render(request, "demands/public_submit.html", {"form": form}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            # A bot filled the hidden field: answer as if accepted, store nothing.
            return render(request, "demands/public_submitted.html", {"ticket": None})
        if demand_text.link_count(data["text"]) > MAX_LINKS:
            form.add_error("text", _("内容里的网址太多，请直接写明您要反映的事。"))
        else:
            place_unit = selectors.public_village(data["place_unit"])
            category = selectors.category_for_text(place_unit=place_unit, text=data["text"])
            held_reason = services.submission_screen(
                resident_name=data["resident_name"], text=data["text"], place=data["place"]
            )
            if place_unit is None or category is None:
                form.add_error("place_unit", _("请选择所在村/社区"))
            elif held_reason:
                # Looks like link-farm spam: kept for an administrator, never routed or shown.
                services.submission_hold(
                    place_unit=place_unit,
                    resident_name=data["resident_name"],
                    phone=data["phone"],
                    place=data["place"],
                    text=data["text"],
                    reason=held_reason,
                )
                return render(request, "demands/public_submitted.html", {"ticket": None, "held": True})
            else:
                try:
                    demand = services.demand_create(
                        actor=None,
                        resident_name=data["resident_name"],
                        phone=data["phone"],
                        text=data["text"],
                        place_unit=place_unit,
                        place=data["place"],
                        category=category,
                        channel=Demand.Channel.PORTAL,
                    )
                except ValidationError as exc:
                    for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    return render(
                        request,
                        "demands/public_submitted.html",
                        {
                            "ticket": demand.ticket,
                            "demand": demand,
                            "due": services.fmt_date(demand.resolve_due),
                        },
                    )
    return render(request, "demands/public_submit.html", {"form": form})


@never_cache
def status(request):
    """GET ?ticket=&last4= looks up; POST with the same two fields records the resident's verdict."""
    demand, message = None, ""
    if request.method == "POST":
        form = PublicVerdictForm(request.POST)
    else:
        form = StatusLookupForm(request.GET or None)
    if form.is_bound:
        if _over_limit(request, "status", LOOKUPS_PER_HOUR):
            return render(
                request,
                "demands/public_status.html",
                {"form": StatusLookupForm(), "error": _("查询太频繁了，请稍后再试。")},
                status=429,
            )
        if form.is_valid():
            demand = selectors.public_lookup(
                ticket=form.cleaned_data["ticket"], last4=form.cleaned_data["last4"]
            )
        if demand is None and form.is_bound:
            message = _("没有找到：请核对受理编号和手机号后四位。")
        elif request.method == "POST" and form.is_valid():
            try:
                services.demand_verdict(
                    actor=None,
                    demand=demand,
                    resolved=form.cleaned_data["resolved"],
                    satisfied=form.cleaned_data["satisfied"],
                    channel="portal",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                message = " ".join(exc.messages)
            else:
                message = (
                    _("谢谢您的评价。")
                    if form.cleaned_data["resolved"]
                    else _("已告诉承办单位：问题没有解决，将重新办理。")
                )
                demand.refresh_from_db()
    context = {
        "form": StatusLookupForm(initial=request.GET) if demand is None else form,
        "demand": demand,
        "error": message if demand is None else "",
        "message": message if demand else "",
    }
    if demand is not None:
        context |= {
            "events": selectors.event_list(demand=demand, public_only=True),
            "due": services.fmt_date(demand.resolve_due),
            "verdict_form": PublicVerdictForm(
                initial={"ticket": demand.ticket, "last4": demand.phone_masked[-4:]}
            ),
        }
    return render(request, "demands/public_status.html", context)
