"""ListSelect writes the same <select> as Django's template-rendered Select, only faster."""

from django import forms
from django.test.html import parse_html

from core.widgets import ListSelect

CHOICES = [
    ("", "——"),
    ("部门", [("d1", "县民政局"), ("d2", 'A & B <"办">')]),
    ("乡镇、村", [("u7", "甲镇"), (8, "甲一村")]),
]


def _pair(**field_kwargs):
    class Plain(forms.Form):
        to = forms.ChoiceField(choices=CHOICES, **field_kwargs)

    class Listed(forms.Form):
        to = forms.ChoiceField(choices=CHOICES, widget=ListSelect, **field_kwargs)

    return Plain, Listed


def test_same_markup_as_djangos_select_with_groups_escaping_and_the_chosen_option():
    for kwargs, data in (({}, None), ({"required": False}, {"to": "8"}), ({}, {"to": "d2"})):
        plain_form, listed_form = _pair(**kwargs)
        plain, listed = str(plain_form(data)["to"]), str(listed_form(data)["to"])
        assert parse_html(listed) == parse_html(plain), (plain, listed)
    listed = str(_pair()[1]({"to": "d2"})["to"])
    assert "A &amp; B &lt;&quot;办&quot;&gt;" in listed
    assert '<option value="d2" selected>' in listed and listed.count("selected") == 1
