import uuid
from datetime import date, timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs
from core.excel import download
from registry import selectors as registry_selectors
from territory.models import AdminUnit, Staff
from visits import charts, claims, selectors, services
from visits.forms import PlanForm, PlannerSettingsForm, PolicyForm, TravelRuleForm, TripForm, VisitForm
from visits.models import Mode, Plan, PlanStop

STATIC_DIR = Path(__file__).resolve().parent / "static" / "visits"
WORKLIST_LIMIT = 60


@login_required
@permission_required("visits.view_visit", raise_exception=True)
def worklist(request):
    """Overdue households first, each with a one-tap "visited" button; today's plan leads when there is one."""
    village = request.GET.get("village") or None
    try:
        village = int(village) if village else None
    except ValueError:
        village = None
    dues = selectors.due_list_shared(user=request.user, village=village)
    route = selectors.todays_route(user=request.user)
    planned_ids = {s.household_id for s in route.stops.all()} if route else set()
    rows = [d for d in dues if d.household.pk not in planned_ids]
    overdue = [d for d in rows if d.overdue_days > 0 or d.follow_up]
    soon = [d for d in rows if not (d.overdue_days > 0 or d.follow_up)]
    # The five rows show the household head, the mode and the time: no person, actor or village rows.
    recent = list(
        selectors.visit_list(user=request.user, filters={"actor": request.user.pk})
        .select_related(None)
        .select_related("household")[:5]
    )
    return render(
        request,
        "visits/worklist.html",
        {
            "route": route,
            "overdue": overdue[:WORKLIST_LIMIT],
            "overdue_total": len(overdue),
            "soon": soon[:10],
            "recent": recent,
            "new_id": uuid.uuid4,
            "can_plan": request.user.has_perm("visits.add_plan"),
        },
    )


def service_worker(request):
    """The offline worker, served from /work/visits/ so its scope covers the worklist pages."""
    response = HttpResponse((STATIC_DIR / "sw.js").read_bytes(), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@permission_required("visits.add_visit", raise_exception=True)
def visit_new(request):
    """The full visit form (mode, person, note, follow-up); the worklist's button skips it for routine visits."""
    data = request.POST if request.method == "POST" else request.GET
    if not data.get("household"):
        return redirect("visits:worklist")
    household = registry_selectors.household_get(user=request.user, pk=data.get("household"))
    people = [p for p in household.members.all() if p.is_living_here]
    stop = None
    if data.get("stop"):
        stop = selectors.stop_get(user=request.user, pk=data.get("stop"))
    if request.method == "POST":
        form = VisitForm(request.POST, people=people)
        if form.is_valid():
            person = next((p for p in people if p.pk == form.cleaned_data["person"]), None)
            try:
                result = services.visit_submit(
                    actor=request.user,
                    household=household,
                    mode=form.cleaned_data["mode"],
                    person=person,
                    note=form.cleaned_data["note"],
                    next_visit_date=form.cleaned_data["next_visit_date"],
                    client_id=form.cleaned_data["client_id"],
                    plan_stop=stop if stop and stop.household_id == household.pk else None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if result.status == "conflict":
                    messages.warning(request, _("这条记录已提交过且内容不同，已留待核对"))
                else:
                    messages.success(
                        request,
                        _("已记录：%(who)s，%(mode)s")
                        % {
                            "who": household.head_name or household.address,
                            "mode": result.visit.get_mode_display(),
                        },
                    )
                return redirect(request.POST.get("next") or "visits:worklist")
    else:
        form = VisitForm(
            initial={"household": household.pk, "client_id": uuid.uuid4(), "mode": Mode.IN_PERSON},
            people=people,
        )
    history = list(selectors.visit_list(user=request.user, filters={"household": household.pk})[:10])
    return render(
        request,
        "visits/visit_form.html",
        {"form": form, "household": household, "history": history, "stop": stop},
    )


@login_required
@permission_required("visits.view_visit", raise_exception=True)
def visit_list(request):
    visits = list(selectors.with_receipts(selectors.visit_list(user=request.user))[:100])
    conflicts = selectors.conflict_list(user=request.user).count()
    return render(request, "visits/visit_list.html", {"visits": visits, "conflicts": conflicts})


@login_required
@permission_required("visits.view_visit", raise_exception=True)
def conflict_list(request):
    return render(
        request,
        "visits/conflict_list.html",
        {"conflicts": list(selectors.conflict_list(user=request.user)[:100])},
    )


@login_required
@require_POST
def conflict_resolve(request, pk: int):
    conflict = selectors.conflict_get(user=request.user, pk=pk)
    services.conflict_resolve(actor=request.user, conflict=conflict)
    messages.success(request, _("已核对"))
    return redirect("visits:conflicts")


@login_required
@permission_required("visits.view_visit", raise_exception=True)
def coverage(request):
    cov = selectors.coverage_report(user=request.user)
    return render(
        request,
        "visits/coverage.html",
        {
            "cov": cov,
            "trend_svg": charts.line_chart(
                [(r["week_end"].strftime("%m-%d"), r["share"]) for r in cov.trend]
            ),
            "weekly_svg": charts.stacked_bars(
                [(r["week_end"].strftime("%m-%d"), r["in_person"], r["remote"]) for r in cov.weekly_visits]
            ),
            "village_svg": charts.hbars([(r.label, r.share) for r in cov.villages[:15]]),
            "policies": selectors.policy_list(user=request.user),
        },
    )


@login_required
@permission_required("visits.view_visit", raise_exception=True)
def overdue_list(request):
    """Everyone overdue in the user's jurisdiction, with how long, for a cadre, village or township."""
    from django.db.models import Q

    from territory.selectors import staff_list, unit_get

    households = None
    heading = ""
    unit_id = request.GET.get("unit") or request.GET.get("village")
    cadre_id = request.GET.get("cadre")
    if unit_id:
        unit = unit_get(user=request.user, pk=unit_id)
        households = registry_selectors.household_scope(request.user).filter(scope_path__startswith=unit.path)
        heading = unit.name
    elif cadre_id:
        try:
            cadre = staff_list(user=request.user).get(pk=cadre_id)
        except (Staff.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        q = Q(pk__in=[])
        for path in cadre.jurisdictions.values_list("path", flat=True):
            q |= Q(scope_path__startswith=path)
        households = registry_selectors.household_scope(request.user).filter(q)
        heading = str(cadre)
    dues = [
        d
        for d in selectors.due_list(user=request.user, households=households)
        if d.overdue_days > 0 or d.follow_up
    ]
    return render(
        request, "visits/overdue_list.html", {"dues": dues[:300], "total": len(dues), "heading": heading}
    )


# ---- plans ---------------------------------------------------------------------------------


def _parse_ids(text: str, user) -> list[int]:
    """Household numbers or ids typed by the cadre, resolved inside their jurisdiction."""
    tokens = [t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip()]
    if not tokens:
        return []
    qs = registry_selectors.household_scope(user)
    found = {h.household_no: h.pk for h in qs.filter(household_no__in=tokens)}
    ids = []
    for token in tokens:
        if token in found:
            ids.append(found[token])
        elif token.isdigit() and qs.filter(pk=int(token)).exists():
            ids.append(int(token))
    return ids


def _parse_windows(text: str, user) -> dict:
    windows = {}
    for line in (text or "").splitlines():
        parts = line.replace("－", "-").split()
        if len(parts) != 2 or "-" not in parts[1]:
            continue
        ids = _parse_ids(parts[0], user)
        start, end = parts[1].split("-", 1)
        if ids:
            windows[str(ids[0])] = [start.strip(), end.strip()]
    return windows


@login_required
@permission_required("visits.add_plan", raise_exception=True)
def plan_new(request):
    townships = selectors.planning_townships(user=request.user)
    cadres = selectors.plannable_cadres(user=request.user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    initial = {"date": tomorrow, "cadres": [request.user.pk] if request.user in cadres else []}
    if townships:
        initial["township"] = townships[0].pk
    form = PlanForm(request.POST or None, initial=initial, townships=townships, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        township = next(t for t in townships if t.pk == data["township"])
        chosen = [c for c in cadres if c.pk in set(data["cadres"])]
        params = {
            "shift_start": data["shift_start"].strftime("%H:%M"),
            "shift_hours": data["shift_hours"],
            "lunch_start": data["lunch_start"].strftime("%H:%M"),
            "lunch_end": data["lunch_end"].strftime("%H:%M"),
            "lunch_minutes": data["lunch_minutes"],
            "balance": data["balance"],
            "max_stops": data["max_stops"],
            "service_minutes": {
                Mode.IN_PERSON: data["in_person_minutes"],
                Mode.PHONE: data["phone_minutes"],
                Mode.WECHAT_VIDEO: data["phone_minutes"] * 2,
            },
            "speed_kmh": data["speed_kmh"],
            "road_factor": data["road_factor"],
            "windows": _parse_windows(data["windows"], request.user),
            "seconds": 2.0 if len(chosen) <= 1 else 5.0,
        }
        if data["start_latitude"] is not None and data["start_longitude"] is not None:
            params["start_point"] = [data["start_latitude"], data["start_longitude"]]
        try:
            plan = services.plan_create(
                actor=request.user,
                township=township,
                day=data["date"],
                cadres=chosen,
                params=params,
                added=_parse_ids(data["added"], request.user),
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, str(exc.messages[0] if hasattr(exc, "messages") else exc))
        else:
            return redirect("visits:plan_detail", pk=plan.pk)
    plans = list(selectors.plan_list(user=request.user)[:20])
    return render(request, "visits/plan_new.html", {"form": form, "plans": plans})


def _read_matrix(upload, user, township) -> tuple[dict, list[str]]:
    """The uploaded CSV, checked by the same service the API uses."""
    import csv
    import io

    text = upload.read().decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    return services.distance_matrix_parse(actor=user, township=township, rows=rows)


@login_required
@permission_required("visits.add_plan", raise_exception=True)
def planner_settings(request):
    """Per-township road factor and speed, and an optional uploaded distance table."""
    townships = selectors.planning_townships(user=request.user)
    form = PlannerSettingsForm(request.POST or None, request.FILES or None, townships=townships)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        township = next(t for t in townships if t.pk == data["township"])
        matrix = None
        if data["matrix"]:
            matrix, problems = _read_matrix(data["matrix"], request.user, township)
        if not problems:
            try:
                services.planner_settings_save(
                    actor=request.user,
                    township=township,
                    road_factor=data["road_factor"],
                    speed_kmh=data["speed_kmh"],
                    distance_matrix=matrix,
                )
            except PermissionDenied:
                form.add_error(None, _("您没有权限设置这个乡镇"))
            else:
                messages.success(
                    request,
                    _("已保存，距离表共 %(n)s 条") % {"n": len(matrix or {})} if matrix else _("已保存"),
                )
                return redirect("visits:plan_new")
    return render(request, "visits/planner_settings.html", {"form": form, "problems": problems})


@login_required
@permission_required("visits.view_plan", raise_exception=True)
def plan_detail(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if plan.status in {Plan.Status.QUEUED, Plan.Status.RUNNING}:
        jobs.reap_quietly()  # a worker killed mid-plan turns this page from "running" to "failed"
        plan.refresh_from_db()
    routes = selectors.route_stops(plan=plan) if plan.status == Plan.Status.DONE else []
    template = (
        "visits/_plan_progress.html" if request.headers.get("HX-Request") else "visits/plan_detail.html"
    )
    if request.headers.get("HX-Request") and plan.status == Plan.Status.DONE:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, template, {"plan": plan, "routes": routes, "loads": selectors.plan_loads(routes)})


def _plan_geometry(plan: Plan, routes) -> dict:
    office = plan.params.get("start_point") or (plan.township.latitude, plan.township.longitude)
    return {
        "office": {"lat": office[0], "lng": office[1], "name": plan.township.name},
        "routes": [
            {
                "cadre": str(r.cadre),
                "stops": [
                    {
                        "seq": s.seq,
                        "lat": s.household.latitude,
                        "lng": s.household.longitude,
                        "label": f"{s.seq}. {s.household.head_name} {s.arrival:%H:%M}",
                    }
                    for s in r.stops.all()
                ],
            }
            for r in routes
        ],
    }


@login_required
@permission_required("visits.view_plan", raise_exception=True)
def plan_map(request, pk: int):
    from django.conf import settings

    plan = selectors.plan_get(user=request.user, pk=pk)
    routes = selectors.route_stops(plan=plan)
    geometry = _plan_geometry(plan, routes)
    return render(
        request,
        "visits/plan_map.html",
        {
            "plan": plan,
            "routes": routes,
            "geometry": geometry,
            "svg": charts.route_map(geometry),
            "tile_url": getattr(settings, "DOORSTEP_MAP_TILE_URL", ""),
            "tile_attribution": getattr(settings, "DOORSTEP_MAP_TILE_ATTRIBUTION", ""),
        },
    )


@login_required
@permission_required("visits.view_plan", raise_exception=True)
def plan_sheet(request, pk: int):
    """A printable day sheet: one page per cadre."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    routes = selectors.route_stops(plan=plan)
    return render(request, "visits/plan_sheet.html", {"plan": plan, "routes": routes})


@login_required
@require_POST
def stop_skip(request, pk: int):
    """Skips a stop and re-plans the rest of that cadre's day at once."""
    stop = selectors.stop_get(user=request.user, pk=pk)
    try:
        services.stop_mark(actor=request.user, stop=stop, state=PlanStop.State.SKIPPED)
        services.route_replan(actor=request.user, route=stop.route)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    messages.success(request, _("已跳过，剩下的路线已重新安排"))
    return redirect(request.POST.get("next") or "visits:worklist")


@login_required
@require_POST
def route_trip(request, pk: int):
    """Turns an executed route into a trip in the travel ledger."""
    route = selectors.route_get(user=request.user, pk=pk)
    services.trip_from_route(actor=request.user, route=route)
    messages.success(request, _("已记入出行台账"))
    return redirect("visits:trips")


# ---- travel ledger ---------------------------------------------------------------------------------


def _month(request) -> date:
    text = request.GET.get("month") or ""
    try:
        year, month = (int(x) for x in text.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        today = timezone.localdate()
        return today.replace(day=1)


def _trip_unit(user) -> AdminUnit | None:
    units = list(user.jurisdictions.all())
    if not units:
        return None
    town = next((u for u in units if u.level == AdminUnit.Level.TOWNSHIP), None)
    return town or units[0]


@login_required
def trips(request):
    if not (request.user.has_perm("visits.add_trip") or request.user.has_perm("visits.view_trip")):
        raise PermissionDenied
    month = _month(request)
    form = TripForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        unit = _trip_unit(request.user)
        if unit is None:
            raise PermissionDenied
        try:
            services.trip_record(actor=request.user, cadre=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已登记"))
            return redirect("visits:trips")
    claim = selectors.monthly_claim(user=request.user, cadre=request.user, month=month)
    gaps = (
        selectors.township_gap(user=request.user, month=month)
        if request.user.has_perm("visits.view_trip")
        else []
    )
    return render(request, "visits/trips.html", {"form": form, "claim": claim, "month": month, "gaps": gaps})


@login_required
def claim_export(request, cadre_id: int, fmt: str):
    cadre = selectors.claim_cadre_get(user=request.user, pk=cadre_id)
    month = _month(request)
    claim = selectors.monthly_claim(user=request.user, cadre=cadre, month=month)
    name = f"{_('交通费报销')}-{cadre}-{month:%Y-%m}"
    if fmt == "xlsx":
        header, rows = claims.claim_rows(claim)
        return download(name, header, rows)
    if fmt == "pdf":
        response = HttpResponse(claims.claim_pdf(claim), content_type="application/pdf")
        from urllib.parse import quote

        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name + '.pdf')}"
        return response
    raise Http404


@login_required
def gap_export(request):
    if not request.user.has_perm("visits.view_trip"):
        raise PermissionDenied
    month = _month(request)
    header, rows = claims.gap_rows(selectors.township_gap(user=request.user, month=month))
    return download(f"{_('交通补贴缺口')}-{month:%Y-%m}", header, rows)


# ---- the county's rules: visit policies and the travel rule ----------------------------------


def _rule_county(request, counties):
    wanted = request.GET.get("county") or request.POST.get("county")
    return next((c for c in counties if str(c.pk) == str(wanted)), counties[0])


@login_required
def rules(request):
    """A county's visit policies and its travel rule, for its administrator and supervisors."""
    counties = selectors.rule_counties(user=request.user)
    if not counties:
        raise PermissionDenied
    county = _rule_county(request, counties)
    rule = selectors.travel_rule_for(county)
    can_travel = request.user.has_perm("visits.change_travelrule")
    initial = {
        "fuel_price": rule.fuel_price,
        "consumption_l_per_100km": rule.consumption_l_per_100km,
        "subsidy_per_month": rule.subsidy_per_month,
        "subsidy_per_km": rule.subsidy_per_km,
    }
    form = TravelRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and can_travel and form.is_valid():
        try:
            services.travel_rule_save(actor=request.user, county=county, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, str(exc.messages[0] if hasattr(exc, "messages") else exc))
        else:
            messages.success(request, _("交通补贴规则已保存"))
            return redirect(f"{request.path}?county={county.pk}")
    context = {
        "counties": counties,
        "county": county,
        "rule": rule if rule.pk else None,
        "form": form,
        "can_travel": can_travel,
        "can_policy": request.user.has_perm("visits.change_visitpolicy"),
        "policies": selectors.county_policies(county=county),
    }
    return render(request, "visits/rules.html", context)


@login_required
def policy_edit(request, pk: int | None = None):
    """Add or change one visit policy; every save is journaled."""
    from registry.models import Tag

    if pk is not None:
        policy = selectors.policy_get_for_change(user=request.user, pk=pk)
        county = policy.county
    else:
        policy = None
        counties = selectors.rule_counties(user=request.user)
        if not counties or not request.user.has_perm("visits.change_visitpolicy"):
            raise PermissionDenied
        county = _rule_county(request, counties)
    tags = Tag.objects.filter(county=county).order_by("name")
    initial = {"weight": 5, "active": True, "interval_days": 30}
    if policy is not None:
        initial = {
            "name": policy.name,
            "tag": policy.tag_id,
            "occupancy": policy.occupancy,
            "interval_days": policy.interval_days,
            "required_mode": policy.required_mode,
            "weight": policy.weight,
            "active": policy.active,
        }
    form = PolicyForm(request.POST or None, initial=initial, tags=tags)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.policy_save(
                actor=request.user,
                county=county,
                name=data["name"],
                tag=next((t for t in tags if t.pk == data["tag"]), None),
                occupancy=data["occupancy"],
                interval_days=data["interval_days"],
                required_mode=data["required_mode"],
                weight=data["weight"],
                active=data["active"],
                policy=policy,
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, str(exc.messages[0] if hasattr(exc, "messages") else exc))
        else:
            messages.success(request, _("走访要求已保存"))
            return redirect(f"{reverse('visits:rules')}?county={county.pk}")
    return render(request, "visits/policy_form.html", {"form": form, "policy": policy, "county": county})
