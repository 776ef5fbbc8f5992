"""PythonFormRenderer writes byte for byte what Django's templates write, for every template it takes over."""

from datetime import date, datetime, time

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from core import formrender
from core.formrender import PythonFormRenderer

CADRES = [(3, "甲镇包村干部"), (12, 'A & B <"办">'), (7, 1234)]
GROUPED = [("甲镇", [("a", "甲一村"), ("b", "甲二村")]), ("乙乡", [("c", "乙一村")]), ("d", "县直")]


class Everything(forms.Form):
    required_css_class = "required"

    name = forms.CharField(label="姓名", max_length=20, help_text="不会写出来")
    note = forms.CharField(
        label='备注 <"&">',
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-n": 0, "data-e": "", "data-off": False}),
    )
    count = forms.IntegerField(label="户数", min_value=1, max_value=100, initial=8)
    factor = forms.FloatField(label="道路系数", initial=1.35, min_value=1, max_value=3)
    email = forms.EmailField(label="邮箱 <&>?", required=False)
    site = forms.URLField(label="网址", required=False, assume_scheme="https")
    secret = forms.CharField(label="口令", required=False, widget=forms.PasswordInput)
    day = forms.DateField(label="日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    at = forms.TimeField(
        label="时间", initial="08:30", widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    when = forms.DateTimeField(label="时刻", required=False)
    balance = forms.BooleanField(label="均匀", required=False, initial=True)
    off = forms.BooleanField(label="关闭", required=False)
    cadres = forms.TypedMultipleChoiceField(
        label="干部", coerce=int, choices=CADRES, widget=forms.CheckboxSelectMultiple
    )
    places = forms.MultipleChoiceField(
        label="地方",
        required=False,
        choices=GROUPED,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "grid", "data-x": mark_safe("<b>")}),
    )
    town = forms.ChoiceField(label="乡镇", choices=[("1", "甲镇"), ("2", 'A & B <"办">'), (3, 1234)])
    village = forms.ChoiceField(label="村", required=False, choices=[("", "——"), *GROUPED])
    pace = forms.ChoiceField(
        label="节奏", choices=[("s", "慢"), ("f", "快")], widget=forms.RadioSelect
    )  # not written

    def clean(self):
        data = super().clean()
        if data.get("name") == "错":
            raise forms.ValidationError(["整体不对 <b>", mark_safe("<i>已转义</i>")])
        return data


class Fast(Everything):
    default_renderer = PythonFormRenderer()


CASES = [
    ({"initial": {"day": date(2026, 12, 7), "cadres": [12]}}),
    ({"data": {}}),
    (
        {
            "data": {
                "name": "错",
                "note": "<script>x</script>\n第二行",
                "count": "0",
                "factor": "abc",
                "email": "x",
                "site": "y",
                "secret": "s",
                "day": "2026-02-30",
                "at": "25:00",
                "when": "2026-12-07 08:30",
                "balance": "on",
                "cadres": ["3", "7", "99"],
                "places": ["b", "d"],
                "town": "2",
                "village": "b",
                "pace": "f",
            }
        }
    ),
    (
        {
            "data": {
                "name": "王<秀>英",
                "count": "3",
                "factor": "1.5",
                "day": "2026-12-07",
                "at": "09:00",
                "cadres": ["12"],
                "town": "1",
            }
        }
    ),
    ({"auto_id": False, "initial": {"when": datetime(2026, 12, 7, 8, 30), "at": time(7, 5)}}),
    ({"auto_id": "f_%s", "label_suffix": "", "initial": {"note": "有 & 无"}}),
]


def _parts(form):
    form.is_valid()
    yield str(form.non_field_errors())
    for field in form:
        yield str(field.label_tag())
        yield str(field)
        yield str(field.errors)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kwargs", CASES)
def test_same_markup_as_djangos_templates(kwargs, language):
    with translation.override(language):
        plain, fast = list(_parts(Everything(**kwargs))), list(_parts(Fast(**kwargs)))
    assert isinstance(Everything(**kwargs).renderer, DjangoTemplates)
    assert fast == plain


def test_the_written_templates_are_written_in_python(monkeypatch):
    rendered = []
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, name, context, request=None: rendered.append(name)
    )
    form = Fast({"name": "错"})
    _ = list(_parts(form))
    # Only the widget it does not write (the radio buttons) goes through a template.
    assert rendered == ["django/forms/widgets/radio.html"]
    assert "django/forms/widgets/radio.html" not in formrender._WRITERS


def test_an_unknown_option_template_falls_back_to_djangos_template():
    class Radio(forms.CheckboxSelectMultiple):
        option_template_name = "django/forms/widgets/radio_option.html"

    class Plain(forms.Form):
        pick = forms.MultipleChoiceField(choices=CADRES, widget=Radio)

    class Quick(Plain):
        default_renderer = PythonFormRenderer()

    assert str(Quick()["pick"]) == str(Plain()["pick"])
