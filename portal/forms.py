from django import forms
from django.utils.translation import gettext_lazy as _


class FeedbackForm(forms.Form):
    """A resident's message; `website` is a honeypot that people never see and bots fill in."""

    name = forms.CharField(label=_("称呼"), max_length=30)
    body = forms.CharField(label=_("内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}))
    website = forms.CharField(
        label=_("网址（请勿填写）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
