"""The deployment files: the nginx template renders completely, and production settings refuse unsafe setups."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _renderer():
    spec = importlib.util.spec_from_file_location("render_nginx", DEPLOY / "render_nginx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nginx_site_renders_every_placeholder():
    site = _renderer().render_site(
        upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
        listen="443 ssl",
        server_name="doorstep.example.org",
        proto="https",
        static_root="/srv/doorstep/static/",
    )
    assert "@" not in site.replace("@@", "")
    assert "server 127.0.0.1:8001 max_fails=1" in site
    assert "server 127.0.0.1:8002 max_fails=1" in site
    assert "client_max_body_size 60m;" in site
    assert "alias /srv/doorstep/static/;" in site
    assert "proxy_set_header X-Forwarded-Proto https;" in site
    # Retrying on another app server only for idempotent requests: a POST is never sent twice.
    retry = [line.strip() for line in site.splitlines() if line.strip().startswith("proxy_next_upstream ")]
    assert retry == ["proxy_next_upstream error timeout http_502 http_503 http_504;"]
    for code in ("413", "502", "504"):
        assert f"/_errors/{code}.html" in site


def test_a_missing_value_is_an_error_not_a_broken_config():
    r = _renderer()
    with pytest.raises(KeyError, match="LISTEN"):
        r.render("listen @LISTEN@;", {})
    with pytest.raises(ValueError, match="upstream"):
        r.render_site(upstreams=[])


def test_error_pages_speak_chinese_and_english():
    for code, zh, en in (
        ("413", "太大", "too large"),
        ("502", "暂时无法访问", "unavailable"),
        ("504", "超时", "too long"),
    ):
        page = (DEPLOY / "nginx" / "errors" / f"{code}.html").read_text(encoding="utf-8")
        assert zh in page and en in page, code


def _render_into(root: Path, upstreams: list[str], listen: str) -> Path:
    """prod-local's nginx.conf and the site under `root` (all paths inside it); returns nginx.conf."""
    r = _renderer()
    site = r.render_site(
        upstreams=upstreams,
        listen=listen,
        static_root=str(root),
        media_root=str(root),
        access_log=str(root / "access.log"),
        error_log=str(root / "error.log"),
        cache_root=str(root / "cache"),
    )
    (root / "doorstep.conf").write_text(site, encoding="utf-8")
    main = r.render_main(
        prefix=str(root),
        site_conf=str(root / "doorstep.conf"),
        pid_file=str(root / "nginx.pid"),
        error_log=str(root / "error.log"),
        mime_types="/etc/nginx/mime.types",
    )
    (root / "nginx.conf").write_text(main, encoding="utf-8")
    return root / "nginx.conf"


@pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="nginx not installed"
)
def test_rendered_configuration_passes_nginx_t(tmp_path):
    (tmp_path / "tmp").mkdir()
    _render_into(tmp_path, ["127.0.0.1:8101", "127.0.0.1:8102"], "127.0.0.1:18080")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(  # noqa: S603 - fixed binary, generated file
        [
            nginx,
            "-t",
            "-q",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "DOORSTEP_SECRET_KEY": "x" * 60,
    "DOORSTEP_FIELD_KEYS": "v1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "DOORSTEP_INDEX_KEY": "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
    "DATABASE_URL": "postgres://doorstep@127.0.0.1:5432/doorstep",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DOORSTEP_ALLOWED_HOSTS": "doorstep.example.org",
}
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.SESSION_COOKIE_SECURE, s.SESSION_ENGINE)"
)


def _prod(probe: str = PROBE, **overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DOORSTEP_", "DJANGO_", "REDIS_", "DATABASE_"))
    }
    env.update(PROD_ENV)
    env.update(overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_shares_its_cache_and_sessions_through_redis():
    result = _prod()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "core.redis_cache.RedisCache",
        "True",
        "django.contrib.sessions.backends.cached_db",
    ]


def test_production_without_redis_refuses_to_start():
    result = _prod(REDIS_URL=None)
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_insecure_loopback_cookies_only_on_loopback_hosts():
    relaxed = _prod(DOORSTEP_INSECURE_LOOPBACK="1", DOORSTEP_ALLOWED_HOSTS="127.0.0.1,localhost")
    assert relaxed.returncode == 0, relaxed.stderr
    assert relaxed.stdout.split()[1] == "False"
    refused = _prod(DOORSTEP_INSECURE_LOOPBACK="1")
    assert refused.returncode != 0
    assert "loopback" in refused.stderr


def test_production_connections_plan_without_parallel_workers():
    """A parallel sequential scan of the households costs the scoped pages (worklist, coverage) ~10x
    their index plan and takes cores from the app servers (docs/bench/load.md): off unless asked for."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['options'])"
    )
    default = _prod(probe)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "-c max_parallel_workers_per_gather=0"
    chosen = _prod(probe, DOORSTEP_PG_PARALLEL_WORKERS="2")
    assert chosen.stdout.strip() == "-c max_parallel_workers_per_gather=2"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="nginx not installed"
)
def test_nginx_keeps_only_public_answers_and_never_for_sessions():
    """The rendered site in front of a stand-in app: what is marked public is answered by nginx, nothing
    else is stored, and a session cookie or credentials always reach the app."""
    import tempfile
    import threading
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: dict[str, int] = {}

    class App(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits[self.path] = hits.get(self.path, 0) + 1
            if self.path == "/slow":
                time.sleep(0.5)
            self.send_response(200)
            if self.path.startswith("/public"):
                self.send_header("Cache-Control", "public, max-age=60")
                self.send_header("Vary", "Accept-Language")
            if self.path == "/public-with-cookie":
                self.send_header("Set-Cookie", "csrftoken=abc; Path=/")
            body = f"{self.path} {hits[self.path]}".encode()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    app = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    # nginx's workers run as nobody when started by root: everything they touch must be theirs to use.
    root = Path(tempfile.mkdtemp(prefix="doorstep-nginx-"))
    root.chmod(0o777)
    (root / "tmp").mkdir(mode=0o777)
    port = _free_port()
    conf = _render_into(root, [f"127.0.0.1:{app.server_address[1]}"], f"127.0.0.1:{port}")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    args = [nginx, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]
    subprocess.run(args, check=True, capture_output=True)  # noqa: S603 - fixed binary, generated file

    def get(path: str, **headers) -> tuple[str, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.read().decode(), response.headers.get("X-Cache-Status", "")

    try:
        for _ in range(50):  # nginx is up once it answers
            try:
                get("/ping")
                break
            except OSError:
                time.sleep(0.1)
        assert get("/public") == ("/public 1", "MISS")
        assert get("/public") == ("/public 1", "HIT")
        assert get("/public", Cookie="sessionid=abc")[0] == "/public 2"
        assert get("/public", Authorization="Bearer t")[0] == "/public 3"
        assert get("/public", Cookie="django_language=en")[0] == "/public 4"  # per language
        assert get("/public", **{"Accept-Language": "en"})[0] == "/public 5"  # and per Vary
        assert get("/public") == ("/public 1", "HIT")
        assert [get("/private")[0] for _ in range(2)] == ["/private 1", "/private 2"]
        assert [get("/public-with-cookie")[0] for _ in range(2)] == [
            "/public-with-cookie 1",
            "/public-with-cookie 2",
        ]
        # Answers that are not stored are not queued behind one another either (no cache lock).
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            assert len(list(pool.map(lambda _: get("/slow"), range(4)))) == 4
        assert time.monotonic() - started < 1.5  # four in parallel: ~0.5 s; one after another: 2 s
    finally:
        subprocess.run([*args, "-s", "stop"], check=False, capture_output=True)  # noqa: S603
        app.shutdown()
        shutil.rmtree(root, ignore_errors=True)
