"""The worklist's rows (visits/templatetags/worklist.py): what each row says, escaped, with its own client id."""

import re
from datetime import date, datetime
from types import SimpleNamespace

from django.template import engines
from django.utils import timezone

from visits.selectors import Due


def _render(dues, empty=""):
    template = engines["django"].from_string("{% load worklist %}{% due_rows dues empty %}")
    return template.render({"dues": dues, "empty": empty, "csrf_token": "tok<en>"})


def _household(pk, head, address="甲一村1号"):
    return SimpleNamespace(pk=pk, head_name=head, address=address, village=SimpleNamespace(name="甲一村"))


def test_rows_say_why_and_escape_what_people_typed():
    last = timezone.make_aware(datetime(2026, 11, 30, 23, 30))
    dues = [
        Due(household=_household(1, "<script>x</script>"), never=True, policies=["独居老人每周入户"]),
        Due(household=_household(2, ""), overdue_days=5, last_visit=last, mode="phone", policies=["外出户"]),
        Due(household=_household(3, "王奶奶"), follow_up=date(2026, 12, 7)),
    ]
    html = _render(dues)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert html.count('<li class="due"') == 3
    assert "从未走访" in html and "逾期 5 天" in html and "今天到期" in html
    assert "约定回访 12-07" in html and "上次 11-30" in html and " · 独居老人每周入户" in html
    assert "—" in html  # a household without a head's name
    assert "已电话联系" in html and html.count("已走访") == 2
    assert html.count('value="tok&lt;en&gt;"') == 3
    ids = re.findall(r'name="client_id" value="([0-9a-f-]{36})"', html)
    assert len(set(ids)) == 3  # one client id per row: a double tap records one visit, two rows two
    assert 'href="/work/visits/record/?household=2"' in html


def test_no_rows_show_the_empty_text_or_nothing():
    assert _render([], "没有逾期未走访的户") == '<li class="muted">没有逾期未走访的户</li>'
    assert _render([]) == ""
