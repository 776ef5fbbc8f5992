from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from core.formrender import PythonFormRenderer
from core.uploads import size_validator
from visits.models import Mode


class VisitForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("方式"), choices=Mode.choices, initial=Mode.IN_PERSON, widget=forms.RadioSelect
    )
    person = forms.TypedChoiceField(label=_("见到的人"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(
        label=_("情况记录（可不填）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_visit_date = forms.DateField(
        label=_("下次走访日期（可不填）"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("全户"))] + [(p.pk, p.name) for p in people]


class PlanForm(forms.Form):
    # 18 fields and a checkbox per cadre: Django's templates for them cost ~4 ms of CPU a page.
    default_renderer = PythonFormRenderer()

    township = forms.TypedChoiceField(label=_("乡镇"), coerce=int)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    cadres = forms.TypedMultipleChoiceField(label=_("干部"), coerce=int, widget=forms.CheckboxSelectMultiple)
    shift_start = forms.TimeField(
        label=_("出发时间"), initial="08:30", widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    shift_hours = forms.FloatField(label=_("工作时长（小时）"), initial=8, min_value=1, max_value=12)
    lunch_start = forms.TimeField(
        label=_("午休最早开始"),
        initial="11:30",
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    lunch_end = forms.TimeField(
        label=_("午休最晚结束（不填则按开始时间固定午休）"),
        required=False,
        initial="13:30",
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    lunch_minutes = forms.IntegerField(label=_("午休（分钟）"), initial=60, min_value=0, max_value=180)
    balance = forms.BooleanField(label=_("几位干部的户数尽量均匀"), required=False, initial=True)
    max_stops = forms.IntegerField(
        label=_("每位干部最多走访户数（可不填）"), required=False, min_value=1, max_value=100
    )
    in_person_minutes = forms.IntegerField(
        label=_("入户每户（分钟）"), initial=20, min_value=1, max_value=180
    )
    phone_minutes = forms.IntegerField(label=_("电话每户（分钟）"), initial=5, min_value=1, max_value=60)
    speed_kmh = forms.FloatField(label=_("平均车速（公里/小时）"), initial=35, min_value=5, max_value=100)
    road_factor = forms.FloatField(label=_("道路系数"), initial=1.35, min_value=1, max_value=3)
    start_latitude = forms.FloatField(
        label=_("出发点纬度（不填为乡镇驻地）"), required=False, min_value=-90, max_value=90
    )
    start_longitude = forms.FloatField(
        label=_("出发点经度（不填为乡镇驻地）"), required=False, min_value=-180, max_value=180
    )
    added = forms.CharField(label=_("加上这些户（户编号，用逗号隔开）"), required=False)
    windows = forms.CharField(
        label=_("在家时段（每行：户编号 09:00-11:00）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, townships=(), cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]
        self.fields["cadres"].choices = [(c.pk, str(c)) for c in cadres]

    def clean(self):
        data = super().clean()
        start, end, minutes = data.get("lunch_start"), data.get("lunch_end"), data.get("lunch_minutes")
        if start and end is None and minutes is not None:
            finish = start.hour * 60 + start.minute + minutes
            data["lunch_end"] = time(min(finish // 60, 23), finish % 60 if finish < 24 * 60 else 59)
        elif start and end and minutes:
            length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            if length < minutes:
                self.add_error("lunch_end", _("午休时段比午休时长还短"))
        return data


class TripForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    origin = forms.CharField(label=_("出发地"), max_length=100)
    destination = forms.CharField(label=_("目的地"), max_length=100)
    km = forms.DecimalField(label=_("里程（公里）"), min_value=0.1, max_digits=7, decimal_places=1)
    vehicle = forms.CharField(label=_("车辆"), max_length=50, required=False, initial=_("私家车"))


class PlannerSettingsForm(forms.Form):
    township = forms.TypedChoiceField(label=_("乡镇"), coerce=int)
    road_factor = forms.FloatField(label=_("道路系数"), initial=1.35, min_value=1, max_value=3)
    speed_kmh = forms.FloatField(label=_("平均车速（公里/小时）"), initial=35, min_value=5, max_value=100)
    matrix = forms.FileField(
        label=_("距离表（CSV：起点户编号,终点户编号,公里；乡镇驻地写0）"),
        required=False,
        validators=[size_validator()],
    )

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    tag = forms.TypedChoiceField(label=_("标签"), coerce=int, required=False, empty_value=None)
    occupancy = forms.ChoiceField(label=_("居住情况"), required=False)
    interval_days = forms.IntegerField(label=_("间隔天数"), min_value=1, max_value=366)
    required_mode = forms.ChoiceField(label=_("要求方式"))
    weight = forms.IntegerField(label=_("优先权重（1–10）"), min_value=1, max_value=10, initial=5)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, tags=(), **kwargs):
        from registry.models import Household
        from visits.models import VisitPolicy

        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("（不按标签）"))] + [(t.pk, t.name) for t in tags]
        self.fields["occupancy"].choices = [("", _("（不限）"))] + list(Household.Occupancy.choices)
        self.fields["required_mode"].choices = VisitPolicy._meta.get_field("required_mode").choices

    def clean(self):
        data = super().clean()
        if not data.get("tag") and not data.get("occupancy"):
            raise forms.ValidationError(_("请选一个标签，或选居住情况"))
        return data


class TravelRuleForm(forms.Form):
    fuel_price = forms.DecimalField(label=_("油价（元/升）"), min_value=0, max_digits=6, decimal_places=2)
    consumption_l_per_100km = forms.DecimalField(
        label=_("油耗（升/百公里）"), min_value=0, max_digits=5, decimal_places=2
    )
    subsidy_per_month = forms.DecimalField(
        label=_("每月交通补贴（元）"), min_value=0, max_digits=8, decimal_places=2
    )
    subsidy_per_km = forms.DecimalField(
        label=_("每公里补贴（元）"), min_value=0, max_digits=6, decimal_places=2, initial=0
    )
