"""The run/test/stop machinery: clear one-line failures, a cluster of the checkout's own."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import devstack
from tests.conftest import ROOT


def devstack_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/devstack.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_refuses_a_busy_web_port_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = devstack_cli("run", PORT=str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: 127.0.0.1:{port} is already in use by another program; stop it or choose "
        f"another port: PORT={port + 1} ./platform run"
    )


def test_run_refuses_a_port_that_is_not_a_number():
    result = devstack_cli("run", PORT="eighty")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: PORT='eighty' is not a number"


def test_status_lists_every_component():
    result = devstack_cli("status")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["database", "redis", "worker", "beat", "web"]


def test_free_port_is_found_next_to_a_busy_one():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not devstack.port_is_free("127.0.0.1", port)
        assert devstack.pick_free_port(port) > port


def test_socket_directory_stays_in_the_cluster_unless_the_path_is_too_long(monkeypatch):
    monkeypatch.setattr(devstack, "PG", Path("/srv/gis/.local/pg"))
    assert devstack.pg_socket_dir() == Path("/srv/gis/.local/pg/run")
    monkeypatch.setattr(devstack, "PG", Path("/srv/" + "deep/" * 30 + ".local/pg"))
    short = devstack.pg_socket_dir()
    assert str(short).startswith("/tmp/gis-pg-")
    assert short == devstack.pg_socket_dir()  # the same directory on every run


def test_local_cluster_lives_inside_the_checkout_and_is_git_ignored():
    if not (ROOT / ".local" / "pg" / "data").exists():
        pytest.skip("this checkout has no local cluster (the tests use DATABASE_URL's server)")
    assert (ROOT / ".local" / "pg" / "data" / "PG_VERSION").is_file()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".local/pg/data/PG_VERSION"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


def test_a_stale_pid_file_never_gets_another_program_killed(monkeypatch, tmp_path):
    monkeypatch.setattr(devstack, "RUN", tmp_path)
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "gunicorn.pid").write_text(str(bystander.pid))
        assert devstack.read_pid("gunicorn") is None
        assert devstack.stop_pid("gunicorn", label="web server") is False
        assert bystander.poll() is None  # still alive
        assert not (tmp_path / "gunicorn.pid").exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_our_own_process_is_recognised_and_stopped(monkeypatch, tmp_path):
    monkeypatch.setattr(devstack, "RUN", tmp_path)
    monkeypatch.setitem(devstack.PROCESS_MARKERS, "worker", ("sleep", "31"))
    # Detached like the real worker: not this process's child, so nobody here reaps it.
    started = subprocess.run(
        ["sh", "-c", "sleep 31 >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(started.stdout)
    (tmp_path / "worker.pid").write_text(str(pid))
    assert devstack.read_pid("worker") == pid
    assert devstack.stop_pid("worker", label="worker", timeout=10) is True
    assert not Path(f"/proc/{pid}").exists()
