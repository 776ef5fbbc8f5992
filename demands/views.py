from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import journal
from demands import selectors, services
from demands import text as demand_text
from demands.forms import (
    AnswerForm,
    AttachmentForm,
    CalendarDayForm,
    CategoryForm,
    DemandFilterForm,
    IntakeForm,
    JurisdictionForm,
    MergeForm,
    Open311ClientForm,
    ReasonForm,
    RuleForm,
    TransferForm,
    VerdictForm,
)
from demands.models import Category, Demand
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


def _filter_fields(form) -> str:
    """The filter bar: each field's label and widget in a div."""
    return format_html_join("", "<div>{}{}</div>", ((field.label_tag(), field) for field in form))


@lru_cache(maxsize=8)
def _blank_filter_fields(language: str) -> str:
    """The filter bar of a list opened without filters (most visits), rendered once per process and language."""
    return _filter_fields(DemandFilterForm())


@login_required
@permission_required("demands.view_demand", raise_exception=True)
def demand_list(request):
    form = DemandFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.demand_list_rows(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page")
    fields = _filter_fields(form) if form.is_bound else _blank_filter_fields(translation.get_language())
    return render(request, "demands/list.html", {"filter_fields": fields, "page": page, "query": query})


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


@lru_cache(maxsize=64)
def _blank_form_html(language: str, form_class, initial: tuple = (), **rows) -> str:
    """The HTML of an unbound form, which depends only on the language and (for the transfer form) the
    county's rows of targets, all in the key: rendered once per process instead of on every demand page,
    where the four forms' field templates cost ~10 ms of CPU."""
    return form_class(initial=dict(initial), **rows).as_div()


@lru_cache(maxsize=16)
def _blank_field_html(language: str, form_class, name: str, with_label: bool = False) -> str:
    """One field of an unbound form (its label too, where the page shows it), once per process and language,
    as _blank_form_html: each field's label and widget templates cost ~0.3 ms on every demand page."""
    field = form_class()[name]
    return format_html("{}{}", field.label_tag() if with_label else "", field)


@login_required
@permission_required("demands.view_demand", raise_exception=True)
def demand_detail(request, pk: int):
    demand = selectors.demand_get(user=request.user, pk=pk)
    can_work = services.can_work(request.user, demand)
    language = translation.get_language()
    transfer_form = ""
    if can_work and demand.is_open:  # the only case the page shows it
        departments, units = _transfer_targets(demand)
        transfer_form = _blank_form_html(
            language,
            TransferForm,
            departments=tuple(departments.values_list("pk", "unit__name", "name")),
            units=tuple(units.values_list("pk", "name")),
        )
    context = {
        "demand": demand,
        "events": selectors.event_rows(demand=demand),
        "attachments": list(demand.attachments.all()),
        "can_work": can_work,
        "transfer_form": transfer_form,
        "answer_form": _blank_form_html(language, AnswerForm),
        "verdict_form": _blank_form_html(language, VerdictForm, (("channel", "visit"),)),
        "reason_form": _blank_form_html(language, ReasonForm),
        "merge_field": _blank_field_html(language, MergeForm, "into", with_label=True),
        "attachment_field": _blank_field_html(language, AttachmentForm, "file"),
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
        form = TransferForm(
            request.POST,
            departments=departments.values_list("pk", "unit__name", "name"),
            units=units.values_list("pk", "name"),
        )
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
    """Departments of the demand's county and its townships, and its townships and villages.

    The county's path is its place's (a demand's place is always in its county), so the county row
    itself need not be read.
    """
    departments = (
        Department.objects.filter(Q(unit_id=demand.county_id) | Q(unit__parent_id=demand.county_id))
        .select_related("unit")
        .order_by("unit__code", "name")
    )
    units = AdminUnit.objects.filter(
        path__startswith=demand.place_unit.county_path,
        level__in=[AdminUnit.Level.TOWNSHIP, AdminUnit.Level.VILLAGE],
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
@require_POST
def attachment_public(request, pk: int, attachment_pk: int):
    attachment = selectors.attachment_get(user=request.user, demand_pk=pk, pk=attachment_pk)

    def run(demand):
        public = request.POST.get("public") == "1"
        services.attachment_set_public(actor=request.user, attachment=attachment, public=public)
        messages.success(request, _("照片已公开（已去除位置等信息）") if public else _("已取消公开"))

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


# ---------------------------------------------------------------- county configuration (administrators)


def _config_context(request, county, **extra):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    data = selectors.config_overview(county=county, year=year)
    departments = selectors.config_departments(county)
    data.update(
        {
            "category_form": CategoryForm(county=county),
            "rule_form": RuleForm(categories=data["categories"], departments=departments),
            "day_form": CalendarDayForm(),
            "client_form": Open311ClientForm(),
            "jurisdiction_form": JurisdictionForm(
                initial={"open311_jurisdiction_id": data["configured_jurisdiction_id"]}
            ),
            "years": [year - 1, year, year + 1],
        }
    )
    data.update(extra)
    return data


def _config_render(request, county, status=200, **extra):
    return render(request, "demands/config.html", _config_context(request, county, **extra), status=status)


def _config_call(request, form_name, form, fn):
    """Run a configuration service; its ValidationError lands on the form, shown in place."""
    county = selectors.config_county(request.user)
    if form.is_valid():
        try:
            fn(county, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("没有权限"))
        else:
            year = request.GET.get("year", "")
            return redirect(reverse("demands:config") + (f"?year={year}" if year.isdigit() else ""))
    return _config_render(request, county, status=400, **{form_name: form})


@login_required
def config(request):
    county = selectors.config_county(request.user)
    return _config_render(request, county)


@login_required
@require_POST
def config_category_create(request):
    county = selectors.config_county(request.user)
    form = CategoryForm(request.POST, county=county)

    def run(county, data):
        data = {k: v for k, v in data.items() if k != "active"}
        category = services.category_create(actor=request.user, county=county, **data)
        messages.success(request, _("已新建类别“%(name)s”，请再为它添加权责规则") % {"name": category.name})

    return _config_call(request, "category_form", form, run)


@login_required
def config_category_edit(request, category_pk: int):
    category = selectors.config_category_get(user=request.user, pk=category_pk)
    form = CategoryForm(
        request.POST or None, instance=Category.objects.get(pk=category.pk), county=category.county
    )
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in services.CATEGORY_FIELDS}
        try:
            services.category_update(actor=request.user, category=category, **changes)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("demands:config")
    return render(request, "demands/config_category.html", {"form": form, "category": category})


def _rule_fields(data: dict, departments) -> dict:
    """A RuleForm's cleaned data as the rule services take it (everything but the category)."""
    return {
        "level": data["level"],
        "department": departments.get(pk=data["department"]) if data["department"] else None,
        "priority": data["priority"],
        "concerns_county_project": data["concerns_county_project"],
        "amount_above": data["amount_above"],
    }


@login_required
@require_POST
def config_rule_create(request):
    county = selectors.config_county(request.user)
    categories = list(Category.objects.filter(county=county))
    departments = selectors.config_departments(county)
    form = RuleForm(request.POST, categories=categories, departments=departments)

    def run(county, data):
        services.rule_create(
            actor=request.user,
            category=next(c for c in categories if c.pk == data["category"]),
            **_rule_fields(data, departments),
        )
        messages.success(request, _("已添加权责规则"))

    return _config_call(request, "rule_form", form, run)


@login_required
def config_rule_edit(request, rule_pk: int):
    rule = selectors.config_rule_get(user=request.user, pk=rule_pk)
    departments = selectors.config_departments(rule.category.county)
    project = {True: "true", False: "false"}.get(rule.concerns_county_project, "unknown")
    form = RuleForm(
        request.POST or None,
        categories=[rule.category],
        departments=departments,
        initial={
            "level": rule.level,
            "department": rule.department_id,
            "priority": rule.priority,
            "concerns_county_project": project,
            "amount_above": rule.amount_above,
        },
    )
    del form.fields["category"]  # a rule stays in its category: moving one is deleting and adding
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(
                actor=request.user, rule=rule, **_rule_fields(form.cleaned_data, departments)
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存权责规则"))
            return redirect(reverse("demands:config") + "#rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "demands/config_rule.html", {"form": form, "rule": rule}, status=status)


@login_required
@require_POST
def config_rule_delete(request, rule_pk: int):
    rule = selectors.config_rule_get(user=request.user, pk=rule_pk)
    try:
        services.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("已删除权责规则"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("demands:config")


@login_required
@require_POST
def config_day_set(request):
    form = CalendarDayForm(request.POST)

    def run(county, data):
        services.calendar_day_set(actor=request.user, county=county, **data)
        messages.success(request, _("已保存%(date)s") % {"date": data["date"].isoformat()})

    return _config_call(request, "day_form", form, run)


@login_required
@require_POST
def config_day_delete(request, day_pk: int):
    day = selectors.config_day_get(user=request.user, pk=day_pk)
    services.calendar_day_delete(actor=request.user, day=day)
    messages.success(request, _("已删除%(date)s的设置") % {"date": day.date.isoformat()})
    return redirect(f"{reverse('demands:config')}?year={day.date.year}")


@login_required
@require_POST
def config_calendar_official(request):
    county = selectors.config_county(request.user)
    services.calendar_load_official(actor=request.user, county=county)
    messages.success(request, _("已载入国务院公布的2026年放假和调休安排"))
    return redirect(f"{reverse('demands:config')}?year=2026")


@login_required
@require_POST
def config_jurisdiction(request):
    form = JurisdictionForm(request.POST)

    def run(county, data):
        services.demand_setting_update(actor=request.user, county=county, **data)
        messages.success(request, _("已保存"))

    return _config_call(request, "jurisdiction_form", form, run)


@login_required
@require_POST
def config_client_issue(request):
    county = selectors.config_county(request.user)
    form = Open311ClientForm(request.POST)
    if not form.is_valid():
        return _config_render(request, county, status=400, client_form=form)
    client, key = services.open311_client_issue(
        actor=request.user, name=form.cleaned_data["name"], county=county
    )
    # The key is in this one response only; the database keeps its hash.
    response = render(request, "demands/config_key.html", {"client": client, "key": key})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def config_client_revoke(request, client_pk: int):
    client = selectors.config_client_get(user=request.user, pk=client_pk)
    services.open311_client_revoke(actor=request.user, client=client)
    messages.success(request, _("已吊销“%(name)s”的密钥，它立即失效") % {"name": client.name})
    return redirect("demands:config")
