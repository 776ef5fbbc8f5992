"""Adds the visits demo (policies, 12 weeks of visits, trips) to a county database built before visits existed.

DJANGO_SETTINGS_MODULE=config.settings.dev DATABASE_URL=sqlite:////tmp/visits-county.sqlite3 \
  .venv/bin/python bench/visits_load_demo.py
"""

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from core.demo import DemoContext  # noqa: E402
from territory.models import AdminUnit  # noqa: E402
from visits import demo  # noqa: E402
from visits.models import Visit  # noqa: E402

if Visit.objects.exists():
    sys.exit("visits already loaded")
ctx = DemoContext(scale="county", rng=random.Random(20220615), stdout=sys.stdout)  # noqa: S311
ctx.county = AdminUnit.objects.get(level="county")
ctx.townships = list(AdminUnit.objects.filter(level="township").order_by("code"))
ctx.villages = list(AdminUnit.objects.filter(level="village").order_by("code"))
started = time.perf_counter()
with transaction.atomic():
    demo.build(ctx)
print(f"visits demo: {Visit.objects.count()} visits in {time.perf_counter() - started:.1f}s")
