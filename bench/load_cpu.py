"""CPU time per request of the prod-local stack while a load runs: robust to other work on the machine.

    python3 bench/load_cpu.py var/prod-local-county 60     # sample 60 s while `make load` runs

Counts the CPU time (user + system, from /proc) of this stack's own processes only — the gunicorn
masters and workers (descendants of run/app1.pid and run/app2.pid), the PostgreSQL cluster
(descendants of its postmaster), nginx, Redis, Locust — over the window, and the requests nginx
answered in it (lines added to logs/nginx-access.log), and prints the milliseconds of CPU each
part spends per request. Throughput on a shared 2-core machine depends on what else runs;
these figures much less so (docs/bench/load.md).
"""

import os
import sys
import time
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")


def _procs() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (ppid, cmdline, cpu ticks, cpu ticks of its exited children)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(name)] = (
            int(fields[1]),
            cmd,
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return out


def _descendants(procs, root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, *_rest) in procs.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _groups(state: Path, procs) -> dict[str, set[int]]:
    run = state / "run"
    groups: dict[str, set[int]] = {}
    for name, pidfile in (
        ("gunicorn", run / "app1.pid"),
        ("gunicorn", run / "app2.pid"),
        ("nginx", run / "nginx.pid"),
        ("redis", run / "redis.pid"),
        ("worker", run / "worker.pid"),
    ):
        pid = _pid(pidfile)
        if pid:
            groups.setdefault(name, set()).update(_descendants(procs, pid))
    pgdata = (
        Path((state / "pgdata.path").read_text().strip())
        if (state / "pgdata.path").exists()
        else state / "pg"
    )
    postmaster = _pid(pgdata / "postmaster.pid")
    if postmaster:
        groups["postgres"] = _descendants(procs, postmaster)
    groups["locust"] = {pid for pid, (_p, cmd, *_t) in procs.items() if ".venv-load/bin/locust" in cmd}
    return groups


def main() -> None:
    state = Path(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    log = state / "logs" / "nginx-access.log"
    before = _procs()
    lines0 = sum(1 for _ in log.open("rb"))
    t0 = time.monotonic()
    time.sleep(seconds)
    after = _procs()
    lines1 = sum(1 for _ in log.open("rb"))
    elapsed = time.monotonic() - t0
    requests = lines1 - lines0
    groups, earlier = _groups(state, after), _groups(state, before)
    print(f"window {elapsed:.0f} s, {requests} requests ({requests / elapsed:.1f}/s)")
    total = 0.0
    for name, pids in groups.items():
        # Live processes: their own CPU in the window. Processes that ended in it (PostgreSQL backends
        # of connections closed after DOORSTEP_CONN_MAX_AGE, recycled gunicorn workers) are in their
        # parent's children time, whole lives included: less what they had spent before the window.
        ticks = sum(after[p][2] - (before[p][2] if p in before else 0) for p in pids if p in after)
        ticks += sum(after[p][3] - (before[p][3] if p in before else 0) for p in pids if p in after)
        ticks -= sum(before[p][2] for p in earlier.get(name, set()) if p in before and p not in after)
        cpu = ticks / HZ
        total += cpu
        per = 1000 * cpu / requests if requests else float("nan")
        print(f"  {name:9} {100 * cpu / elapsed:6.1f} % of a core   {per:6.2f} ms CPU per request")
    print(
        f"  {'stack':9} {100 * total / elapsed:6.1f} % of a core   {1000 * total / max(requests, 1):6.2f} ms CPU per request"
    )


if __name__ == "__main__":
    main()
