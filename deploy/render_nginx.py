#!/usr/bin/env python3
"""Render deploy/nginx/doorstep.conf.template (and prod-local's nginx.conf) by replacing the upper-case placeholders between at-signs.

    python3 deploy/render_nginx.py --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \
        --server-name doorstep.example.org --listen "443 ssl http2" --proto https \
        --static-root /srv/doorstep/static --media-root /srv/doorstep/media \
        > /etc/nginx/sites-available/doorstep

Standard library only, so it runs before any virtualenv exists. A placeholder left unfilled is an error.
"""

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE_TEMPLATE = HERE / "nginx" / "doorstep.conf.template"
MAIN_TEMPLATE = HERE / "nginx" / "prod-local.nginx.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def render(template: str, values: dict[str, str]) -> str:
    """Replace every @NAME@ by values[NAME]; a missing value raises KeyError naming it."""
    missing = sorted({m for m in PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise KeyError(f"no value for placeholder(s): {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def site_values(
    *,
    upstreams: list[str],
    listen: str = "80",
    server_name: str = "_",
    proto: str = "$scheme",
    static_root: str = "/srv/doorstep/static",
    media_root: str = "/srv/doorstep/media",
    errors_root: str = str(HERE / "nginx" / "errors"),
    access_log: str = "/var/log/nginx/doorstep.access.log",
    error_log: str = "/var/log/nginx/doorstep.error.log",
    client_max_body_size: str = "60m",
    cache_root: str = "/var/cache/nginx/doorstep",
) -> dict[str, str]:
    if not upstreams:
        raise ValueError("at least one app server (--upstream) is needed")
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    return {
        "UPSTREAM_SERVERS": servers,
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "FORWARDED_PROTO": proto,
        "STATIC_ROOT": static_root.rstrip("/"),
        "MEDIA_ROOT": media_root.rstrip("/"),
        "ERRORS_ROOT": errors_root.rstrip("/"),
        "ACCESS_LOG": access_log,
        "ERROR_LOG": error_log,
        "CLIENT_MAX_BODY_SIZE": client_max_body_size,
        "CACHE_ROOT": cache_root.rstrip("/"),
    }


def render_site(**kwargs) -> str:
    return render(SITE_TEMPLATE.read_text(encoding="utf-8"), site_values(**kwargs))


def render_main(*, prefix: str, site_conf: str, pid_file: str, error_log: str, mime_types: str) -> str:
    values = {
        "PREFIX": prefix.rstrip("/"),
        "SITE_CONF": site_conf,
        "PID_FILE": pid_file,
        "ERROR_LOG": error_log,
        "MIME_TYPES": mime_types,
    }
    return render(MAIN_TEMPLATE.read_text(encoding="utf-8"), values)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--upstream", action="append", required=True, help="host:port or unix:/path of an app server"
    )
    p.add_argument("--listen", default="80")
    p.add_argument("--server-name", default="_")
    p.add_argument("--proto", default="$scheme", help="X-Forwarded-Proto sent to the app ($scheme or https)")
    p.add_argument("--static-root", default="/srv/doorstep/static")
    p.add_argument("--media-root", default="/srv/doorstep/media")
    p.add_argument("--errors-root", default=str(HERE / "nginx" / "errors"))
    p.add_argument("--access-log", default="/var/log/nginx/doorstep.access.log")
    p.add_argument("--error-log", default="/var/log/nginx/doorstep.error.log")
    p.add_argument("--client-max-body-size", default="60m")
    p.add_argument(
        "--cache-root", default="/var/cache/nginx/doorstep", help="nginx's store of public answers"
    )
    p.add_argument(
        "--main", metavar="PREFIX", help="also write PREFIX/nginx.conf (prod-local) including the site"
    )
    p.add_argument("--mime-types", default="/etc/nginx/mime.types")
    p.add_argument("-o", "--output", help="site file to write (default: stdout)")
    a = p.parse_args(argv)
    site = render_site(
        upstreams=a.upstream,
        listen=a.listen,
        server_name=a.server_name,
        proto=a.proto,
        static_root=a.static_root,
        media_root=a.media_root,
        errors_root=a.errors_root,
        access_log=a.access_log,
        error_log=a.error_log,
        client_max_body_size=a.client_max_body_size,
        cache_root=a.cache_root,
    )
    if a.output:
        Path(a.output).write_text(site, encoding="utf-8")
    else:
        sys.stdout.write(site)
    if a.main:
        prefix = Path(a.main).resolve()
        site_path = Path(a.output).resolve() if a.output else prefix / "doorstep.conf"
        if not a.output:
            site_path.write_text(site, encoding="utf-8")
        (prefix / "nginx.conf").write_text(
            render_main(
                prefix=str(prefix),
                site_conf=str(site_path),
                pid_file=str(prefix / "nginx.pid"),
                error_log=str(prefix / "error.log"),
                mime_types=a.mime_types,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
