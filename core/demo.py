"""Shared context for the demo county generator; each app adds its part in `<app>/demo.py: build(ctx)`."""

import random
from dataclasses import dataclass, field

DEMO_PASSWORD = "doorstep-demo"  # noqa: S105 - printed on purpose for the local demo
DEMO_APPS = ["territory", "registry", "visits", "demands", "burden", "journal", "portal"]

SCALES = {
    # townships, villages per township, households per village, grids per village
    "small": {"townships": 2, "villages": 3, "households": 120, "grids": 2},
    "county": {"townships": 15, "villages": 20, "households": 333, "grids": 3},
}


@dataclass
class DemoContext:
    scale: str
    rng: random.Random
    stdout: object
    county: object = None
    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    logins: list = field(default_factory=list)  # (role label, username, what they see)
    extra: dict = field(default_factory=dict)

    @property
    def size(self) -> dict:
        return SCALES[self.scale]

    def say(self, message: str) -> None:
        self.stdout.write(message)
