"""Fixtures shared by every test. Everything runs against the real PostGIS and Redis of the
checkout (or DATABASE_URL / REDIS_URL): no stand-ins."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from boundaries.services import ReferenceDataReport, reference_data_load
from core.roles import Role
from tests.factories import UserFactory

# Property-based tests (hypothesis) draw the same examples on every run, so a red run can be
# repeated; no example database is kept in the checkout.
hypothesis_settings.register_profile(
    "platform", derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis_settings.load_profile("platform")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def administrator(db):
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def planner(db):
    return UserFactory(role=Role.PLANNER)


@pytest.fixture
def reference_data(db) -> ReferenceDataReport:
    """The real administrative reference data from data/reference, loaded."""
    return reference_data_load(source_dir=Path(settings.REFERENCE_DATA_DIR))


def database_url_for_subprocesses() -> str:
    """A URL for the test database that pytest-django created (for subprocesses)."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"], safe="")
    password = quote(db["PASSWORD"], safe="")
    return f"postgis://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def celery_worker_start(
    *, queue: str, hostname: str, log_path: Path, own_session: bool = False
) -> subprocess.Popen:
    """Start a real Celery worker process on the real Redis broker, using the test database,
    consuming ``queue`` only; returns once it is ready. ``own_session`` puts it in its own
    process group, so that a test can kill it whole (a machine or container lost)."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis_project.settings.test",
        "DATABASE_URL": database_url_for_subprocesses(),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "--app=gis_project", "worker"),
                f"--queues={queue}",
                "--concurrency=1",
                f"--hostname={hostname}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def celery_worker_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the real Redis broker, using the test database.

    The worker consumes the test queue only (settings.CELERY_TASK_DEFAULT_QUEUE), so a
    platform running from the same checkout never sees test jobs.
    """
    from gis_project.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    process = celery_worker_start(
        queue=queue,
        hostname=f"test-{uuid.uuid4().hex[:8]}@%h",
        log_path=ARTIFACTS / "worker.log",
    )
    yield process
    celery_worker_stop(process)


def wait_for_job(job_id, timeout: float = 120):
    """The job record once the worker has finished it (fails the test after ``timeout``)."""
    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish within {timeout} s")


@pytest.fixture(scope="session", autouse=True)
def routing_listener_closed(django_db_setup):
    """The routing engine keeps a connection that LISTENs for changes; it must let go before
    the test database is dropped (which refuses while anyone is connected)."""
    yield
    from routing.engines import router_forget

    router_forget()
