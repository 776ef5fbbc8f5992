"""A form renderer that writes Django's most common form templates in Python.

Django renders every label, widget and (even empty) error list of a form through its own template
(~50-100 µs each): the route planner's form, 18 fields with a checkbox per cadre, spent ~4 ms of
CPU a page in them (in-process, prod-local county data). A form opts in with
`default_renderer = PythonFormRenderer()`; the markup is exactly that of Django's templates
(django/forms/templates/django/forms/, byte for byte: core/tests/test_formrender.py renders both
ways). Any template not written here renders as usual; a project override of one that is written
here would be ignored by the forms that opt in (the project overrides none).
"""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import escape
from django.utils.safestring import SafeData

# `{{ value }}` outside a template: localized and escaped as a template would (settings' defaults).
_CONTEXT = Context(autoescape=True)


def _text(value) -> str:
    return render_value_in_context(value, _CONTEXT)


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}: stringformat keeps a safe string safe, anything else is escaped."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)  # noqa: UP031 - as the filter does
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html (and forms/attrs.html): in order, True bare, False left out."""
    if not attrs:
        return ""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget) -> str:
    """django/forms/widgets/input.html, with its final newline."""
    value = widget["value"]
    value = "" if value is None else f' value="{_formatted(value)}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _input_widget(context) -> str:
    return _input(context["widget"])


def _textarea(context) -> str:
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


def _checkbox_option(option) -> str:
    """checkbox_option.html, which includes input_option.html, which includes input.html."""
    if not option["wrap_label"]:
        return _input(option) + "\n\n"
    id_ = option["attrs"].get("id")
    label_for = f' for="{_text(id_)}"' if id_ else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n\n"


def _checkbox_select(context) -> str | None:
    """checkbox_select.html, which includes multiple_input.html; None for another option template."""
    widget = context["widget"]
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_text(id_)}"' if id_ else "",
        f' class="{_text(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] != "django/forms/widgets/checkbox_option.html":
                return None
            parts.append(f"<div>\n    {_checkbox_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _select(context) -> str | None:
    """select.html with select_option.html; None for another option template."""
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _label(context) -> str:
    if not context["use_tag"]:
        return f"{_text(context['label'])}\n"
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>\n"


def _error_list(context) -> str:
    """errors/list/default.html, which includes ul.html: nothing at all for no errors."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = f' id="{_text(errors.field_id)}_error"' if getattr(errors, "field_id", None) else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{field_id}>{items}</ul>'


_WRITERS = {
    **{
        f"django/forms/widgets/{name}.html": _input_widget
        for name in ("text", "number", "email", "url", "password", "date", "time", "datetime", "checkbox")
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/checkbox_select.html": _checkbox_select,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
}


class PythonFormRenderer(DjangoTemplates):
    """Django's renderer, with the templates in _WRITERS written in Python (same markup, no template)."""

    def render(self, template_name, context, request=None):
        write = _WRITERS.get(template_name)
        html = write(context) if write is not None else None
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()  # as DjangoTemplates.render; the callers mark it safe
