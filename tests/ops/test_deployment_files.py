"""The production stack as written (issue 6, Production): docker-compose.yml
and the nginx configuration, checked by reading them (there is no Docker
engine in CI); ``nginx -t`` when nginx happens to be installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from services.forms import MAX_SCAN_BYTES
from services.uploads import max_bytes

ROOT = Path(settings.BASE_DIR)
NGINX_CONF = ROOT / "deploy" / "nginx" / "portal.conf"
LONG_RUNNING = {"postgres", "redis", "web", "worker", "beat", "proxy"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command(service: dict[str, Any]) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else str(value)


def test_the_stack_has_the_proxy_the_portal_its_worker_and_beat_the_database_and_the_broker(
    services: dict[str, dict[str, Any]],
) -> None:
    assert LONG_RUNNING | {"migrate"} == set(services)
    assert "gunicorn config.wsgi:application" in command(services["web"])
    assert "celery -A config worker" in command(services["worker"])
    assert "celery -A config beat" in command(services["beat"])
    assert services["proxy"]["image"].startswith("nginx:")


def test_every_long_running_service_has_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    for name in LONG_RUNNING:
        assert "test" in services[name].get("healthcheck", {}), name
    assert "/health/ready/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "celery -A config inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_only_the_proxy_publishes_ports_so_web_can_be_scaled(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}

    assert published == {"proxy"}
    assert "container_name" not in services["web"]
    assert services["web"]["expose"] == ["8000"]


def test_beat_runs_exactly_once(services: dict[str, dict[str, Any]]) -> None:
    assert services["beat"]["deploy"]["replicas"] == 1


def test_migrations_run_once_before_web_and_workers_start(services: dict[str, dict[str, Any]]) -> None:
    assert "manage.py migrate" in command(services["migrate"])
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert "migrate" not in command(services[name]), name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_mounts_the_nginx_config_the_certificates_and_the_static_files(
    services: dict[str, dict[str, Any]],
) -> None:
    volumes = services["proxy"]["volumes"]

    assert "./deploy/nginx/portal.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert "./deploy/tls:/etc/nginx/tls:ro" in volumes
    assert "static:/srv/static:ro" in volumes
    assert NGINX_CONF.is_file()


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_passes_the_client_address_and_scheme_and_takes_the_portals_uploads() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")

    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header Host $host;" in conf
    body = re.search(r"client_max_body_size (\w+);", conf)
    assert body is not None
    assert _size(body.group(1)) >= 5 * max(max_bytes(), MAX_SCAN_BYTES)
    assert "ssl_certificate /etc/nginx/tls/fullchain.pem;" in conf
    assert re.search(r"server web:8000 resolve", conf)
    assert re.search(r"proxy_read_timeout (\d+)s;", conf)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx")
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx is not installed here; the configuration is checked by reading it")
    tls = tmp_path / "tls"
    tls.mkdir()
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=portal.test",
         "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "static").mkdir()
    site = NGINX_CONF.read_text(encoding="utf-8")
    site = site.replace("/etc/nginx/tls/", f"{tls}/").replace("/srv/static/", f"{tmp_path / 'static'}/")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\nhttp {{\n{site}\n}}\n",
        encoding="utf-8",
    )

    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
