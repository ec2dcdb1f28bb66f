"""Configuration rules of docs/architecture.md, Configuration and the production stack file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-real-production-secret-key-that-is-long-enough-0123456789-abcdefghijkl",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
}


def python(*args, env_overrides: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Python with the project's settings in a clean environment: the test settings' variables
    must not leak in."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "cdiscount_integration.settings"
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(*args, env_overrides: dict) -> subprocess.CompletedProcess:
    return python("manage.py", *args, env_overrides=env_overrides)


def test_development_secret_key_is_refused_when_debug_is_off():
    result = manage("check", env_overrides={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_field_encryption_key_is_required_when_debug_is_off():
    env = dict(PRODUCTION_ENV)
    env.pop("FIELD_ENCRYPTION_KEY")
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set" in result.stderr


def test_malformed_field_encryption_key_is_refused_by_check_deploy():
    env = {**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEY": "my-secret-passphrase"}
    result = manage("check", "--deploy", env_overrides=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not a valid Fernet key" in result.stderr


def test_development_defaults_work_with_debug_on():
    result = manage("check", env_overrides={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None and os.environ.get("CI") != "true",
    reason="docker-compose (Debian package) is not installed",
)


def docker_compose_config(*args: str) -> str:
    result = subprocess.run(  # noqa: S603,S607
        ["docker-compose", "config", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_compose
def test_docker_compose_file_is_valid_and_has_the_stack():
    services = set(docker_compose_config("--services").split())
    assert {"web", "worker-latency", "worker-bulk", "beat", "postgres", "redis"} <= services


@needs_compose
def test_docker_compose_has_a_worker_per_queue_that_can_be_scaled():
    services = yaml.safe_load(docker_compose_config())["services"]
    for name, queue in (("worker-latency", "cdiscount-latency"), ("worker-bulk", "cdiscount-bulk")):
        worker = services[name]
        assert worker["command"][-2:] == ["-Q", queue]
        assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
        # A fixed container name or a published port would stop `--scale worker-bulk=N`.
        assert "container_name" not in worker and "ports" not in worker


def test_french_translations_are_compiled():
    mo = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    po = mo.with_suffix(".po")
    assert mo.exists() and po.exists()
    assert mo.stat().st_size > 1000


def test_embedded_broker_keeps_its_folders_under_var(tmp_path):
    """The file-system broker writes its exchange bindings under var/, never into the folder
    the worker was started from (they used to land in ./control, inside the repository)."""
    probe = f"broker-folder-probe-{os.getpid()}"
    script = (
        "import django; django.setup()\n"
        "from kombu import Exchange, Queue\n"
        "from cdiscount_integration.celery import app\n"
        "with app.connection_for_write() as connection:\n"
        f"    Queue({probe!r}, Exchange({probe!r}), routing_key={probe!r})"
        "(connection.default_channel).declare()\n"
    )
    bindings = ROOT / "var" / "broker-control" / f"{probe}.exchange"
    try:
        result = python("-c", script, env_overrides={"DEBUG": "true"}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert bindings.exists()
        assert not (tmp_path / "control").exists()
    finally:
        bindings.unlink(missing_ok=True)
