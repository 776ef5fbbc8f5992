from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.uploads import size_validator
from core.widgets import ListSelect
from demands.models import Category, Demand


class IntakeForm(forms.Form):
    """Four required fields: who, what, where, category (suggested from the text)."""

    resident_name = forms.CharField(label=_("反映人"), max_length=50)
    text = forms.CharField(label=_("反映什么事"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    place_unit = forms.TypedChoiceField(label=_("村/社区"), coerce=int, widget=ListSelect)
    category = forms.TypedChoiceField(label=_("类别"), coerce=int, required=False, empty_value=None)
    place = forms.CharField(label=_("具体地点"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=[], initial=Demand.Channel.OFFICE)
    concerns_county_project = forms.BooleanField(label=_("涉及县级项目"), required=False)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    source_visit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    file = forms.FileField(label=_("照片或材料"), required=False, validators=[size_validator(cap_mb=10)])

    def __init__(self, *args, villages=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place_unit"].choices = [
            (v.pk, f"{v.parent.name if v.parent_id else ''} {v.name}".strip()) for v in villages
        ]
        self.fields["category"].choices = [("", _("按内容自动推荐"))] + [(c.pk, c.name) for c in categories]
        self.fields["channel"].choices = [
            c for c in Demand.Channel.choices if c[0] in ("visit", "office", "hotline")
        ]
        self.fields["text"].widget.attrs.update(
            {
                "hx-get": reverse("demands:suggest"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#suggestion",
            }
        )


class TransferForm(forms.Form):
    """Transfer to a department (县直部门, 乡镇办) or straight to a township or village."""

    to = forms.ChoiceField(label=_("转给"), widget=ListSelect)
    reason = forms.CharField(label=_("转办理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, departments, units, **kwargs):
        """departments: (pk, unit name, name) rows; units: (pk, name) rows."""
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [
            (_("部门"), [(f"d{pk}", f"{unit}{name}") for pk, unit, name in departments]),
            (_("乡镇、村"), [(f"u{pk}", name) for pk, name in units]),
        ]


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("办理结果"),
        choices=[c for c in Demand.Outcome.choices if c[0] in ("resolved", "partly", "unresolvable")],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    policy = forms.CharField(label=_("政策依据（无法解决时必填）"), max_length=200, required=False)


class VerdictForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("问题解决了吗？"),
        choices=[("1", _("解决了")), ("0", _("没解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfied = forms.TypedChoiceField(
        label=_("对办理满意吗？"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=_("怎么问的"), choices=[("visit", _("走访时询问")), ("callback", _("电话回访"))], required=False
    )
    note = forms.CharField(label=_("群众的话"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并到受理编号"), max_length=20)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("照片或材料"), validators=[size_validator(cap_mb=10)])


class DemandFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或内容"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("open", _("未办结"))] + list(Demand.Status.choices),
    )
    overdue = forms.BooleanField(label=_("只看超期"), required=False)


class PublicDemandForm(forms.Form):
    """The resident's own form on the portal; `website` is a honeypot that people never see."""

    resident_name = forms.CharField(label=_("您的姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号（查询进度用）"), max_length=20)
    place_unit = forms.TypedChoiceField(label=_("所在村/社区"), coerce=int, widget=ListSelect)
    place = forms.CharField(label=_("具体地点"), max_length=200, required=False)
    text = forms.CharField(
        label=_("您要反映的事"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000, min_length=5
    )
    website = forms.CharField(required=False, label=_("请勿填写"))

    def __init__(self, *args, villages=(), **kwargs):
        """villages: (id, label) pairs, e.g. (12, "城关镇 东街村")."""
        super().__init__(*args, **kwargs)
        self.fields["place_unit"].choices = [("", _("请选择")), *villages]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class StatusLookupForm(forms.Form):
    ticket = forms.CharField(label=_("受理编号"), max_length=20)
    last4 = forms.CharField(label=_("手机号后四位"), min_length=4, max_length=4)


class PublicVerdictForm(StatusLookupForm):
    resolved = VerdictForm.base_fields["resolved"]
    satisfied = VerdictForm.base_fields["satisfied"]
    note = forms.CharField(label=_("还想说的话"), max_length=500, required=False)


# ---------------------------------------------------------------- county configuration


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "keywords",
            "accept_days",
            "resolve_days",
            "description",
            "sort_order",
            "active",
        ]
        widgets = {"keywords": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"code": {"invalid": _("代码只能用英文字母、数字、短横线或下划线")}}

    def __init__(self, *args, county=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.county = county
        if self.instance.pk:
            self.fields["code"].disabled = True  # Open311 clients know the category by its code

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not self.instance.pk and Category.objects.filter(county=self.county, code=code).exists():
            raise forms.ValidationError(_("本县已有代码为“%(code)s”的类别") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        if (
            data.get("accept_days")
            and data.get("resolve_days")
            and data["accept_days"] > data["resolve_days"]
        ):
            self.add_error("resolve_days", _("办结时限不能短于受理时限"))
        return data


class RuleForm(forms.Form):
    category = forms.TypedChoiceField(label=_("类别"), coerce=int)
    level = forms.ChoiceField(label=_("办理层级"))
    department = forms.TypedChoiceField(label=_("承办部门"), coerce=int, required=False, empty_value=None)
    priority = forms.IntegerField(
        label=_("优先级（数字小的先匹配）"), min_value=0, max_value=32767, initial=100
    )
    concerns_county_project = forms.NullBooleanField(
        label=_("涉及县级项目"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("不限")), ("true", _("是")), ("false", _("否"))]),
    )
    amount_above = forms.DecimalField(
        label=_("金额超过（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args, categories=(), departments=(), **kwargs):
        from demands.models import Level

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]
        self.fields["level"].choices = Level.choices
        self.fields["department"].choices = [("", _("（本级单位自己办理）"))] + [
            (d.pk, str(d)) for d in departments
        ]


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类型"))
    note = forms.CharField(label=_("说明"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        from demands.models import CalendarDay

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CalendarDay.Kind.choices
        self.fields["date"].error_messages["invalid"] = _("请输入正确的日期，例如 2027-01-01")

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")
        if day and kind == "workday" and day.weekday() < 5:
            self.add_error("kind", _("调休上班只能设在周六或周日"))
        return data


class Open311ClientForm(forms.Form):
    name = forms.CharField(label=_("应用名称"), max_length=100)


class JurisdictionForm(forms.Form):
    open311_jurisdiction_id = forms.RegexField(
        label=_("Open311 辖区标识（jurisdiction_id）"),
        regex=r"^[A-Za-z0-9._-]*$",
        max_length=100,
        required=False,
        error_messages={"invalid": _("只能用英文字母、数字、点、短横线或下划线")},
    )
