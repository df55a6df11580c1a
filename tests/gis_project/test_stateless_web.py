"""The web tier keeps no state of its own: two gunicorn processes (as two servers behind one
load balancer would be) serve the same users. Sessions live in the database, sign-in
throttles and rate limits in Redis, uploads in MEDIA_ROOT, jobs on the shared queue."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings

from core.roles import Role
from tests.conftest import ARTIFACTS, ROOT, database_url_for_subprocesses
from tests.factories import PASSWORD, UserFactory

IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"

pytestmark = pytest.mark.django_db(transaction=True)  # the web processes read committed rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_start(port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.gis_project.two_web_settings",
        "DATABASE_URL": database_url_for_subprocesses(),
        # The queue the test worker consumes (named after the test database in this process).
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    with log.open("w") as out:
        return subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "gunicorn"), "gis_project.wsgi:application"),
                *(f"--bind=127.0.0.1:{port}", "--workers=1", "--worker-class=gthread"),
                *("--threads=2", "--timeout=60", "--no-control-socket"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="module")
def web(django_db_setup) -> tuple[str, str]:
    """Base URLs of two web processes on the test database."""
    ARTIFACTS.mkdir(exist_ok=True)
    ports = [free_port(), free_port()]
    logs = [ARTIFACTS / f"two-web-{n}.log" for n in (1, 2)]
    processes = [web_start(port, log) for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for url, process, log in zip(urls, processes, logs, strict=True):
            while True:
                try:
                    if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sign_in(session: requests.Session, base: str, username: str, password: str):
    token = csrf_token(session, f"{base}/en/sign-in/")
    return session.post(
        f"{base}/en/sign-in/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )


def test_a_user_signed_in_on_one_web_process_is_served_by_the_other_and_signed_out_on_both(web):
    one, two = web
    UserFactory(username="rana", role=Role.PLANNER)
    browser = requests.Session()
    assert sign_in(browser, one, "rana", PASSWORD).status_code == 302
    editor = browser.get(f"{two}/en/editor/", allow_redirects=False, timeout=10)
    assert editor.status_code == 200  # a staff page: the other process knows the session
    assert browser.get(f"{one}/en/editor/", allow_redirects=False, timeout=10).status_code == 200
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME]
    signed_out = browser.post(
        f"{two}/en/sign-out/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_out.status_code == 302
    # The session is gone from the database, not only from this browser: a copy of the old
    # cookie is refused by the first process too.
    copy = requests.Session()
    copy.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
    refused = copy.get(f"{one}/en/editor/", allow_redirects=False, timeout=10)
    assert refused.status_code == 302
    assert "/sign-in/" in refused.headers["Location"]


def test_sign_in_failures_and_rate_limits_are_counted_across_web_processes(web):
    one, two = web
    name = f"user-{uuid.uuid4().hex[:8]}"
    UserFactory(username=name, role=Role.PLANNER)
    attempts = [sign_in(requests.Session(), base, name, "wrong") for base in (one, two, one)]
    assert [a.status_code for a in attempts] == [400, 400, 400]
    # Three failures, on two processes: the user name waits, whichever process is asked.
    assert sign_in(requests.Session(), two, name, PASSWORD).status_code == 429
    # Four searches a minute for the public (two_web_settings), from one client address.
    client = {"X-Forwarded-For": f"10.{uuid.uuid4().int % 250}.{os.getpid() % 250}.7"}
    answers = [
        requests.get(f"{base}/api/v1/geocode/search", {"q": "Irsal"}, headers=client, timeout=10)
        for base in (one, two, one, two, one)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]


@pytest.mark.worker
def test_an_upload_taken_by_one_web_process_is_imported_by_a_worker_and_served_by_the_other(
    web, celery_worker
):
    one, two = web
    UserFactory(username="samia", role=Role.PLANNER)
    token = requests.post(
        f"{one}/api/v1/auth/token/", data={"username": "samia", "password": PASSWORD}, timeout=10
    ).json()["token"]
    auth = {"Authorization": f"Token {token}"}
    with (IMPORTS / "localities_28191.zip").open("rb") as upload:
        accepted = requests.post(
            f"{one}/api/v1/layers/imports/",
            files={"file": upload},
            data={"new_slug": "villages", "new_title_ar": "القرى", "new_visibility": "public"},
            headers=auth,
            timeout=30,
        )
    assert accepted.status_code == 202, accepted.text
    job_url = f"{two}/api/v1/jobs/{accepted.json()['id']}/"
    deadline = time.monotonic() + 60
    while (job := requests.get(job_url, headers=auth, timeout=10).json())["state"] not in (
        "succeeded",
        "failed",
        "cancelled",
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    assert job["state"] == "succeeded", job
    items = requests.get(
        f"{two}/ogcapi/collections/villages/items", {"f": "json"}, headers=auth, timeout=10
    )
    assert items.status_code == 200, items.text[:500]
    assert items.json()["numberReturned"] == 4
