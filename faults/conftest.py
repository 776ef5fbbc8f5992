"""Fault drills against the production topology on loopback (`scripts/prod_local.sh`, see docs/faults.md).

The drills start the stack if it is not running (and stop it afterwards only if they started it),
break one part of it, and check what a person would see and that no data was lost:
`manage.py journal_verify` passes and the registry's counts are what they should be.

FAULTS_STACK_SCRIPT points at another copy of prod_local.sh (same interface, other ports), e.g. one in a
scratch checkout; PROD_LOCAL_DIR is honoured as by the script itself.
"""

import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stack:
    script: Path
    root: Path
    env: dict
    started_here: bool
    timings: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.env["PROD_LOCAL_URL"]

    @property
    def state(self) -> Path:
        return Path(self.env["PROD_LOCAL_DIR"])

    def pid(self, name: str) -> int:
        return int((self.state / "run" / f"{name}.pid").read_text().strip())

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.script), *args],
            cwd=self.root,
            env=self._script_env(),
            check=check,
            timeout=timeout,
            capture_output=True,
            text=True,
        )

    def _script_env(self) -> dict:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return env

    def manage(self, *args: str, timeout: float = 600) -> str:
        """A management command against the stack's database, as an operator would run it."""
        done = subprocess.run(
            [str(self.root / ".venv/bin/python"), "manage.py", *args],
            cwd=self.root,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def sql(self, query: str, *params):
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()

    def counts(self) -> dict:
        """What must never be lost or half-written (the journal only grows: sign-ins and uploads add to it)."""
        tables = {
            "households": "registry_household",
            "people": "registry_person",
            "ledger_imports_done": "registry_ledgerimport WHERE status = 'done'",
            "quarantined_rows": "registry_quarantinedrow",
        }
        return {k: self.sql(f"SELECT count(*) FROM {t}")[0][0] for k, t in tables.items()}

    def journal_entries(self) -> int:
        return self.sql("SELECT count(*) FROM journal_entry")[0][0]

    def journal_verify(self, *, at_least: int = 0) -> str:
        """The hash chain and checkpoints hold, and no entry was lost (at least `at_least` entries)."""
        out = self.manage("journal_verify")
        assert "OK:" in out, out
        assert self.journal_entries() >= at_least
        return out

    def restart_postgres(self) -> None:
        pgbin = os.environ.get("PROD_LOCAL_PGBIN", "/usr/lib/postgresql/15/bin")
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                f"{pgbin}/pg_ctl",
                "-D",
                self.env["PROD_LOCAL_PGDATA"],
                "-w",
                "restart",
            ],
            check=True,
            # not captured: the restarted postmaster inherits our pipes and would hold them open
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def ensure_up(self) -> None:
        """prod_local.sh start is idempotent: it starts only what is down (but migrates first: ~1 min)."""
        if self.run("status", check=False).returncode == 0:
            return
        done = self.run("start", check=False)
        if done.returncode and not _up_after_all(self, self.state):
            raise AssertionError(f"prod_local.sh start failed:\n{done.stdout}\n{done.stderr}")


def _read_env(path: Path) -> dict:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


def _up_after_all(probe: "Stack", state: Path) -> bool:
    """prod_local.sh gives /readyz 10 s after starting nginx; on a loaded machine the app servers can take longer."""
    import urllib.request

    if probe.run("status", check=False).returncode != 0 or not (state / "env").exists():
        return False
    url = _read_env(state / "env")["PROD_LOCAL_URL"] + "/readyz"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def _stack_script() -> Path:
    return Path(os.environ.get("FAULTS_STACK_SCRIPT", ROOT / "scripts" / "prod_local.sh")).resolve()


@pytest.fixture(scope="session")
def stack():
    script = _stack_script()
    if not script.exists():
        pytest.skip(f"{script} is not on this branch: the drills need the prod-local topology")
    if os.geteuid() != 0:
        pytest.skip("the drills need root (prod_local.sh runs PostgreSQL with runuser)")
    root = script.parent.parent
    state = Path(os.environ.get("PROD_LOCAL_DIR", root / "var" / "prod-local"))
    probe = Stack(script=script, root=root, env={}, started_here=False)
    was_up = probe.run("status", check=False).returncode == 0
    began = time.monotonic()
    done = probe.run("start", check=False, timeout=3600)
    if done.returncode and not _up_after_all(probe, state):
        pytest.fail(f"prod_local.sh start failed:\n{done.stdout}\n{done.stderr}")
    stack = Stack(
        script=script,
        root=root,
        env=_read_env(state / "env"),
        started_here=not was_up,
    )
    stack.timings["start_s"] = round(time.monotonic() - began, 1)
    yield stack
    if stack.started_here and not os.environ.get("FAULTS_KEEP_STACK"):
        stack.run("stop", check=False)


def wait_for(what: str, check, *, timeout: float, every: float = 0.25):
    """Poll until check() returns something truthy; fail with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
