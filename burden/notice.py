"""Reading a forwarded official notice: title, issuer, deadline and task type, to pre-fill the quick form.

Only a pre-fill: the person recording the task sees every guess and corrects it.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from burden.models import TaskType

_WEEKDAY = r"(?:[（(]\s*(?:星期|周)[一二三四五六日天]\s*[)）])?"
_CLOCK = (
    r"(?:\s*(?P<ampm>上午|下午|中午|晚上)?\s*(?:(?P<hour>\d{1,2})\s*[:：时点]\s*(?P<minute>\d{1,2})?\s*分?)?)"
)
_FULL_DATE = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]" + _WEEKDAY + _CLOCK
)
_SHORT_DATE = re.compile(
    r"(?<![\d年])(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]" + _WEEKDAY + _CLOCK
)
_TODAY = re.compile(r"(?P<rel>今天|今日|当天|明天|明日)\s*" + _CLOCK.replace("(?:\\s*", "(?:", 1))
_BEFORE = re.compile(r"^\s*(?:[前之以]前?|前|截止|为止)")
_MEETING = re.compile(r"(?:定于|会议时间[:：]?|于)\s*$")
_TITLE = re.compile(r"关于.{2,80}?的(?:通知|紧急通知|函|通报|意见|方案|安排)")
_ISSUER = re.compile(r"([\u4e00-\u9fa5]{2,30}?(?:人民政府|委员会|办公室|局|委|办|部|中心|所|站|队|院))")

TYPE_KEYWORDS = [
    (TaskType.MEETING, ("会议", "召开", "参会", "视频会", "培训班")),
    (TaskType.INSPECTION, ("督查", "督导", "检查", "暗访", "巡查", "验收")),
    (TaskType.ASSESSMENT, ("考核", "目标责任", "评比", "测评", "指标")),
    (TaskType.FORM, ("报表", "填报", "统计表", "报送", "台账", "摸排", "一览表", "汇总表", "表格")),
    (TaskType.DOCUMENT, ("学习", "传达", "文件精神", "贯彻")),
]


@dataclass
class NoticeGuess:
    title: str = ""
    issuer_text: str = ""
    department_id: int | None = None
    deadline: datetime | None = None
    type: str = ""
    found: list[str] = field(default_factory=list)


def _clock(match, default: time) -> time:
    hour, minute, ampm = match.group("hour"), match.group("minute"), match.group("ampm")
    if hour is None:
        if ampm == "上午":
            return time(12, 0)
        if ampm in ("下午", "晚上"):
            return time(18, 0)
        if ampm == "中午":
            return time(12, 0)
        return default
    h, m = int(hour), int(minute or 0)
    if ampm in ("下午", "晚上") and h < 12:
        h += 12
    return time(min(h, 23), min(m, 59))


def _deadline(text: str, received: datetime) -> datetime | None:
    """The earliest date followed by 前/之前 (a deadline) or preceded by 定于 (a meeting time)."""
    tz = timezone.get_current_timezone()
    local = timezone.localtime(received, tz)
    candidates: list[datetime] = []
    for pattern in (_FULL_DATE, _SHORT_DATE):
        for m in pattern.finditer(text):
            after, before = text[m.end() : m.end() + 6], text[max(0, m.start() - 8) : m.start()]
            is_deadline = bool(_BEFORE.match(after))
            is_meeting = bool(_MEETING.search(before))
            if not (is_deadline or is_meeting):
                continue
            year = int(m.group("year")) if "year" in m.groupdict() and m.group("year") else local.year
            try:
                day = datetime(year, int(m.group("month")), int(m.group("day"))).date()  # noqa: DTZ001
            except ValueError:
                continue
            if pattern is _SHORT_DATE and day < local.date() - timedelta(days=31):
                day = day.replace(year=year + 1)
            default = time(9, 0) if is_meeting and not is_deadline else time(18, 0)
            candidates.append(datetime.combine(day, _clock(m, default), tzinfo=tz))
    for m in _TODAY.finditer(text):
        day = local.date() + timedelta(days=1 if m.group("rel") in ("明天", "明日") else 0)
        candidates.append(datetime.combine(day, _clock(m, time(18, 0)), tzinfo=tz))
    return min(candidates) if candidates else None


def _type(text: str) -> str:
    scores = {t: sum(text.count(k) for k in words) for t, words in TYPE_KEYWORDS}
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] else TaskType.OTHER


def parse_notice(text: str, *, received: datetime, departments=()) -> NoticeGuess:
    """Guess the fields of a task from a notice's text; departments is [(id, unit name, name), ...]."""
    guess = NoticeGuess()
    text = (text or "").replace("\r", "")
    if not text.strip():
        return guess
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title = _TITLE.search(text)
    if title:
        start = text.rfind("\n", 0, title.start()) + 1
        line = text[start : title.end()].strip()
        guess.title = line
        guess.issuer_text = line[: line.find("关于")].strip(" 　:：")
    else:
        guess.title = lines[0][:200]
    if not guess.issuer_text:
        # The signature: an office name alone on a line near the end, just before the date.
        for line in reversed(lines[-4:]):
            m = _ISSUER.fullmatch(line)
            if m:
                guess.issuer_text = m.group(1)
                break
    haystack = guess.issuer_text or text
    best = None
    for dept_id, unit_name, name in departments:
        full = f"{unit_name}{name}"
        if full in haystack or name in haystack:
            score = len(full) if full in haystack else len(name)
            if best is None or score > best[0]:
                best = (score, dept_id)
    if best:
        guess.department_id = best[1]
    guess.deadline = _deadline(text, received)
    guess.type = _type(text)
    guess.found = [
        name
        for name, value in (
            ("title", guess.title),
            ("issuer", guess.department_id),
            ("deadline", guess.deadline),
            ("type", guess.type),
        )
        if value
    ]
    return guess
