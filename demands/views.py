from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import journal
from demands import selectors, services
from demands import text as demand_text
from demands.forms import (
    AnswerForm,
    AttachmentForm,
    DemandFilterForm,
    IntakeForm,
    MergeForm,
    ReasonForm,
    TransferForm,
    VerdictForm,
)
from demands.models import Demand
from registry import selectors as registry_selectors
from territory.models import AdminUnit, Department
from territory.selectors import unit_list

PAGE_SIZE = 30


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _villages(user):
    """Villages (and, for a grid official, their grids) where the user may record a demand."""
    levels = [AdminUnit.Level.VILLAGE]
    if user.jurisdictions.filter(level=AdminUnit.Level.GRID).exists():
        levels.append(AdminUnit.Level.GRID)
    return list(unit_list(user=user).filter(level__in=levels))


@login_required
@permission_required("demands.view_demand", raise_exception=True)
def demand_list(request):
    form = DemandFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.demand_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page")
    return render(request, "demands/list.html", {"form": form, "page": page, "query": query})


@login_required
@permission_required("demands.add_demand", raise_exception=True)
def demand_create(request):
    villages = _villages(request.user)
    categories = list(selectors.categories_for(request.user))
    person = None
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id and request.user.has_perm("registry.view_person"):
        person = registry_selectors.person_get(user=request.user, pk=person_id)
    initial = {"source_visit_id": request.GET.get("visit"), "person": person.pk if person else None}
    if person is not None:
        initial |= {
            "resident_name": person.name,
            "place_unit": person.household.village_id,
            "place": person.household.address,
        }
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        villages=villages,
        categories=categories,
        initial=initial,
    )
    suggestion = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next((c for c in categories if c.pk == data["category"]), None)
        if category is None:
            category, _hits = demand_text.suggest(data["text"], categories)
        place_unit = next((v for v in villages if v.pk == data["place_unit"]), None)
        if category is None:
            form.add_error("category", _("没能从内容推荐类别，请选择一个"))
        elif place_unit is None:
            form.add_error("place_unit", _("请选择村/社区"))
        else:
            try:
                demand = services.demand_create(
                    actor=request.user,
                    resident_name=data["resident_name"],
                    text=data["text"],
                    place_unit=place_unit,
                    place=data["place"],
                    category=category,
                    phone=data["phone"],
                    channel=data["channel"],
                    concerns_county_project=data["concerns_county_project"],
                    amount=data["amount"],
                    source_visit_id=data["source_visit_id"],
                    person=person,
                )
                if data.get("file"):
                    services.attachment_add(actor=request.user, demand=demand, upload=data["file"])
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("没有权限"))
            else:
                messages.success(
                    request,
                    _("已登记，编号%(ticket)s。由%(owner)s办理，%(date)s前答复。")
                    % {
                        "ticket": demand.ticket,
                        "owner": demand.owner_label,
                        "date": services.fmt_date(demand.resolve_due),
                    },
                )
                return redirect("demands:detail", pk=demand.pk)
    return render(request, "demands/create.html", {"form": form, "suggestion": suggestion, "person": person})


@login_required
@permission_required("demands.add_demand", raise_exception=True)
def suggest(request):
    """htmx: the category the text suggests, from the county's keywords."""
    categories = list(selectors.categories_for(request.user))
    category, hits = demand_text.suggest(request.GET.get("text", "")[:2000], categories)
    return render(request, "demands/_suggestion.html", {"category": category, "hits": hits})


@login_required
@permission_required("demands.view_demand", raise_exception=True)
def demand_detail(request, pk: int):
    demand = selectors.demand_get(user=request.user, pk=pk)
    can_work = services.can_work(request.user, demand)
    departments, units = _transfer_targets(demand) if can_work else ([], [])
    context = {
        "demand": demand,
        "events": selectors.event_list(demand=demand),
        "attachments": list(demand.attachments.all()),
        "can_work": can_work,
        "transfer_form": TransferForm(departments=departments, units=units),
        "answer_form": AnswerForm(),
        "verdict_form": VerdictForm(initial={"channel": "visit"}),
        "reason_form": ReasonForm(),
        "merge_form": MergeForm(),
        "attachment_form": AttachmentForm(),
        "duplicates": selectors.duplicate_candidates(user=request.user, demand=demand)
        if demand.is_open
        else [],
        "transfer_cap": services.TRANSFER_CAP,
        "resolve_date": services.fmt_date(demand.resolve_due),
        "accept_date": services.fmt_date(demand.accept_due),
    }
    return render(request, "demands/detail.html", context)


def _act(request, pk: int, fn):
    demand = selectors.demand_get(user=request.user, pk=pk)
    try:
        fn(demand)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("没有权限"))
    return redirect("demands:detail", pk=demand.pk)


@login_required
@require_POST
def demand_accept(request, pk: int):
    def run(demand):
        services.demand_accept(actor=request.user, demand=demand)
        messages.success(request, _("已受理"))

    return _act(request, pk, run)


@login_required
@require_POST
def demand_transfer(request, pk: int):
    def run(demand):
        departments, units = _transfer_targets(demand)
        form = TransferForm(request.POST, departments=departments, units=units)
        if not form.is_valid():
            raise ValidationError(_("请选择转给谁，并写明理由"))
        choice = form.cleaned_data["to"]
        target = {"to_department": departments.get(pk=choice[1:])} if choice[0] == "d" else {}
        if choice[0] == "u":
            target = {"to_unit": units.get(pk=choice[1:])}
        services.demand_transfer(
            actor=request.user, demand=demand, reason=form.cleaned_data["reason"], **target
        )
        messages.success(request, _("已转办，现由%(owner)s办理") % {"owner": demand.owner_label})

    return _act(request, pk, run)


def _transfer_targets(demand):
    """Departments of the demand's county and its townships, and its townships and villages."""
    departments = (
        Department.objects.filter(Q(unit=demand.county) | Q(unit__parent=demand.county))
        .select_related("unit")
        .order_by("unit__code", "name")
    )
    units = AdminUnit.objects.filter(
        path__startswith=demand.county.path, level__in=[AdminUnit.Level.TOWNSHIP, AdminUnit.Level.VILLAGE]
    ).order_by("code")
    return departments, units


@login_required
@require_POST
def demand_answer(request, pk: int):
    def run(demand):
        form = AnswerForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("请选择办理结果并写明答复"))
        services.demand_answer(actor=request.user, demand=demand, **form.cleaned_data)
        messages.success(request, _("已答复，等待群众评价"))

    return _act(request, pk, run)


@login_required
@require_POST
def demand_verdict(request, pk: int):
    def run(demand):
        form = VerdictForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("请选择是否解决、是否满意"))
        data = form.cleaned_data
        services.demand_verdict(
            actor=request.user,
            demand=demand,
            resolved=data["resolved"],
            satisfied=data["satisfied"],
            channel=data["channel"] or "visit",
            note=data["note"],
        )
        messages.success(
            request, _("已记录群众评价") if data["resolved"] else _("群众认为未解决，已重新交办")
        )

    return _act(request, pk, run)


@login_required
@require_POST
def demand_withdraw(request, pk: int):
    def run(demand):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("请写明撤回原因"))
        services.demand_withdraw(actor=request.user, demand=demand, reason=form.cleaned_data["reason"])
        messages.success(request, _("已撤回"))

    return _act(request, pk, run)


@login_required
@require_POST
def demand_merge(request, pk: int):
    def run(demand):
        form = MergeForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("请填写要合并到的受理编号"))
        into = selectors.demand_get_by_ticket(user=request.user, ticket=form.cleaned_data["into"])
        services.demand_merge(actor=request.user, demand=demand, into=into)
        messages.success(request, _("已合并到%(ticket)s") % {"ticket": into.ticket})

    return _act(request, pk, run)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    def run(demand):
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():  # too large (the message names the limit) or no file at all
            raise ValidationError(list(form.errors.get("file", [])) if request.FILES else _("请选择文件"))
        services.attachment_add(actor=request.user, demand=demand, upload=form.cleaned_data["file"])
        messages.success(request, _("已上传"))

    return _act(request, pk, run)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.attachment_get(user=request.user, demand_pk=pk, pk=attachment_pk)
    journal.record(
        actor=request.user,
        action="demands.attachment.downloaded",
        target=attachment.demand,
        data={"attachment": attachment.pk},
    )
    return FileResponse(
        services.attachment_path(attachment).open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
@permission_required("demands.view_demand_dashboard", raise_exception=True)
def dashboard(request):
    data = selectors.dashboard_cached(user=request.user)
    return render(request, "demands/dashboard.html", data | {"charts": _charts(data)})


def _bars(rows, attr: str, suffix: str = "%", limit: int = 20) -> dict:
    values = [(r.label, getattr(r, attr)) for r in rows[:limit]]
    top = max([v for _l, v in values if v is not None] + [1])
    bars = []
    for i, (label, value) in enumerate(values):
        width = 0 if value is None else round(260 * value / top)
        bars.append(
            {"label": label, "value": "—" if value is None else f"{value}{suffix}", "y": i * 26, "w": width}
        )
    return {"bars": bars, "height": max(len(bars) * 26, 26)}


def _charts(data) -> list[dict]:
    rows = data["by_unit"]
    return [
        {"title": _("响应率（按时受理）"), **_bars(rows, "response_rate")},
        {"title": _("解决率（群众认为已解决）"), **_bars(rows, "resolution_rate")},
        {"title": _("满意率"), **_bars(rows, "satisfaction_rate")},
        {"title": _("超期件数"), **_bars(rows, "breaches", suffix="")},
    ]


__all__ = ["Demand"]
