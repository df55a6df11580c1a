"""Settings: the environment is read in one module, production refuses unsafe defaults."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils.translation import get_language_info

from tests.conftest import ROOT

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "gis_project.settings.prod",
    "SECRET_KEY": "a-production-key-that-is-long-enough-for-the-deploy-checks-0123456789",
    "ALLOWED_HOSTS": "gis.example.ps",
    "DATABASE_URL": "postgis://gis:secret@db.example.ps:5432/gis",
    "REDIS_URL": "redis://cache.example.ps:6379/0",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and k != "REDIS_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_variable(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert result.stderr.strip().startswith(f"error: {missing} must be set")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_settings_pass_the_deployment_checks():
    result = run_manage(
        "check", "--deploy", "--fail-level=WARNING", env={**PROD_ENV, "SECURE_HSTS_PRELOAD": "1"}
    )
    assert result.returncode == 0, result.stderr


def test_production_leaves_only_the_hsts_preload_decision_to_the_operator():
    result = run_manage("check", "--deploy", env=PROD_ENV)
    assert result.returncode == 0
    warnings = [line.split(")")[0] for line in result.stderr.splitlines() if "(security." in line]
    assert warnings == ["?: (security.W021"]


def test_production_refuses_debug():
    result = run_manage("check", env={**PROD_ENV, "DJANGO_DEBUG": "true"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must not be true in production" in result.stderr


def test_database_url_must_name_postgis():
    result = run_manage(
        "check", env={**PROD_ENV, "DATABASE_URL": "postgres://gis:secret@db.example.ps/gis"}
    )
    assert result.returncode != 0
    assert "DATABASE_URL must use the postgis:// scheme" in result.stderr


def test_non_boolean_flag_is_explained():
    result = run_manage("check", env={**PROD_ENV, "HTTPS": "maybe"})
    assert result.returncode != 0
    assert "HTTPS='maybe' is not a boolean" in result.stderr


def test_arabic_is_the_default_language_and_right_to_left():
    assert settings.LANGUAGE_CODE == "ar"
    assert [code for code, _ in settings.LANGUAGES] == ["ar", "en"]
    assert get_language_info("ar")["bidi"] is True
    assert get_language_info("en")["bidi"] is False
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_translation_catalogue_is_in_the_repository():
    assert (ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po").is_file()


def test_only_the_env_module_reads_the_environment():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "node_modules", "tests", "scripts", "bench", ".local"}:
            continue
        text = path.read_text(encoding="utf-8")
        if ("os.environ" in text or "os.getenv" in text) and path.name not in {
            "env.py",
            "wsgi.py",
            "asgi.py",
            "celery.py",
        }:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


SHOW_DATABASES = (
    "from django.conf import settings; d = settings.DATABASES; "
    "print(sorted(d), d.get('replica', {}).get('HOST'), settings.DATABASE_REPLICA_MAX_LAG_SECONDS)"
)


def test_a_replica_url_adds_the_replica_database_and_without_it_nothing_changes():
    with_replica = run_manage(
        *("shell", "--no-imports", "-c", SHOW_DATABASES),
        env={**PROD_ENV, "DATABASE_REPLICA_URL": "postgis://gis:secret@replica.example.ps/gis"},
    )
    assert with_replica.returncode == 0, with_replica.stderr
    assert (
        with_replica.stdout.split("\n")[0]
        == "['default', 'progress', 'replica'] replica.example.ps 30"
    )
    without = run_manage("shell", "--no-imports", "-c", SHOW_DATABASES, env=PROD_ENV)
    assert without.stdout.split("\n")[0] == "['default', 'progress'] None 30"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"DATABASE_REPLICA_URL": "postgres://gis:secret@replica.example.ps/gis"},
            "DATABASE_REPLICA_URL must use the postgis:// scheme",
        ),
        (
            {"DATABASE_REPLICA_MAX_LAG": "900"},
            "DATABASE_REPLICA_MAX_LAG=900: use 0 to 449 seconds",
        ),
    ],
)
def test_a_replica_setting_that_cannot_work_is_refused_with_the_reason(extra, message):
    result = run_manage("check", env={**PROD_ENV, **extra})
    assert result.returncode != 0
    assert message in result.stderr


def test_sessions_and_the_cache_are_shared_by_every_web_process():
    # Database sessions and a Redis cache: any process behind the load balancer serves any user.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert "core.routers.ReplicaRouter" in settings.DATABASE_ROUTERS
