from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.panels import panels_for
from registry.selectors import household_scope, registry_summary
from territory.models import AdminUnit
from territory.selectors import top_units, unit_get, unit_list


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("登录")}


class LogoutView(auth_views.LogoutView):
    pass


def _child_counts(user, units):
    """Household counts per child unit, one query."""
    ids = [u.pk for u in units]
    if not ids:
        return {}
    by_village = dict(
        household_scope(user)
        .filter(village_id__in=ids)
        .values_list("village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return by_village


@login_required
def home(request):
    """Each role lands on its own jurisdiction: counts, tags, the villages below, and the apps' panels."""
    user = request.user
    roots = list(top_units(user=user))
    villages = list(unit_list(user=user, level=AdminUnit.Level.VILLAGE).select_related("parent")[:400])
    counts = _child_counts(user, villages)
    for v in villages:
        v.household_count = counts.get(v.pk, 0)
    context = {
        "roots": roots,
        "summary": registry_summary(user=user),
        "villages": villages,
        "panels": panels_for(user),
    }
    return render(request, "territory/home.html", context)


@login_required
def unit_detail(request, pk: int):
    unit = unit_get(user=request.user, pk=pk)
    children = list(unit_list(user=request.user, parent=unit))
    counts = _child_counts(request.user, children)
    for child in children:
        child.household_count = counts.get(child.pk, 0)
    return render(request, "territory/unit_detail.html", {"unit": unit, "children": children})
