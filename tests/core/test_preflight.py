"""`manage.py preflight` explains a broken setup in one line (the run command calls it)."""

import os
import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import ROOT


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def preflight(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "preflight"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gis_project.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_preflight_passes_on_the_real_database_and_broker(db):
    out = StringIO()
    call_command("preflight", stdout=out)
    assert "postgis, pgrouting, pg_trgm, unaccent, fuzzystrmatch" in out.getvalue()


def test_missing_extension_is_named(db):
    missing = r"lacks \(extensions not available: no_such_extension\)"
    with pytest.raises(CommandError, match=missing):
        call_command("preflight", "--extension=postgis", "--extension=no_such_extension")


def test_unreachable_database_is_one_line_without_traceback():
    port = closed_port()
    result = preflight(DATABASE_URL=f"postgis://gis:pw@127.0.0.1:{port}/gis")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"CommandError: cannot connect to the database gis@127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_unreachable_broker_is_one_line_without_traceback():
    result = preflight(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: cannot reach the job broker")


def test_unwritable_tile_cache_folder_is_named(db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.TILE_CACHE = "files"
    settings.TILE_CACHE_DIR = str(blocker / "tiles")
    with pytest.raises(CommandError, match=r"TILE_CACHE_DIR=.*a-file/tiles is not a writable"):
        call_command("preflight", "--skip-broker")
