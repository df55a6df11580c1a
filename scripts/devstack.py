"""Start, stop and test the platform on one machine.

Called by ``./platform`` once the system packages, the virtual environment and the npm assets
are in place. Everything it starts lives in ``.local/`` inside the checkout:

    .local/pg/      project-local PostgreSQL cluster (used when DATABASE_URL is unset)
    .local/redis/   project-local Redis, the Celery broker (used when REDIS_URL is unset)
    .local/run/     pid files of what this script started
    .local/log/     logs of the database, Redis, worker and web server
    .local/env      connection settings for manage.py and the tests (read by gis_project.env)
    .local/state.json  ports and generated secrets chosen on the first run, reused afterwards

Failures end with a one-line ``error: ...`` and a non-zero exit status, never a bare traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
RUN = LOCAL / "run"
LOG = LOCAL / "log"
PG = LOCAL / "pg"
PG_DATA = PG / "data"
REDIS_DIR = LOCAL / "redis"
ENV_FILE = LOCAL / "env"
STATE_FILE = LOCAL / "state.json"

PYTHON = sys.executable
BIN = Path(PYTHON).parent
DB_NAME = "gis"
DB_USER = "gis"
EXTENSIONS = ("postgis", "pgrouting", "pg_trgm", "unaccent", "fuzzystrmatch")
IS_ROOT = os.geteuid() == 0
# A Unix socket path must fit in sun_path (108 bytes on Linux, including the file name).
MAX_SOCKET_DIR = 80


class StackError(Exception):
    """A failure explained in one line."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# --- Small helpers ----------------------------------------------------------------------------


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_free_port(start: int) -> int:
    for port in range(start, start + 200):
        if port_is_free("127.0.0.1", port):
            return port
    raise StackError(f"no free TCP port between {start} and {start + 199} on 127.0.0.1")


# What each pid file's process must be running: a stale pid file whose number now belongs to
# another program must never get that program killed.
PROCESS_MARKERS = {
    "gunicorn": ("gunicorn", str(ROOT)),
    "worker": ("celery", str(ROOT)),
    "beat": ("celery", "beat", str(ROOT)),
    "redis": ("redis-server",),
}


def read_pid(name: str) -> int | None:
    """The pid in ``.local/run/<name>.pid`` if that process is alive and is ours."""
    try:
        pid = int((RUN / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    if not all(marker in cmdline for marker in PROCESS_MARKERS[name]):
        return None
    return pid


def stop_pid(name: str, *, label: str, timeout: float = 60.0) -> bool:
    pid = read_pid(name)
    if pid is None:
        (RUN / f"{name}.pid").unlink(missing_ok=True)
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except PermissionError:
        raise StackError(
            f"cannot stop the {label} (pid {pid}): it belongs to another user; "
            "run ./platform stop as the user who started it"
        ) from None
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    (RUN / f"{name}.pid").unlink(missing_ok=True)
    say(f"stopped {label} (pid {pid})")
    return True


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, with no moment where others could."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    path.chmod(0o600)


def run(cmd: list[str], *, env: dict[str, str] | None = None, what: str, quiet: bool = False):
    result = subprocess.run(
        cmd,
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        check=False,
    )
    if result.returncode != 0:
        if quiet and result.stdout:
            sys.stderr.write(result.stdout)
        raise StackError(f"{what} failed (exit status {result.returncode})")
    return result


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise StackError(f"{what} did not become ready within {timeout:.0f} s")


# --- State chosen once per checkout -----------------------------------------------------------


def load_state() -> dict:
    LOCAL.mkdir(exist_ok=True)
    RUN.mkdir(exist_ok=True)
    LOG.mkdir(exist_ok=True)
    state = json.loads(STATE_FILE.read_text()) if STATE_FILE.is_file() else {}
    changed = False
    defaults = {
        "secret_key": lambda: secrets.token_urlsafe(50),
        "pg_password": lambda: secrets.token_urlsafe(24),
        "redis_password": lambda: secrets.token_urlsafe(24),
    }
    for key, make in defaults.items():
        if key not in state:
            state[key] = make()
            changed = True
    if changed:
        save_state(state)
    return state


def save_state(state: dict) -> None:
    write_private(STATE_FILE, json.dumps(state, indent=2))


# --- Project-local PostgreSQL -----------------------------------------------------------------


def cluster_exists() -> bool:
    try:
        return (PG_DATA / "PG_VERSION").is_file()
    except PermissionError:
        raise StackError(
            f"{PG_DATA.relative_to(ROOT)} belongs to another user (the cluster was created as "
            "root, which runs it as `postgres`); run ./platform as root"
        ) from None


def pg_bindir() -> Path:
    """Server binaries of the cluster's own major version (or, for a new cluster, PG_MAJOR or
    the newest installed version that has PostGIS)."""
    root = Path("/usr/lib/postgresql")
    if cluster_exists():
        wanted = (PG_DATA / "PG_VERSION").read_text().strip()
    else:
        wanted = os.environ.get("PG_MAJOR")
    candidates = sorted(
        (p for p in root.glob("*") if p.name.isdigit() and (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.name),
    )
    if wanted:
        candidates = [p for p in candidates if p.name == wanted]
    else:
        with_postgis = [
            p
            for p in candidates
            if (Path("/usr/share/postgresql") / p.name / "extension/postgis.control").exists()
        ]
        candidates = with_postgis or candidates
    if not candidates:
        version = f"PostgreSQL {wanted}" if wanted else "PostgreSQL"
        raise StackError(f"{version} server binaries not found in /usr/lib/postgresql/*/bin")
    return candidates[-1] / "bin"


RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user."""
    return [RUNUSER, "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


def chown_postgres(path: Path) -> None:
    if IS_ROOT:
        shutil.chown(path, "postgres", "postgres")


def make_traversable_for_postgres(path: Path) -> None:
    """Every parent of the cluster must be searchable by `postgres` (mktemp -d makes 0700)."""
    for parent in reversed(path.parents):
        probe = subprocess.run(as_postgres(["test", "-x", str(parent)]), check=False)
        if probe.returncode != 0:
            parent.chmod(parent.stat().st_mode | 0o001)
            say(f"made {parent} searchable (o+x) so the postgres user can reach the cluster")


def pg_socket_dir() -> Path:
    preferred = PG / "run"
    if len(str(preferred)) <= MAX_SOCKET_DIR:
        return preferred
    # Deep checkouts exceed the Unix socket path limit; use a short per-checkout directory.
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    return Path("/tmp") / f"gis-pg-{digest}"  # noqa: S108


def ensure_socket_dir() -> Path:
    """Create the socket directory; refuse one planted by someone else (e.g. a symlink in
    /tmp) rather than hand it to the postgres user."""
    path = pg_socket_dir()
    try:
        path.mkdir(mode=0o755, parents=True)
    except FileExistsError:
        info = path.lstat()
        allowed = {os.geteuid()} | ({pwd.getpwnam("postgres").pw_uid} if IS_ROOT else set())
        if path.is_symlink() or not path.is_dir() or info.st_uid not in allowed:
            raise StackError(f"{path} exists and is not this checkout's socket directory") from None
    chown_postgres(path)
    return path


def icu_options(bindir: Path) -> list[str]:
    """ICU's root collation sorts Arabic and Latin names as readers expect (PostgreSQL 15+)."""
    return ["--locale-provider=icu", "--icu-locale=und"] if int(bindir.parent.name) >= 15 else []


def pg_init(state: dict) -> None:
    bindir = pg_bindir()
    say(f"creating the project-local PostgreSQL cluster in {PG_DATA.relative_to(ROOT)}")
    PG.mkdir(parents=True, exist_ok=True)
    (PG / "log").mkdir(exist_ok=True)
    if IS_ROOT:
        make_traversable_for_postgres(PG)
        for path in (PG, PG / "log"):
            chown_postgres(path)
    socket_dir = ensure_socket_dir()
    pwfile = PG / "pwfile"
    write_private(pwfile, state["pg_password"] + "\n")
    chown_postgres(pwfile)
    try:
        run(
            as_postgres(
                [
                    str(bindir / "initdb"),
                    "--pgdata",
                    str(PG_DATA),
                    "--username",
                    DB_USER,
                    "--pwfile",
                    str(pwfile),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    *icu_options(bindir),
                ]
            ),
            what="initdb",
            quiet=True,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    state["pg_port"] = pick_free_port(55432)
    save_state(state)
    conf = PG_DATA / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# --- written by scripts/devstack.py ---\n"
            f"port = {state['pg_port']}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "work_mem = 16MB\n"
            # A development cluster: losing the last few commits in a power cut is acceptable,
            # corruption is not (fsync stays on).
            "synchronous_commit = off\n"
            "log_min_duration_statement = 1000\n"
        )


def pg_running() -> bool:
    if not cluster_exists():
        return False
    result = subprocess.run(
        as_postgres([str(pg_bindir() / "pg_ctl"), "status", "-D", str(PG_DATA)]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def pg_start(state: dict) -> bool:
    """Start the local cluster (creating it on the first run). Returns True if it was started."""
    if not cluster_exists():
        pg_init(state)
    elif "pg_port" not in state:
        raise StackError(
            f"{STATE_FILE.relative_to(ROOT)} no longer knows the local cluster's port and "
            f"password; remove {PG.relative_to(ROOT)} to create a new cluster"
        )
    if pg_running():
        return False
    port = state["pg_port"]
    if not port_is_free("127.0.0.1", port):
        raise StackError(
            f"port {port}, chosen for this checkout's database, is in use by another program; "
            "stop it, or set DATABASE_URL to use an existing PostGIS server"
        )
    ensure_socket_dir()
    logfile = PG / "log" / "postgres.log"
    say(f"starting PostgreSQL on 127.0.0.1:{port}")
    pg_ctl = [str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60"]
    result = subprocess.run(
        as_postgres([*pg_ctl, "-D", str(PG_DATA), "-l", str(logfile)]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"PostgreSQL did not start; see {logfile.relative_to(ROOT)}")
    return True


def pg_stop() -> bool:
    if not pg_running():
        return False
    run(
        as_postgres([str(pg_bindir() / "pg_ctl"), "stop", "-m", "fast", "-D", str(PG_DATA)]),
        what="pg_ctl stop",
        quiet=True,
    )
    say("stopped PostgreSQL")
    return True


def pg_standby_start(*, primary: dict, folder: Path) -> int:
    """A hot standby of the cluster ``primary`` (psycopg2 parameters: host, port, user,
    password), streaming from it, in ``folder`` (new or empty, e.g. from tempfile.mkdtemp),
    on a free port of its own; returns the port once it accepts read-only connections. It
    is the read replica of the tests (tests/gis_project/test_replica.py) and a way to try
    DATABASE_REPLICA_URL on one machine. The cluster's pg_hba.conf must admit a replication
    connection from 127.0.0.1 (initdb's default, as pg_init leaves it); the user must be a
    superuser or have REPLICATION."""
    bindir = pg_bindir()
    folder.mkdir(parents=True, exist_ok=True)
    if IS_ROOT:
        make_traversable_for_postgres(folder)
    run_dir = folder / "run"
    run_dir.mkdir(exist_ok=True)
    for path in (folder, run_dir):
        chown_postgres(path)
    data = folder / "data"
    # The password travels in the environment, never on a command line; --write-recovery-conf
    # copies it into the standby's primary_conninfo (the folder is the postgres user's only).
    env = {**os.environ, "PGPASSWORD": str(primary["password"])}
    run(
        as_postgres(
            [
                *(str(bindir / "pg_basebackup"), "--pgdata", str(data)),
                *("--host", str(primary["host"]), "--port", str(primary["port"])),
                *("--username", str(primary["user"]), "--no-password"),
                # Streams the WAL written during the copy; a fast checkpoint starts it at once.
                "--wal-method=stream",
                "--checkpoint=fast",
                "--write-recovery-conf",
                "--no-sync",  # a throw-away copy: no fsync of every file
            ]
        ),
        env=env,
        what="pg_basebackup",
        quiet=True,
    )
    port = pick_free_port(int(primary["port"]) + 100)
    # Later lines win: the copied postgresql.conf names the primary's port and sockets.
    with (data / "postgresql.conf").open("a") as fh:
        fh.write(
            "\n# --- standby, written by scripts/devstack.py ---\n"
            f"port = {port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{run_dir}'\n"
            "shared_buffers = 64MB\n"
            "hot_standby = on\n"
        )
    pg_standby_run(folder)
    return port


def pg_standby_run(folder: Path) -> None:
    """Start the standby made by :func:`pg_standby_start` in ``folder`` (again, after
    :func:`pg_standby_stop` with ``remove=False``); returns once it accepts connections."""
    pg_ctl = [str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60"]
    result = subprocess.run(
        as_postgres([*pg_ctl, "-D", str(folder / "data"), "-l", str(folder / "standby.log")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"the standby did not start; see {folder / 'standby.log'}")


def pg_standby_stop(folder: Path, *, remove: bool = True) -> None:
    """Stop the standby in ``folder`` (immediately: it holds nothing of its own) and, with
    ``remove``, delete it."""
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            as_postgres([str(pg_bindir() / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    if remove:
        shutil.rmtree(folder, ignore_errors=True)


def local_database_url(state: dict, name: str = DB_NAME) -> str:
    password = quote(state["pg_password"], safe="")
    return f"postgis://{DB_USER}:{password}@127.0.0.1:{state['pg_port']}/{name}"


def pg_params(state: dict) -> dict:
    """psycopg2 connection parameters of the local cluster (no database named)."""
    return {
        "host": "127.0.0.1",
        "port": state["pg_port"],
        "user": DB_USER,
        "password": state["pg_password"],
    }


def pg_prepare_database(state: dict) -> None:
    """Create the platform database and its extensions in the local cluster (idempotent)."""
    import psycopg2

    params = pg_params(state)
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if cur.fetchone() is None:
                say(f"creating database {DB_NAME}")
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
        conn.close()
        conn = psycopg2.connect(dbname=DB_NAME, **params)
        conn.autocommit = True
        with conn.cursor() as cur:
            # JIT compilation costs tens of milliseconds and pays off only for long analytic
            # queries; tiles and pages are short ones. (Also applied to older clusters.)
            cur.execute("ALTER SYSTEM SET jit = off")
            cur.execute("SELECT pg_reload_conf()")
            for extension in EXTENSIONS:
                cur.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}" CASCADE')
        conn.close()
    except psycopg2.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StackError(f"preparing the local database failed: {first_line}") from None


# --- Project-local Redis ----------------------------------------------------------------------


def redis_url(state: dict, db: int = 0) -> str:
    return (
        f"redis://:{quote(state['redis_password'], safe='')}@127.0.0.1:{state['redis_port']}/{db}"
    )


def redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_start(state: dict) -> bool:
    if "redis_port" not in state:
        state["redis_port"] = pick_free_port(56379)
        save_state(state)
    if read_pid("redis") and redis_ping(redis_url(state)):
        return False
    port = state["redis_port"]
    if not port_is_free("127.0.0.1", port):
        raise StackError(
            f"port {port}, chosen for this checkout's Redis, is in use by another program; "
            "stop it, or set REDIS_URL to use an existing Redis"
        )
    server = shutil.which("redis-server")
    if not server:
        raise StackError("redis-server is not installed (apt-get install redis-server)")
    REDIS_DIR.mkdir(exist_ok=True)
    conf = REDIS_DIR / "redis.conf"
    write_private(
        conf,
        f"port {port}\n"
        "bind 127.0.0.1\n"
        "protected-mode yes\n"
        f'requirepass "{state["redis_password"]}"\n'
        "daemonize yes\n"
        f'pidfile "{RUN / "redis.pid"}"\n'
        f'logfile "{LOG / "redis.log"}"\n'
        f'dir "{REDIS_DIR}"\n'
        # Queued jobs survive a restart of the machine.
        "appendonly yes\n"
        'save ""\n',
    )
    say(f"starting Redis on 127.0.0.1:{port}")
    run([server, str(conf)], what="redis-server", quiet=True)
    wait_for(lambda: redis_ping(redis_url(state)), timeout=20, what="Redis")
    return True


def redis_stop() -> bool:
    return stop_pid("redis", label="Redis")


# --- Environment for manage.py, the worker and the web server ---------------------------------


@dataclass
class Services:
    started: list[str]
    env: dict[str, str]


def start_services(state: dict) -> Services:
    started: list[str] = []
    values: dict[str, str] = {"SECRET_KEY": state["secret_key"]}
    if not os.environ.get("DATABASE_URL"):
        if pg_start(state):
            started.append("postgres")
        pg_prepare_database(state)
        values["DATABASE_URL"] = local_database_url(state)
    if not os.environ.get("REDIS_URL"):
        if redis_start(state):
            started.append("redis")
        values["REDIS_URL"] = redis_url(state)
    lines = ["# Written by scripts/devstack.py: this checkout's local services. Do not commit."]
    lines += [f"{key}={value}" for key, value in values.items()]
    write_private(ENV_FILE, "\n".join(lines) + "\n")
    env = {**os.environ}
    for key, value in values.items():
        env.setdefault(key, value)
    return Services(started=started, env=env)


def manage(args: list[str], *, env: dict[str, str], what: str | None = None, quiet=False):
    return run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        what=what or f"manage.py {args[0]}",
        quiet=quiet,
    )


def compile_messages(env: dict[str, str]) -> None:
    manage(
        ["compilemessages", "--ignore=.venv", "--ignore=node_modules", "--ignore=.local"],
        env=env,
        quiet=True,
    )


# --- Commands ---------------------------------------------------------------------------------


def web_address() -> tuple[str, int]:
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        raise StackError(f"PORT={os.environ['PORT']!r} is not a number") from None
    return host, port


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def worker_answers(name: str, env: dict[str, str]) -> bool:
    """True once the worker answers a ping through the broker (it is consuming jobs)."""
    result = subprocess.run(
        [str(BIN / "celery"), "--app=gis_project", "inspect", "ping", "-d", name, "-t", "2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def cmd_run(_args: argparse.Namespace) -> int:
    state = load_state()
    host, port = web_address()
    ours = read_pid("gunicorn") is not None and state.get("web_bind") == f"{host}:{port}"
    if not ours and not port_is_free(host, port):
        raise StackError(
            f"{host}:{port} is already in use by another program; stop it or choose another "
            f"port: PORT={port + 1} ./platform run"
        )
    # A second `run` restarts the web server and worker with the current code.
    stop_pid("gunicorn", label="web server")
    stop_pid("worker", label="worker")
    stop_pid("beat", label="scheduler")
    services = start_services(state)
    # Reach the server through loopback when it listens on every interface.
    public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    base = f"http://{public_host}:{port}"
    env = {**services.env, "DJANGO_SETTINGS_MODULE": "gis_project.settings.dev"}
    env.setdefault("PLATFORM_BASE_URL", base)
    hosts = dict.fromkeys(["127.0.0.1", "localhost", public_host])
    env.setdefault("ALLOWED_HOSTS", ",".join(hosts))
    manage(["preflight"], env=env)
    say("applying migrations")
    manage(["migrate", "--noinput"], env=env, quiet=True)
    compile_messages(env)
    manage(["collectstatic", "--noinput"], env=env, quiet=True)
    say("loading the demo data")
    manage(["load_reference_data"], env=env)
    manage(["load_demo_layers"], env=env)
    manage(["load_demo_city"], env=env)
    manage(["load_demo_parcels"], env=env)
    manage(["basemap_refresh"], env=env)
    # Demo accounts first: the demo courier account gets its courier profile and round.
    manage(["demo_users"], env=env)
    manage(["load_demo_delivery"], env=env)
    manage(["routing_graph_build"], env=env)

    say("starting the worker")
    worker_name = f"gis@{socket.gethostname()}"
    run(
        [
            str(BIN / "celery"),
            "--app=gis_project",
            "worker",
            "--detach",
            f"--pidfile={RUN / 'worker.pid'}",
            f"--logfile={LOG / 'worker.log'}",
            "--loglevel=INFO",
            f"--concurrency={os.environ.get('WORKER_CONCURRENCY', '2')}",
            f"--queues={env.get('CELERY_QUEUE', 'gis')}",
            f"--hostname={worker_name}",
        ],
        env=env,
        what="celery worker",
    )
    wait_for(
        lambda: worker_answers(worker_name, env),
        timeout=60,
        what="the worker (see .local/log/worker.log)",
    )
    # Periodic tasks (settings.CELERY_BEAT_SCHEDULE: the nightly retention of personal data);
    # beat only sends them to the worker's queue. Its schedule file remembers the last runs.
    say("starting the scheduler (celery beat)")
    run(
        [
            str(BIN / "celery"),
            "--app=gis_project",
            "beat",
            "--detach",
            f"--pidfile={RUN / 'beat.pid'}",
            f"--logfile={LOG / 'beat.log'}",
            "--loglevel=INFO",
            f"--schedule={LOCAL / 'beat-schedule'}",
        ],
        env=env,
        what="celery beat",
    )
    wait_for(
        lambda: read_pid("beat") is not None,
        timeout=30,
        what="the scheduler (see .local/log/beat.log)",
    )
    say("starting the web server (gunicorn)")
    run(
        [
            str(BIN / "gunicorn"),
            "gis_project.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={os.environ.get('WEB_WORKERS', '3')}",
            # Threads keep connections alive between a map's many tile requests.
            "--worker-class=gthread",
            "--threads=2",
            "--keep-alive=30",
            "--preload",  # workers fork with every view imported (gis_project.wsgi)
            "--daemon",
            f"--pid={RUN / 'gunicorn.pid'}",
            f"--access-logfile={LOG / 'web-access.log'}",
            f"--error-logfile={LOG / 'web.log'}",
            "--timeout=120",
            # gunicorn's control socket would go to ~/.gunicorn, shared by every checkout.
            "--no-control-socket",
        ],
        env=env,
        what="gunicorn",
    )
    state["web_bind"] = f"{host}:{port}"
    save_state(state)
    wait_for(
        lambda: http_ok(f"{base}/healthz"),
        timeout=60,
        what=f"the web server at {base} (see .local/log/web.log)",
    )
    print()
    print(f"The platform is running at {base}/")
    print(f"  start here         {base}/en/  (or /ar/: what the platform is, where to go, the")
    print("                     demo accounts and what each role opens)")
    print(f"  public map         {base}/ar/map/")
    print(f"  API documentation  {base}/api/docs/")
    print(f"  OGC API            {base}/ogcapi/")
    print(f"  admin              {base}/admin/")
    print(f"  logs               {LOG.relative_to(ROOT)}/")
    print("Stop everything with ./platform stop")
    return 0


def cmd_stop(_args: argparse.Namespace) -> int:
    stopped = [
        stop_pid("gunicorn", label="web server"),
        stop_pid("worker", label="worker"),
        stop_pid("beat", label="scheduler"),
        redis_stop(),
        pg_stop(),
    ]
    if not any(stopped):
        say("nothing was running")
    return 0


def cmd_status(_args: argparse.Namespace) -> int:
    state = load_state()
    host, port = web_address()
    rows = [
        ("database", "running" if pg_running() else "stopped", f"127.0.0.1:{state.get('pg_port')}"),
        (
            "redis",
            "running" if read_pid("redis") else "stopped",
            f"127.0.0.1:{state.get('redis_port')}",
        ),
        ("worker", "running" if read_pid("worker") else "stopped", ""),
        ("beat", "running" if read_pid("beat") else "stopped", ""),
        ("web", "running" if read_pid("gunicorn") else "stopped", f"http://{host}:{port}/"),
    ]
    for name, status, where in rows:
        print(f"{name:<10} {status:<8} {where}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    state = load_state()
    services = start_services(state)
    env = {**services.env, "DJANGO_SETTINGS_MODULE": "gis_project.settings.test"}
    results: list[tuple[str, bool, float]] = []
    try:
        manage(["preflight"], env=env)
        compile_messages(env)
        steps = [
            ("ruff check", [str(BIN / "ruff"), "check", "."]),
            ("ruff format --check", [str(BIN / "ruff"), "format", "--check", "."]),
            ("manage.py check", [PYTHON, "manage.py", "check", "--fail-level=WARNING"]),
            (
                "makemigrations --check",
                [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
            ),
            ("pytest", [str(BIN / "pytest"), *args.pytest_args]),
        ]
        for label, cmd in steps:
            say(label)
            began = time.monotonic()
            result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
            results.append((label, result.returncode == 0, time.monotonic() - began))
    finally:
        # Leave the machine as we found it: stop only what this run started.
        if "redis" in services.started:
            redis_stop()
        if "postgres" in services.started:
            pg_stop()
    print("\nTest command summary:")
    for label, ok, seconds in results:
        print(f"  {'ok  ' if ok else 'FAIL'} {label:<26} {seconds:6.1f} s")
    failed = [label for label, ok, _ in results if not ok]
    if failed:
        print(f"error: {len(failed)} step(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


BENCH_DB = "gis_bench"


def bench_database(state: dict) -> str:
    """A fresh database for benchmarks in the local cluster (dropped and made again)."""
    import psycopg2

    params = pg_params(state)
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{BENCH_DB}"')
    conn.close()
    return local_database_url(state, BENCH_DB)


def cmd_bench(args: argparse.Namespace) -> int:
    if os.environ.get("DATABASE_URL"):
        raise StackError("benchmarks use the project-local cluster; unset DATABASE_URL")
    script = ROOT / "bench" / f"{args.name}.py"
    if not script.is_file():
        names = ", ".join(sorted(p.stem for p in (ROOT / "bench").glob("*_bench.py")))
        raise StackError(f"no benchmark {args.name!r} (there are: {names})")
    state = load_state()
    services = start_services(state)
    say(f"creating the benchmark database {BENCH_DB}")
    env = {
        **services.env,
        "DATABASE_URL": bench_database(state),
        "DJANGO_SETTINGS_MODULE": "gis_project.settings.dev",
        "DJANGO_DEBUG": "false",
        "BENCH_WORK_DIR": str(LOCAL / "bench"),
    }
    manage(["migrate", "--noinput"], env=env, quiet=True)
    result = subprocess.run([PYTHON, str(script), *args.bench_args], env=env, cwd=ROOT, check=False)
    return result.returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./platform", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run").set_defaults(func=cmd_run)
    sub.add_parser("stop").set_defaults(func=cmd_stop)
    sub.add_parser("status").set_defaults(func=cmd_status)
    test = sub.add_parser("test")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    test.set_defaults(func=cmd_test)
    bench = sub.add_parser("bench")
    bench.add_argument("name", help="a script of bench/, without .py (e.g. layers_bench)")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
