"""./platform prepares the machine: as another user than root it prints the install command."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import ROOT


def as_unprivileged(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


def test_missing_packages_are_named_with_the_exact_install_command_for_non_root():
    scratch = Path(tempfile.mkdtemp(prefix="platform-script-"))
    try:
        scratch.chmod(0o755)
        shutil.copy(ROOT / "platform", scratch / "platform")
        result = subprocess.run(
            as_unprivileged(["bash", str(scratch / "platform"), "run"]),
            cwd=scratch,
            # A PostgreSQL major version no machine has: its packages are certainly missing.
            env={"PATH": os.environ["PATH"], "PG_MAJOR": "99", "HOME": str(scratch)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.rmtree(scratch)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "error: missing system packages. Install them with:"
    command = result.stderr.splitlines()[1].strip()
    assert command.startswith("sudo apt-get update && sudo apt-get install -y postgresql-99 ")
    assert "postgresql-99-postgis-3 postgresql-99-pgrouting" in command


def test_help_lists_the_commands():
    result = subprocess.run(
        ["bash", str(ROOT / "platform"), "help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("run", "test", "stop", "status", "lock"):
        assert f"./platform {command}" in result.stdout
