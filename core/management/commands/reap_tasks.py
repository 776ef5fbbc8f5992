"""manage.py reap_tasks: report failed every background task whose worker died (see core/jobs.py)."""

from django.core.management.base import BaseCommand

from core import jobs


class Command(BaseCommand):
    help = "把运行中但进程已经不在（或心跳过期）的后台任务标记为失败；输出 lost=N"

    def handle(self, *args, **options):
        lost = jobs.reap()
        for task_id in lost:
            self.stdout.write(f"lost task {task_id}")
        self.stdout.write(f"lost={len(lost)}")
