"""Benchmarks for the fair record (docs/bench/journal.md).

1. Verifying a journal of N entries (default 1,000,000) with doorstep_verify: the hash chain, every
   entry's content commitment and the RFC 6962 root of a signed checkpoint. Entries are generated
   directly (not through Django) and the generation is not timed.
2. The journal's added cost per business write: registry.services.household_create timed with its
   journal entry and, interleaved in the same run, with journal.record replaced by a no-op.

  .venv/bin/python bench/journal_verify.py [--entries 1000000] [--writes 400] [--db-url URL]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doorstep_verify.chain import GENESIS, data_hash, entry_hash, verify_log  # noqa: E402
from doorstep_verify.merkle import MerkleTree  # noqa: E402
from doorstep_verify.note import Checkpoint, NoteSigner, parse_checkpoint, sign_note  # noqa: E402

ACTIONS = [
    "registry.person.updated",
    "visits.visit.recorded",
    "demands.demand.decided",
    "registry.person.pii_viewed",
]


def generate(n: int) -> list[dict]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = {
            "seq": i,
            "created_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 60:02d}.{i % 1000000:06d}Z",
            "actor_id": 1 + i % 2000,
            "actor_label": f"cadre{i % 2000}",
            "action": ACTIONS[i % 4],
            "target_type": "registry.household",
            "target_id": str(i % 100000),
            "target_label": f"户{i % 100000}",
            "data": {"changed": {"occupancy": ["resident", "away"]}, "n": i},
            "prev_hash": prev,
        }
        e["data_hash"] = data_hash(e["data"])
        e["entry_hash"] = entry_hash(e)
        prev = e["entry_hash"]
        entries.append(e)
    return entries


def bench_verify(n: int, workers: int) -> dict:
    t0 = time.perf_counter()
    entries = generate(n)
    generated = time.perf_counter() - t0
    signer = NoteSigner.generate("bench/journal")
    root = MerkleTree.from_entry_hashes(e["entry_hash"] for e in entries).root()
    note = sign_note(Checkpoint.body("bench/journal", n, root), signer)
    t0, c0 = time.perf_counter(), time.process_time()
    checkpoint = parse_checkpoint(note)
    assert checkpoint.note.verified_by([signer.verifier])
    problem = verify_log(entries, [(checkpoint.size, checkpoint.root)], workers=workers)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert problem is None, problem
    entries[n // 2]["data"]["n"] = -1  # one edit in the middle must be found
    t1 = time.perf_counter()
    found = verify_log(entries, [(checkpoint.size, checkpoint.root)], workers=workers)
    tampered = time.perf_counter() - t1
    assert found is not None and found.seq == n // 2 + 1, found
    return {
        "entries": n,
        "generate_s": generated,
        "verify_s": elapsed,
        "verify_cpu_s": cpu,
        "tampered_s": tampered,
        "found": str(found),
    }


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_writes(writes: int, db_url: str | None) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    tmp = None
    if not db_url:
        tmp = tempfile.mkdtemp(prefix="journal-bench-")
        db_url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DATABASE_URL"] = db_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from core.testing import build_tree
    from registry import services as registry_services
    from territory.models import AdminUnit

    village = AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE).first() or build_tree().village_a1
    real_record = registry_services.journal.record

    def no_journal(**kwargs):
        return None

    timings = {"with": [], "without": []}
    for i in range(writes * 2 + 20):
        mode = "with" if i % 2 == 0 else "without"
        registry_services.journal.record = real_record if mode == "with" else no_journal
        t0 = time.perf_counter()
        registry_services.household_create(actor=None, village=village, address=f"测试{i}号")
        elapsed = time.perf_counter() - t0
        if i >= 20:  # warm-up
            timings[mode].append(elapsed * 1000)
    registry_services.journal.record = real_record
    result = {"vendor": connection.vendor, "writes": writes}
    for mode, values in timings.items():
        result[f"{mode}_median_ms"] = statistics.median(values)
        result[f"{mode}_p95_ms"] = _pct(values, 95)
    result["added_median_ms"] = result["with_median_ms"] - result["without_median_ms"]
    result["added_p95_ms"] = result["with_p95_ms"] - result["without_p95_ms"]
    result["ratio_median"] = result["with_median_ms"] / result["without_median_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--db-url", default=None, help="default: a fresh SQLite file (WAL) in /tmp")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes for the hash checks (0: one per CPU)"
    )
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--skip-writes", action="store_true")
    args = parser.parse_args()
    if not args.skip_verify:
        v = bench_verify(args.entries, args.workers)
        print(
            f"verify (workers={args.workers}): {v['entries']:,} entries in {v['verify_s']:.2f} s wall, {v['verify_cpu_s']:.2f} s CPU "
            f"({v['entries'] / v['verify_s']:,.0f}/s; generation {v['generate_s']:.1f} s untimed); "
            f"tampered copy: {v['tampered_s']:.2f} s -> {v['found']}"
        )
    if not args.skip_writes:
        w = bench_writes(args.writes, args.db_url)
        print(
            f"writes ({w['vendor']}, {w['writes']} each, interleaved): "
            f"with journal median {w['with_median_ms']:.2f} ms p95 {w['with_p95_ms']:.2f} ms; "
            f"without median {w['without_median_ms']:.2f} ms p95 {w['without_p95_ms']:.2f} ms; "
            f"added median {w['added_median_ms']:.2f} ms p95 {w['added_p95_ms']:.2f} ms "
            f"(x{w['ratio_median']:.2f})"
        )


if __name__ == "__main__":
    main()
