import random
import time
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core.demo import DEMO_APPS, DEMO_PASSWORD, SCALES, DemoContext
from territory.models import AdminUnit


class Command(BaseCommand):
    help = "Build the deterministic synthetic demo county (--scale small for the demo and tests, county for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=20220615)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a county already exists")

    def handle(self, *args, scale, seed, if_empty, **options):
        if AdminUnit.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                return
            raise CommandError("The database already holds units; use a fresh database for demo data.")
        ctx = DemoContext(scale=scale, rng=random.Random(seed), stdout=self.stdout)  # noqa: S311 - synthetic data
        started = time.perf_counter()
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                t0 = time.perf_counter()
                module.build(ctx)
                self.stdout.write(f"  {app}: {time.perf_counter() - t0:.1f}s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, so scoped lists pick the right index
        self.stdout.write(
            self.style.SUCCESS(f"Demo county ({scale}) built in {time.perf_counter() - started:.1f}s.")
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, username, sees in ctx.logins:
            self.stdout.write(f"  {role:<12} {username:<12} {sees}")
