"""Fault drills: break one part of the running stack, then check what people see and that nothing was lost.

Run with `make faults` (docs/faults.md). Each drill ends with `journal_verify` and a count check.
"""

import contextlib
import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from faults.conftest import wait_for

pytestmark = pytest.mark.faults

LEDGER_ROWS = int(os.environ.get("FAULTS_LEDGER_ROWS", "20000"))
TIMINGS: dict[str, dict] = {}


def _record(name: str, **figures) -> None:
    """Figures for docs/faults.md, kept per drill across runs (a run of one drill keeps the others')."""
    out = Path(os.environ.get("FAULTS_RESULTS", "var/faults-results.json"))
    if not TIMINGS and out.exists():
        TIMINGS.update(json.loads(out.read_text()))
    if name not in TIMINGS or not TIMINGS[name].get("_this_run"):
        TIMINGS[name] = {"_this_run": True}
    TIMINGS[name].update(figures, load_average=round(os.getloadavg()[0], 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = {k: {f: v for f, v in d.items() if f != "_this_run"} for k, d in TIMINGS.items()}
    out.write_text(json.dumps(saved, indent=2, ensure_ascii=False))


# ------------------------------------------------------------------ helpers


def _get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _kill_group(pid: int) -> None:
    """SIGKILL a server and everything in its process group (gunicorn's master and its workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(os.getpgid(pid), signal.SIGKILL)


def _pid_gone(pid: int) -> bool:
    """Gone from the process table, not merely a zombie (prod_local.sh's `kill -0` still sees a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def ledger_file(tmp_path) -> Path:
    """A fresh ledger (new people each run) big enough that its import runs for seconds."""
    import random

    from registry.tests import ledgers

    rows = ledgers.households(
        LEDGER_ROWS * 2 // 5,
        seed=random.randrange(1 << 30),
        start=random.randrange(10**6),
    )
    out = tmp_path / f"drill-{len(rows)}.xlsx"
    out.write_bytes(ledgers.to_xlsx(ledgers.Ledger(rows=rows)))
    return out


@pytest.fixture(scope="module")
def villages(stack) -> list[str]:
    """Villages of the demo county to import into (a village import puts every row in that village)."""
    return [
        r[0]
        for r in stack.sql(
            "SELECT code FROM territory_adminunit WHERE level = 'village' ORDER BY code LIMIT 2"
        )
    ]


def _start_import(stack, path: Path, unit_code: str) -> int:
    """Upload and confirm as the web page does; the stack's worker picks it up."""
    code = (
        "from pathlib import Path\n"
        "from registry.ledger import services\n"
        "from territory.models import AdminUnit\n"
        f"unit = AdminUnit.objects.get(code={unit_code!r})\n"
        f"p = Path({str(path)!r})\n"
        "li = services.ledger_upload(actor=None, unit=unit, content=p.read_bytes(), filename=p.name)\n"
        "li = services.ledger_confirm(actor=None, ledger_import=li)\n"
        "print('IMPORT', li.pk)\n"
    )
    out = stack.manage("shell", "-c", code)
    return int(re.search(r"IMPORT (\d+)", out).group(1))


def _rerun(stack, import_id: int) -> None:
    code = (
        "from registry.ledger import services\n"
        "from registry.models import LedgerImport\n"
        f"services.ledger_confirm(actor=None, ledger_import=LedgerImport.objects.get(pk={import_id}))\n"
    )
    stack.manage("shell", "-c", code)


def _import_state(stack, import_id: int) -> tuple[str, str, int]:
    status, error, created = stack.sql(
        "SELECT status, error, created_count FROM registry_ledgerimport WHERE id = %s", import_id
    )[0]
    return status, error, created


def _progress(stack, import_id: int) -> dict:
    path = Path(stack.env["DOORSTEP_VAR_DIR"]) / "private" / "ledgers" / f"{import_id}.progress.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _finished(stack, import_id: int):
    status, error, created = _import_state(stack, import_id)
    return (status, error, created) if status in {"done", "failed"} else None


# ------------------------------------------------------------------ (a) an app server dies mid-request


def test_killing_one_app_server_leaves_the_other_serving(stack):
    stack.ensure_up()
    before, entries = stack.counts(), stack.journal_entries()
    urls = [
        f"{stack.url}/",
        f"{stack.url}/readyz",
        f"{stack.url}/open311/v2/services.json",
        f"{stack.url}/accounts/login/",
    ]
    assert all(_get(u) == 200 for u in urls)
    results: list[tuple[float, int]] = []
    stop = threading.Event()

    def hammer(offset: int) -> None:
        i = offset
        while not stop.is_set():
            began = time.monotonic()
            results.append((began, _get(urls[i % len(urls)])))
            i += 1

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(3)
    victim = stack.pid("app1")
    killed_at = time.monotonic()
    _kill_group(victim)
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    failures = [(t, code) for t, code in results if code != 200]
    after_kill = [(t, code) for t, code in results if t > killed_at + 1]
    _record(
        "a_kill_app_server",
        requests=len(results),
        failed=len(failures),
        requests_after_kill=len(after_kill),
        failed_after_kill=sum(1 for _t, c in after_kill if c != 200),
    )
    # Only requests in flight on the dead server may fail (6 clients: at most 6); nginx retries GETs.
    assert len(failures) <= len(threads), failures
    assert after_kill and all(code == 200 for _t, code in after_kill), after_kill
    wait_for("app1 to be gone", lambda: _pid_gone(victim), timeout=30)
    began = time.monotonic()
    stack.ensure_up()  # brings app1 back
    _record("a_kill_app_server", restart_s=round(time.monotonic() - began, 1))
    assert stack.pid("app1") != victim and all(_get(u) == 200 for u in urls)
    stack.journal_verify(at_least=entries)
    assert stack.counts() == before


# ------------------------------------------------------------------ (b) PostgreSQL restarts during an import


def test_postgres_restart_during_an_import_fails_it_cleanly_and_it_reruns(stack, ledger_file, villages):
    stack.ensure_up()
    before = stack.counts()
    import_id = _start_import(stack, ledger_file, villages[0])
    entries = stack.journal_entries()  # with the upload's and confirmation's own entries
    wait_for(
        "the import to start writing",
        lambda: _progress(stack, import_id).get("phase") in {"checking", "writing"},
        timeout=300,
    )
    wait_for(
        "the import to start writing",
        lambda: _progress(stack, import_id).get("phase") == "writing",
        timeout=300,
        every=0.05,
    )
    began = time.monotonic()
    stack.restart_postgres()
    restart_s = round(time.monotonic() - began, 1)
    status, error, _created = wait_for(
        "the import to finish", lambda: _finished(stack, import_id), timeout=300
    )
    _record("b_restart_postgres", postgres_restart_s=restart_s, status_after=status, error=error[:200])
    assert status == "failed" and error, (status, error)
    assert stack.counts() == before  # no half-written rows: the registry is as it was
    stack.journal_verify(at_least=entries)
    stack.ensure_up()  # the worker may have died with its connection; bring everything up
    began = time.monotonic()
    _rerun(stack, import_id)
    status, error, created = wait_for(
        "the re-run to finish", lambda: _finished(stack, import_id), timeout=900
    )
    _record(
        "b_restart_postgres", rerun_s=round(time.monotonic() - began, 1), rerun_status=status, created=created
    )
    assert status == "done", error
    after = stack.counts()
    assert after["people"] == before["people"] + created
    assert after["ledger_imports_done"] == before["ledger_imports_done"] + 1
    stack.journal_verify(at_least=entries + 2)  # confirmed again, imported


# ------------------------------------------------------------------ (c) the worker is killed mid-task


def test_killing_the_worker_mid_import_reports_it_failed_and_it_reruns(stack, ledger_file, villages):
    stack.ensure_up()
    before = stack.counts()
    import_id = _start_import(stack, ledger_file, villages[1])
    entries = stack.journal_entries()
    wait_for(
        "the import to run",
        lambda: _progress(stack, import_id).get("phase") in {"checking", "writing"},
        timeout=300,
    )
    worker = stack.pid("worker")
    os.kill(worker, signal.SIGKILL)
    wait_for("the worker to die", lambda: _pid_gone(worker), timeout=30)
    assert _import_state(stack, import_id)[0] == "running"  # what django-tasks alone would leave forever
    began = time.monotonic()
    stack.ensure_up()  # a new worker: it reaps the task its predecessor left running
    status, error, _created = wait_for(
        "the import to be reported failed", lambda: _finished(stack, import_id), timeout=120
    )
    _record(
        "c_kill_worker",
        detected_after_restart_s=round(time.monotonic() - began, 1),
        status=status,
        error=error[:200],
    )
    assert status == "failed" and error.startswith("[worker-lost]"), (status, error)
    task = stack.sql(
        "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult WHERE args_kwargs->'args'->>0 = %s "
        "AND task_path = 'registry.tasks.run_ledger_import' ORDER BY enqueued_at DESC LIMIT 1",
        str(import_id),
    )[0]
    assert task == ("FAILED", "core.jobs.WorkerLost")
    assert stack.counts() == before
    stack.journal_verify(at_least=entries)
    began = time.monotonic()
    _rerun(stack, import_id)
    status, error, created = wait_for(
        "the re-run to finish", lambda: _finished(stack, import_id), timeout=900
    )
    _record("c_kill_worker", rerun_s=round(time.monotonic() - began, 1), rerun_status=status)
    assert status == "done", error
    assert stack.counts()["people"] == before["people"] + created
    stack.journal_verify(at_least=entries + 2)


# ------------------------------------------------------------------ (d) the upload size limit


def _login(stack, username: str = "village"):
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{stack.url}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": "doorstep-demo"}
    ).encode()
    request = urllib.request.Request(
        f"{stack.url}/accounts/login/", data=body, headers={"Referer": f"{stack.url}/accounts/login/"}
    )
    opener.open(request, timeout=30).read()
    return opener


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----doorstepfaults7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    return b"".join(parts) + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def _post_file(opener, url: str, fields: dict, size: int) -> tuple[int, str]:
    body, boundary = _multipart(fields, "大台账.xlsx", b"x" * size)
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": url}
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def test_upload_limit_is_a_clear_refusal_and_nothing_is_saved(stack):
    stack.ensure_up()
    limit_mb = int(stack.env.get("DOORSTEP_MAX_UPLOAD_MB", "50"))
    before, entries = stack.counts(), stack.journal_entries()
    imports_before = stack.sql("SELECT count(*) FROM registry_ledgerimport")[0][0]
    stored = Path(stack.env["DOORSTEP_VAR_DIR"]) / "private" / "ledgers"
    files_before = set(stored.glob("*")) if stored.exists() else set()
    opener = _login(stack)
    url = f"{stack.url}/work/registry/ledgers/"
    page = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    unit = re.search(r'<option value="([^"]+)"', page).group(1)
    fields = {"csrfmiddlewaretoken": token, "unit": unit}
    # just over Django's limit, under nginx's client_max_body_size: the form says so, in words
    began = time.monotonic()
    status, body = _post_file(opener, url, fields, limit_mb * 1024 * 1024 + 512 * 1024)
    django_s = round(time.monotonic() - began, 1)
    assert status == 200 and f"超过了{limit_mb}MB的上限" in body, (status, body[:500])
    # far over: nginx refuses it at the door with 413 before any app server reads it
    began = time.monotonic()
    status_far, body_far = _post_file(opener, url, fields, (limit_mb + 40) * 1024 * 1024)
    nginx_s = round(time.monotonic() - began, 1)
    _record(
        "d_upload_limit",
        limit_mb=limit_mb,
        django_refusal_s=django_s,
        nginx_status=status_far,
        nginx_refusal_s=nginx_s,
    )
    assert status_far == 413 and "上传的文件太大" in body_far, (status_far, body_far[:300])
    assert stack.sql("SELECT count(*) FROM registry_ledgerimport")[0][0] == imports_before
    assert (set(stored.glob("*")) if stored.exists() else set()) == files_before
    # and a small file still goes through
    status, _body = _post_file(opener, url, fields, 10)
    assert status == 200  # a 10-byte "ledger" is refused as unreadable, by the same page
    stack.journal_verify(at_least=entries)
    assert stack.counts() == before
