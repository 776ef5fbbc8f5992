"""Form widgets that render long lists without a template per item."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class ListSelect(forms.Select):
    """A <select> whose options are written in Python, for lists of hundreds of places or offices.

    Django's Select renders every option through its own template include (~25 µs each): the
    demand page's transfer list (every township, village and department of the county, ~330
    options) and the public demand form's village list cost 10-15 ms of CPU per page in options
    alone (docs/bench/load.md). Same markup as Django's select.html and select_option.html:
    escaped values and labels, boolean attributes (selected, required) written bare.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                attrs = option["attrs"]
                # Most options carry no attribute, the chosen one only `selected`: skip flatatt for those.
                extra = "" if not attrs else " selected" if attrs == {"selected": True} else flatatt(attrs)
                parts.append(
                    f'<option value="{conditional_escape(option["value"])}"{extra}>'
                    f"{conditional_escape(option['label'])}</option>"
                )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label above is escaped
