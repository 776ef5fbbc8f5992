"""Demo burden: the stream of work the report describes landing on townships and villages.

Documents, meetings, forms and inspections from several county departments every week; 30-odd
assessed targets a year per township; and, now and then, a form sent in the morning and wanted
the same afternoon. Dates run from ten weeks ago to two weeks ahead of today, so the dashboard
has something to show whenever the demo is built.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

import journal
from burden.models import DEFAULT_TYPE_HOURS, Assignment, CountySetting, Task, TaskType
from core.demo import DemoContext
from core.workcalendar import Clock

TITLES = {
    TaskType.DOCUMENT: [
        "关于认真学习贯彻{dept}年度工作会议精神的通知",
        "关于转发《{dept}工作要点》的通知",
        "关于传达学习上级文件精神的通知",
    ],
    TaskType.MEETING: [
        "关于召开{dept}工作推进会的通知",
        "关于召开{dept}视频调度会的通知",
        "关于参加{dept}业务培训班的通知",
    ],
    TaskType.FORM: [
        "关于报送{dept}相关数据统计表的通知",
        "关于开展{dept}重点人群摸排填报的通知",
        "关于报送{dept}工作台账的紧急通知",
        "关于填报{dept}月度进展情况表的通知",
    ],
    TaskType.INSPECTION: [
        "关于开展{dept}专项督查的通知",
        "关于迎接{dept}年度检查验收的通知",
    ],
    TaskType.ASSESSMENT: [
        "{dept}年度目标考核指标：第{n}项",
    ],
    TaskType.OTHER: ["关于配合做好{dept}有关工作的函"],
}
WEEKLY = [
    (TaskType.DOCUMENT, 2),
    (TaskType.MEETING, 2),
    (TaskType.FORM, 3),
    (TaskType.INSPECTION, 1),
    (TaskType.OTHER, 1),
]
ASSESSMENTS_PER_YEAR = 32


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    county = ctx.county
    clock = Clock.for_county(county.pk)  # loaded once for the whole year of tasks
    CountySetting.objects.get_or_create(county=county)
    departments = list(ctx.extra.get("departments", {}).values())
    if not departments:
        return
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    weeks = [monday + timedelta(days=7 * w) for w in range(-10, 3)]
    by_township: dict[int, list] = {}
    for village in ctx.villages:
        by_township.setdefault(village.parent_id, []).append(village)
    tasks: list[Task] = []
    targets: list[list] = []
    for township in ctx.townships:
        villages = by_township.get(township.pk, [])
        plan: list[tuple[str, datetime, datetime, object]] = []
        for week in weeks:
            for type_, n in WEEKLY:
                for _ in range(n + rng.randint(0, 1)):
                    day = week + timedelta(days=rng.randint(0, 4))
                    received = datetime.combine(day, time(rng.choice((8, 9, 10, 14, 15)), 0), tzinfo=tz)
                    if type_ == TaskType.FORM and rng.random() < 0.2:
                        deadline = received.replace(hour=17, minute=30)  # this morning, for this afternoon
                    elif type_ == TaskType.MEETING:
                        deadline = received + timedelta(days=rng.randint(1, 4))
                    else:
                        deadline = received + timedelta(days=rng.randint(2, 12))
                    plan.append((type_, received, deadline, rng.choice(departments)))
        # Assessed targets: 30-odd a year, each with its own due month; the ones due in this window.
        for n in range(1, ASSESSMENTS_PER_YEAR + 1):
            due = datetime.combine(
                today.replace(month=1, day=1) + timedelta(days=int(365 * n / ASSESSMENTS_PER_YEAR)),
                time(18, 0),
                tzinfo=tz,
            )
            if weeks[0] <= due.date() < weeks[-1] + timedelta(days=7):
                plan.append((TaskType.ASSESSMENT, due - timedelta(days=30), due, rng.choice(departments)))
        for type_, received, deadline, dept in plan:
            title = rng.choice(TITLES[type_]).format(dept=dept.name, n=rng.randint(1, ASSESSMENTS_PER_YEAR))
            days = clock.working_days_between(received, deadline)
            hours = DEFAULT_TYPE_HOURS[type_] + Decimal(rng.choice((0, 0, 1, 2)))
            tasks.append(
                Task(
                    type=type_,
                    title=f"{county.name}{title}" if type_ != TaskType.ASSESSMENT else title,
                    issuer_unit=dept.unit,
                    issuer_department=dept,
                    received_at=received,
                    deadline=deadline,
                    estimated_hours=hours,
                    lead_working_days=days,
                    unreasonable_deadline=days < 3,
                    source_text="",
                )
            )
            if type_ in (TaskType.MEETING, TaskType.INSPECTION) or rng.random() < 0.3 or not villages:
                land = [township]
            else:
                land = villages if rng.random() < 0.6 else rng.sample(villages, max(1, len(villages) // 3))
            targets.append(land)
    Task.objects.bulk_create(tasks, batch_size=2000)
    assignments = [
        Assignment(
            task=task, unit=unit, scope_path=unit.path, hours=task.estimated_hours, deadline=task.deadline
        )
        for task, land in zip(tasks, targets, strict=True)
        for unit in land
    ]
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    journal.record(
        actor=None,
        action="burden.task.recorded",
        target=county,
        data={"demo_bulk": True, "tasks": len(tasks), "assignments": len(assignments)},
    )
    ctx.say(f"  burden: {len(tasks)} tasks, {len(assignments)} assignments")
