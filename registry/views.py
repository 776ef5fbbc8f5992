from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from journal.selectors import pii_views_for_target
from registry import exports, selectors, services
from registry.forms import HouseholdFilterForm, PersonFilterForm, PersonForm, RevealForm
from registry.models import Household, Person, Tag, age_on
from territory.models import AdminUnit
from territory.selectors import unit_list

PAGE_SIZE = 30


def _filter_choices(user):
    """The filter selects' (value, label) pairs: villages and tags as plain rows, not model instances."""
    villages = list(
        unit_list(user=user, level=AdminUnit.Level.VILLAGE).select_related(None).values_list("id", "name")
    )
    return villages, list(selectors.tag_list(user=user).values_list("code", "name"))


@login_required
@permission_required("registry.view_household", raise_exception=True)
def household_list(request):
    villages, tags = _filter_choices(request.user)
    form = HouseholdFilterForm(request.GET or None, villages=villages, tags=tags)
    filters = form.cleaned_data if form.is_valid() else {}
    households = selectors.with_member_counts(selectors.household_list(user=request.user, filters=filters))
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    # Plain values for the page's rows only: the paginator's COUNT stays free of the rows' joins.
    page.object_list = _household_rows(
        page.object_list.values_list(
            "pk", "head_name", "occupancy", "address", "village__name", "grid__name", "member_count"
        )
    )
    return render(
        request, "registry/household_list.html", {"form": form, "page": page, "query": _query(request)}
    )


def _household_rows(households) -> list[dict]:
    """Each row's link, occupancy and member count in words, worked out once per page.

    Per row, `{% url %}`, `get_occupancy_display` and `{% blocktranslate count %}` cost ~110 µs
    of template time (~3 ms a page); the same text from here costs a tenth of that. Rows are
    dicts of plain values, not a household, village and grid instance each.
    """
    # households/<pk>/ lies under the list's address (registry/urls.py): one reverse() a page.
    base = reverse("registry:household_list")
    # Labels and counts in words translated once a page, not once a row (a page has a few distinct counts).
    occupancy = {value: str(label) for value, label in Household.Occupancy.choices}
    members: dict[int, str] = {}
    rows = []
    for pk, head_name, occ, address, village, grid, n in households:
        if n not in members:
            members[n] = ngettext("%(n)s 人", "%(n)s 人", n) % {"n": n}
        rows.append(
            {
                "detail_url": f"{base}{pk}/",
                "head_name": head_name,
                "occupancy_label": occupancy.get(occ, occ),
                "address": address,
                "village": village,
                "grid": grid,
                "members_text": members[n],
            }
        )
    return rows


@login_required
@permission_required("registry.view_household", raise_exception=True)
def household_detail(request, pk: int):
    household = selectors.household_card(user=request.user, pk=pk)
    household["occupancy_label"] = dict(Household.Occupancy.choices).get(
        household["occupancy"], household["occupancy"]
    )
    _describe_members(household["members"])
    return render(request, "registry/household_detail.html", {"household": household})


def _describe_members(members: list[dict]) -> None:
    """Each member's link and words (relation, sex, age, residence), worked out here, not in the template."""
    # people/<pk>/ lies under the people list's address (registry/urls.py): one reverse() a page.
    base = reverse("registry:person_list")
    relation, sex = dict(Person.Relation.choices), dict(Person.Sex.choices)
    residence = dict(Person.Residence.choices)
    today = date.today()  # noqa: DTZ011 - as Person.age
    for m in members:
        m["url"] = f"{base}{m['id']}/"
        m["relation_label"] = relation.get(m["relation"], m["relation"])
        m["sex_label"] = sex.get(m["sex"], m["sex"])
        m["residence_label"] = residence.get(m["residence"], m["residence"])
        age = age_on(m["birth_date"], today)
        m["age_text"] = None if age is None else _("%(age)s岁") % {"age": age}


@login_required
@permission_required("registry.view_person", raise_exception=True)
def person_list(request):
    villages, tags = _filter_choices(request.user)
    form = PersonFilterForm(request.GET or None, villages=villages, tags=tags)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.person_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "registry/person_list.html", {"form": form, "page": page, "query": _query(request)}
    )


@login_required
@permission_required("registry.view_person", raise_exception=True)
def person_detail(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "reveal_form": RevealForm(),
            "pii_views": pii_views_for_target(target=person)[:20],
        },
    )


@login_required
@permission_required("registry.change_person", raise_exception=True)
def person_edit(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    tags = list(selectors.tag_list(user=request.user, scope=Tag.Scope.PERSON))
    initial = {
        "name": person.name,
        "relation": person.relation,
        "residence": person.residence,
        "note": person.note,
        "tags": [t.code for t in person.tags.all()],
    }
    form = PersonForm(request.POST or None, initial=initial, tags=tags)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = set(data.pop("tags"))
        chosen = [t for t in tags if t.code in codes]
        for key in ("id_number", "phone"):
            if not data[key]:
                data.pop(key)  # blank means "unchanged": the full values are never sent to the browser
        try:
            services.person_update(actor=request.user, person=person, tags=chosen, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_edit.html", {"person": person, "form": form})


@login_required
@require_POST
def person_reveal(request, pk: int):
    """Shows one unmasked value in place (htmx) after recording who looked and why."""
    person = selectors.person_get(user=request.user, pk=pk)
    form = RevealForm(request.POST)
    value, error = None, None
    if form.is_valid():
        try:
            value = services.person_reveal(
                actor=request.user,
                person=person,
                field=form.cleaned_data["field"],
                purpose=form.cleaned_data["purpose"],
            )
        except PermissionDenied as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("请写明查看的用途。")
    status = (
        200
        if value is not None
        else 403
        if error and not request.user.has_perm("registry.view_full_pii")
        else 400
    )
    return render(
        request,
        "registry/_reveal_result.html",
        {"person": person, "value": value, "error": error, "form": form},
        status=status,
    )


def _attachment(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.filename)}"
    return response


@login_required
@permission_required("registry.view_household", raise_exception=True)
def household_export(request):
    """The household list as filtered, in .xlsx or .csv."""
    villages, tags = _filter_choices(request.user)
    form = HouseholdFilterForm(request.GET or None, villages=villages, tags=tags)
    filters = form.cleaned_data if form.is_valid() else {}
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return _attachment(exports.household_export(actor=request.user, filters=filters, fmt=fmt))


@login_required
@permission_required("registry.view_person", raise_exception=True)
def person_export(request):
    """The person list as filtered; full ID numbers only with the permission and when asked for."""
    villages, tags = _filter_choices(request.user)
    form = PersonFilterForm(request.GET or None, villages=villages, tags=tags)
    filters = form.cleaned_data if form.is_valid() else {}
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    full = request.method == "POST" and request.POST.get("full") == "1"  # a journaled act, never a link
    try:
        export = exports.person_export(actor=request.user, filters=filters, fmt=fmt, full=full)
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return _attachment(export)


@login_required
def search(request):
    q = request.GET.get("q", "")
    result = selectors.search(user=request.user, q=q)
    return render(request, "registry/search.html", {"q": q, "result": result})


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
