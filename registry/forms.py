from django import forms
from django.utils.translation import gettext_lazy as _

from core.formrender import PythonFormRenderer
from core.uploads import size_validator
from core.widgets import ListSelect
from registry.models import Household, Person


class HouseholdFilterForm(forms.Form):
    """The list's filters; ListSelect writes its selects without a template per option (every list page)."""

    default_renderer = PythonFormRenderer()  # labels and the text box without a template each

    q = forms.CharField(label=_("户主或住址"), required=False)
    village = forms.TypedChoiceField(
        label=_("村/社区"), required=False, coerce=int, empty_value=None, widget=ListSelect
    )
    tag = forms.ChoiceField(label=_("标签"), required=False, widget=ListSelect)
    occupancy = forms.ChoiceField(
        label=_("居住情况"),
        required=False,
        choices=[("", _("全部"))] + list(Household.Occupancy.choices),
        widget=ListSelect,
    )

    def __init__(self, *args, villages=(), tags=(), **kwargs):
        """villages: (id, name) pairs; tags: (code, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("全部")), *villages]
        self.fields["tag"].choices = [("", _("全部")), *tags]


class PersonFilterForm(forms.Form):
    default_renderer = PythonFormRenderer()

    q = forms.CharField(label=_("姓名、拼音首字母、身份证号或电话"), required=False)
    village = forms.TypedChoiceField(
        label=_("村/社区"), required=False, coerce=int, empty_value=None, widget=ListSelect
    )
    tag = forms.ChoiceField(label=_("标签"), required=False, widget=ListSelect)
    residence = forms.ChoiceField(
        label=_("居住状态"),
        required=False,
        choices=[("", _("全部"))] + list(Person.Residence.choices),
        widget=ListSelect,
    )
    min_age = forms.IntegerField(label=_("年龄不小于"), required=False, min_value=0, max_value=120)

    def __init__(self, *args, villages=(), tags=(), **kwargs):
        """villages: (id, name) pairs; tags: (code, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("全部")), *villages]
        self.fields["tag"].choices = [("", _("全部")), *tags]


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("身份证号")), ("phone", _("联系电话"))])
    purpose = forms.CharField(label=_("查看用途"), max_length=200, min_length=2)


class PersonForm(forms.Form):
    """The fields a cadre edits by hand; ID number and phone are entered in full and stored encrypted."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Person.Relation.choices)
    residence = forms.ChoiceField(label=_("居住状态"), choices=Person.Residence.choices)
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.code, t.name) for t in tags]


class LedgerUploadForm(forms.Form):
    unit = forms.ChoiceField(label=_("导入到"))
    file = forms.FileField(label=_("台账文件（.xlsx、.xls或.csv）"), validators=[size_validator()])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in units]
