from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EncounterForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, empty_label=None)
    occurred_at = forms.DateTimeField(
        label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    counterpart = forms.CharField(label=_("对方是谁"), max_length=100, help_text=_("姓名或称呼，可写几位"))
    asked = forms.CharField(label=_("对方提了什么要求"), widget=forms.Textarea(attrs={"rows": 3}))
    promised = forms.CharField(
        label=_("我方怎么答复、承诺了什么"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class AcknowledgeForm(forms.Form):
    resident_name = forms.CharField(label=_("请写下您的名字"), max_length=100)
    agree = forms.BooleanField(label=_("我看过了，记录的是当时说的话"))
