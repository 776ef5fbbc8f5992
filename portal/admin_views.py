"""Editor screens in the Wagtail admin; they parse, authorise through the services, and respond."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import selectors, services
from portal.models import ChannelPage, Feedback
from registry.selectors import tag_list
from territory.models import AdminUnit
from territory.selectors import unit_list


class DisclosureForm(forms.Form):
    channel = forms.ModelChoiceField(label=gettext_lazy("发布到频道"), queryset=ChannelPage.objects.none())
    village = forms.ModelChoiceField(label=gettext_lazy("村（社区）"), queryset=AdminUnit.objects.none())
    tag = forms.ChoiceField(label=gettext_lazy("标签"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=255)
    period_label = forms.CharField(label=gettext_lazy("公开期间"), max_length=50, initial="本季度")
    days = forms.IntegerField(label=gettext_lazy("公示天数"), min_value=1, max_value=365, initial=30)
    intro = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = selectors.disclosure_channels(user=user)
        self.fields["village"].queryset = unit_list(user=user, level=AdminUnit.Level.VILLAGE)
        self.fields["tag"].choices = [(t.code, t.name) for t in tag_list(user=user)]


def disclosure_new(request):
    if not request.user.has_perm("portal.publish_portal"):
        raise PermissionDenied
    form = DisclosureForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = services.disclosure_publish(
                actor=request.user,
                channel=data["channel"],
                village=data["village"],
                tag_code=data["tag"],
                title=data["title"],
                period_label=data["period_label"],
                days=data["days"],
                intro=data["intro"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("已发布：%(title)s（共 %(n)d 户）") % {"title": page.title, "n": len(page.rows)}
            )
            return redirect("wagtailadmin_explore", page.get_parent().pk)
    return render(request, "portal/admin/disclosure_form.html", {"form": form})


def feedback_list(request):
    if not request.user.has_perm("portal.moderate_feedback"):
        raise PermissionDenied
    status = request.GET.get("status") or Feedback.Status.PENDING
    items = selectors.feedback_for_editor(user=request.user).filter(status=status)[:100]
    return render(
        request,
        "portal/admin/feedback_list.html",
        {"items": items, "status": status, "statuses": Feedback.Status.choices},
    )


@require_POST
def feedback_moderate(request, pk):
    feedback = selectors.feedback_for_editor(user=request.user).filter(pk=pk).first()
    if feedback is None:
        raise Http404
    try:
        services.feedback_moderate(
            actor=request.user,
            feedback=feedback,
            status=request.POST.get("status", ""),
            reply=request.POST.get("reply", ""),
        )
        messages.success(request, _("已保存"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("portal_feedback_list")
