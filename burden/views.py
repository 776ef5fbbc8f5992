from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from burden import charts, filler, selectors, services
from burden.forms import MappingForm, SettingForm, TaskFilterForm, TaskForm, UploadForm
from burden.models import RowUnit, TaskType
from burden.notice import parse_notice
from core import jobs
from territory.models import AdminUnit, Department
from territory.selectors import jurisdiction_paths, staff_list, top_units, unit_list

PAGE_SIZE = 30


def _ancestor_paths(user) -> set[str]:
    paths = set()
    for path in jurisdiction_paths(user):
        parts = path.strip("/").split("/")
        paths.update("/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return paths


def _issuer_choices(user):
    """Departments and units above (or inside) the user's units: who can send work their way."""
    ancestors = _ancestor_paths(user)
    inside = Q()
    for path in jurisdiction_paths(user):
        inside |= Q(unit__path__startswith=path)
    departments = Department.objects.filter(Q(unit__path__in=ancestors) | inside).select_related("unit")
    if user.department_id:
        departments = departments | Department.objects.filter(pk=user.department_id)
    units = AdminUnit.objects.filter(path__in=ancestors, level__in=["county", "township"])
    return departments.order_by("unit__code", "name"), units.order_by("code")


def _task_form(request, data=None, initial=None):
    departments, issuer_units = _issuer_choices(request.user)
    units = unit_list(user=request.user).exclude(level=AdminUnit.Level.GRID)
    if request.user.department_id and services.is_issuer_role(request.user):
        county = request.user.department.unit.county_path
        units = AdminUnit.objects.filter(path__startswith=county).exclude(level=AdminUnit.Level.GRID)
    staff = staff_list(user=request.user)
    if staff.count() > 200:
        staff = staff.none()  # county-wide lists are too long to pick from; assign to units instead
    return TaskForm(
        data,
        initial=initial,
        departments=departments,
        issuer_units=issuer_units,
        units=units.select_related("parent").order_by("code"),
        staff=staff,
    )


@login_required
@permission_required("burden.view_burden_dashboard", raise_exception=True)
def dashboard(request):
    try:
        weeks = int(request.GET.get("weeks", 4))
        as_of = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else None
    except ValueError:
        weeks, as_of = 4, None
    board = selectors.dashboard(user=request.user, as_of=as_of, weeks=weeks)
    context = {
        "board": board,
        "units_chart": charts.paired_bars([(r.label, r.demanded, r.available, r.field) for r in board.units]),
        "cadre_chart": charts.paired_bars(
            [(r.label, r.demanded, r.available, r.field) for r in board.cadres[:12]]
        ),
        "trend_chart": charts.columns([(d.strftime("%m-%d"), h, cap) for d, h, cap in board.trend]),
        "issuer_chart": charts.bars([(name, h) for name, h, _n, _b in board.issuers[:10]], unit="h"),
        "type_chart": charts.bars([(label, n) for _t, label, n, _h in board.by_type], unit=""),
        "weeks_choices": [1, 4, 8, 13],
    }
    return render(request, "burden/dashboard.html", context)


@login_required
@permission_required("burden.view_task", raise_exception=True)
def task_list(request):
    form = TaskFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.task_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "burden/task_list.html", {"form": form, "page": page, "query": params.urlencode()})


@login_required
@permission_required("burden.add_task", raise_exception=True)
def task_new(request):
    """Quick entry: type defaults fill the hours; pasting the notice fills the rest."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    defaults = {"received_at": now, "units": list(top_units(user=request.user).exclude(level="county"))}
    if request.method == "POST" and "parse" in request.POST:
        departments, _units = _issuer_choices(request.user)
        text = request.POST.get("source_text", "")
        guess = parse_notice(
            text,
            received=now,
            departments=[(d.pk, d.unit.name, d.name) for d in departments],
        )
        initial = {**defaults, **{k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}}
        initial["units"] = request.POST.getlist("units") or defaults["units"]
        initial["staff"] = request.POST.getlist("staff")
        initial.update(
            {
                k: v
                for k, v in {
                    "title": guess.title,
                    "issuer_department": guess.department_id,
                    "deadline": timezone.localtime(guess.deadline) if guess.deadline else None,
                    "type": guess.type,
                }.items()
                if v
            }
        )
        form = _task_form(request, initial=initial)
        if not guess.found:
            messages.info(request, _("没有从通知里识别出内容，请直接填写。"))
        return _render_task_form(request, form, guess=guess)
    form = _task_form(request, data=request.POST or None, initial=defaults)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department = data["issuer_department"]
        try:
            task = services.task_record(
                actor=request.user,
                type=data["type"],
                title=data["title"],
                issuer_unit=department.unit if department else data["issuer_unit"],
                issuer_department=department,
                received_at=data["received_at"],
                deadline=data["deadline"],
                units=list(data["units"]),
                staff=list(data["staff"]),
                estimated_hours=data["estimated_hours"],
                source_text=data["source_text"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if task.unreasonable_deadline:
                messages.warning(
                    request,
                    _(
                        "已登记。办理时间只有%(days)s个工作日，低于规定的%(floor)s个工作日，已标记为不合理时限。"
                    )
                    % {"days": task.lead_working_days, "floor": _floor(task)},
                )
            else:
                messages.success(request, _("已登记"))
            return redirect("burden:task_detail", pk=task.pk)
    return _render_task_form(request, form)


def _floor(task) -> int:
    return services.county_setting(services.county_of(task.issuer_unit)).lead_time_floor_days


def _render_task_form(request, form, guess=None):
    county = _user_county(request.user)
    hours = services.type_hours(county) if county else {}
    return render(
        request,
        "burden/task_form.html",
        {
            "form": form,
            "guess": guess,
            "guess_fields": [
                {"issuer": "issuer_department"}.get(f, f) for f in (guess.found if guess else [])
            ],
            "type_hours": [(label, hours.get(value)) for value, label in TaskType.choices],
        },
    )


def _user_county(user) -> AdminUnit | None:
    paths = jurisdiction_paths(user)
    if not paths:
        return None
    code = paths[0].split("/")[1]
    return AdminUnit.objects.filter(code=code).first()


@login_required
@permission_required("burden.view_task", raise_exception=True)
def task_detail(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    return render(request, "burden/task_detail.html", {"task": task, "floor": _floor(task)})


@login_required
@permission_required("burden.change_burden_settings", raise_exception=True)
def settings_view(request):
    county = _user_county(request.user)
    if county is None:
        raise Http404
    setting = services.county_setting(county)
    hours = services.type_hours(county)
    initial = {
        "lead_time_floor_days": setting.lead_time_floor_days,
        "weekly_hours": setting.weekly_hours,
        "minutes_per_cell": setting.minutes_per_cell,
        "hours_per_visit": setting.hours_per_visit,
        **{f"hours_{k}": v for k, v in hours.items()},
    }
    form = SettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.setting_update(
                actor=request.user,
                county=county,
                lead_time_floor_days=data["lead_time_floor_days"],
                weekly_hours=data["weekly_hours"],
                minutes_per_cell=data["minutes_per_cell"],
                hours_per_visit=data["hours_per_visit"],
                type_defaults={t: data[f"hours_{t}"] for t in TaskType.values},
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("burden:settings")
    return render(request, "burden/settings.html", {"form": form, "county": county})


# --- report filler ----------------------------------------------------------------------------


def _filing_unit(user) -> AdminUnit | None:
    units = list(top_units(user=user))
    return units[0] if units else None


@login_required
@permission_required("burden.fill_report", raise_exception=True)
def report_list(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        unit = _filing_unit(request.user)
        if unit is None:
            raise PermissionDenied
        try:
            template = services.template_upload(
                actor=request.user,
                unit=unit,
                name=form.cleaned_data["name"] or form.cleaned_data["file"].name.rsplit(".", 1)[0],
                content=form.cleaned_data["file"].read(),
            )
        except (ValueError, KeyError, OSError) as exc:
            form.add_error("file", _("读不懂这个表格：%(error)s") % {"error": exc})
        except Exception:  # noqa: BLE001 - a corrupt upload is the person's problem to fix, not a 500
            form.add_error("file", _("读不懂这个表格，请确认是Excel的 .xlsx 文件"))
        else:
            return redirect("burden:report_mapping", pk=template.pk)
    templates = list(selectors.template_list(user=request.user)[:30])
    fills = list(selectors.fill_list(user=request.user)[:30])
    return render(request, "burden/report_list.html", {"form": form, "templates": templates, "fills": fills})


def _source_choices():
    groups = {
        RowUnit.VILLAGE: _("按村/乡镇汇总"),
        RowUnit.PERSON: _("人员信息"),
        RowUnit.HOUSEHOLD: _("户信息"),
    }
    choices = [
        ("", _("— 未对应 —")),
        (filler.MANUAL, filler.source_label(filler.MANUAL)),
        (filler.SKIP, filler.source_label(filler.SKIP)),
    ]
    seen = set()
    for unit, label in groups.items():
        options = []
        for code in filler.sources_for(unit):
            if code not in seen:
                seen.add(code)
                options.append((code, filler.source_label(code)))
        choices.append((str(label), options))
    return choices


@login_required
@permission_required("burden.fill_report", raise_exception=True)
def report_mapping(request, pk: int):
    template = selectors.template_get(user=request.user, pk=pk)
    initial = {
        "row_unit": template.row_unit,
        **{f"col_{c['col']}": c.get("source", "") for c in template.columns},
    }
    form = MappingForm(
        request.POST or None, initial=initial, columns=template.columns, choices=_source_choices()
    )
    if request.method == "POST" and form.is_valid():
        sources = {c["col"]: form.cleaned_data[f"col_{c['col']}"] for c in template.columns}
        try:
            services.template_confirm(
                actor=request.user, template=template, row_unit=form.cleaned_data["row_unit"], sources=sources
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if filler.missing_manual(template, request.user):
                return redirect("burden:report_manual", pk=template.pk)
            return redirect("burden:report_review", pk=template.pk)
    rows = [(c, form[f"col_{c['col']}"]) for c in template.columns]
    return render(request, "burden/report_mapping.html", {"template": template, "form": form, "rows": rows})


@login_required
@permission_required("burden.fill_report", raise_exception=True)
def report_manual(request, pk: int):
    """Only what the registry cannot answer, and only once per unit and column."""
    template = selectors.template_get(user=request.user, pk=pk)
    missing = filler.missing_manual(template, request.user)
    if request.method == "POST":
        values = {}
        for unit, column in missing:
            value = request.POST.get(f"v_{unit.pk}_{column['col']}", "")
            if value.strip():
                values[(unit.pk, filler.normalize(column["label"]))] = value
        try:
            services.manual_values_enter(actor=request.user, values=values)
        except PermissionDenied:
            raise Http404 from None
        return redirect("burden:report_review", pk=template.pk)
    entries = [(unit, column, f"v_{unit.pk}_{column['col']}") for unit, column in missing]
    return render(request, "burden/report_manual.html", {"template": template, "entries": entries})


@login_required
@permission_required("burden.fill_report", raise_exception=True)
def report_review(request, pk: int):
    template = selectors.template_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            fill = services.fill_request(actor=request.user, template=template)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("burden:report_mapping", pk=template.pk)
        return redirect("burden:fill_detail", pk=fill.pk)
    columns = [
        {**c, "source_label": filler.source_label(c["source"]) if c.get("source") else ""}
        for c in template.columns
    ]
    return render(
        request,
        "burden/report_review.html",
        {
            "template": template,
            "columns": columns,
            "missing": len(filler.missing_manual(template, request.user)),
        },
    )


@login_required
def fill_detail(request, pk: int):
    fill = selectors.fill_get(user=request.user, pk=pk)
    if fill.status in {fill.Status.QUEUED, fill.Status.RUNNING}:
        jobs.reap_quietly()  # a worker killed mid-fill turns this page from "running" to "failed"
        fill.refresh_from_db()
    name = "burden/_fill_status.html" if request.headers.get("HX-Request") else "burden/fill_detail.html"
    return render(request, name, {"fill": fill})


@login_required
def fill_download(request, pk: int):
    fill = selectors.fill_get(user=request.user, pk=pk)
    if not fill.output:
        raise Http404
    filename = f"{fill.template.name}-{fill.unit.name}.xlsx"
    return FileResponse(fill.output.open("rb"), as_attachment=True, filename=filename)
