"""Anonymous portal pages under load: gunicorn (2 workers) on loopback, wrk with 50 connections, cache on.

Run:  .venv/bin/python bench/portal_load.py [--duration 15] [--db /tmp/portal-bench.sqlite3]
Needs `wrk` (Debian: apt-get install wrk). Builds the small demo county into the database file the
first time. Prints a Markdown table (p50/p95/p99 latency, requests/s) and the page weights of the home
and an article page (HTML + CSS, without images), for docs/bench/portal.md.
"""

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PORT = 8011


def sh(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--db", default="/tmp/portal-bench.sqlite3")  # noqa: S108
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class: sync (no keep-alive) or gthread (keep-alive)",
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="bench.portal_settings", DATABASE_URL=f"sqlite:///{args.db}"
    )
    env["PYTHONPATH"] = str(ROOT)
    if not Path(args.db).exists():
        sh([BIN / "python", "manage.py", "migrate", "-v0"], env)
        sh([BIN / "python", "manage.py", "demo_data", "--scale", "small"], env, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(  # noqa: S603
        [
            BIN / "gunicorn",
            "config.wsgi",
            "-w",
            "2",
            "-k",
            args.worker_class,
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                home = fetch(base + "/")
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not answer")
        article_path = re.search(rb'href="(/notices/[\w-]+/)"', home).group(1).decode()
        css = (ROOT / "portal/static/portal/portal.css").read_bytes()
        pages = {"home": "/", "article": article_path}
        rows = []
        for name, path in pages.items():
            for _ in range(10):  # warm both workers' caches
                fetch(base + path)
            out = subprocess.run(  # noqa: S603
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "-s",
                    str(ROOT / "bench/portal_wrk.lua"),
                    base + path,
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
            html = fetch(base + path)
            rows.append((name, path, figures, len(html), len(gzip.compress(html)), len(css)))
        print(
            "| page | path | p50 ms | p95 ms | p99 ms | req/s | requests | errors | HTML bytes (gzip) | + CSS bytes |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, path, f, size, gz, css_size in rows:
            print(
                f"| {name} | {path} | {f['p50']} | {f['p95']} | {f['p99']} | {f['rps']} | {f['requests']} | {f['errors']} "
                f"| {size} ({gz}) | {css_size} |"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
