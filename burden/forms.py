from django import forms
from django.utils.translation import gettext_lazy as _

from burden.models import RowUnit, TaskType
from core.uploads import check_size


class _UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name}{obj.name}" if obj.level == "village" and obj.parent else obj.name


class TaskForm(forms.Form):
    source_text = forms.CharField(
        label=_("粘贴通知原文（可选，自动识别标题、发文单位、时限和类型）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    type = forms.ChoiceField(label=_("类型"), choices=TaskType.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    issuer_department = forms.ModelChoiceField(label=_("发文部门"), queryset=None, required=False)
    issuer_unit = forms.ModelChoiceField(label=_("发文单位（不选部门时）"), queryset=None, required=False)
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    deadline = forms.DateTimeField(
        label=_("办结时限"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    units = _UnitChoice(label=_("承办单位"), queryset=None)
    staff = forms.ModelMultipleChoiceField(label=_("承办人（可选）"), queryset=None, required=False)
    estimated_hours = forms.DecimalField(
        label=_("预计工时（小时，留空按类型默认）"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=1,
    )

    def __init__(self, *args, departments, issuer_units, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer_department"].queryset = departments
        self.fields["issuer_unit"].queryset = issuer_units
        self.fields["units"].queryset = units
        self.fields["staff"].queryset = staff

    def clean(self):
        data = super().clean()
        if not data.get("issuer_department") and not data.get("issuer_unit"):
            self.add_error("issuer_department", _("请选择发文部门或发文单位"))
        return data


class TaskFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部类型")), *TaskType.choices], required=False
    )
    unreasonable = forms.BooleanField(label=_("只看不合理时限"), required=False)


class SettingForm(forms.Form):
    lead_time_floor_days = forms.IntegerField(label=_("最短办理时限（工作日）"), min_value=0, max_value=30)
    weekly_hours = forms.DecimalField(
        label=_("每人每周工作小时"), min_value=1, max_value=80, decimal_places=1
    )
    minutes_per_cell = forms.DecimalField(
        label=_("手工填一个格子的分钟数"), min_value=0, max_value=30, decimal_places=2
    )
    hours_per_visit = forms.DecimalField(
        label=_("每次入户走访计多少小时"), min_value=0, max_value=8, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in TaskType.choices:
            self.fields[f"hours_{value}"] = forms.DecimalField(
                label=_("“%(type)s”默认工时") % {"type": label}, min_value=0, max_value=200, decimal_places=1
            )


class UploadForm(forms.Form):
    name = forms.CharField(label=_("表名（可不填）"), max_length=200, required=False)
    file = forms.FileField(label=_("上级下发的Excel模板（.xlsx）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(_("只支持 .xlsx 格式，请在Excel里另存为 .xlsx 后再上传"))
        check_size(f.size, cap_mb=20)
        return f


class MappingForm(forms.Form):
    row_unit = forms.ChoiceField(label=_("每一行是"), choices=RowUnit.choices)

    def __init__(self, *args, columns, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            self.fields[f"col_{column['col']}"] = forms.ChoiceField(
                label=f"{column['letter']} · {column['label']}", choices=choices, required=False
            )
