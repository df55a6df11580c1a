"""Backups: a consistent copy of the database and the uploaded files in one archive, and its
restore into an empty database (issue 9, point 7).

An archive is a tar file holding ``database.dump`` (``pg_dump`` custom format: one snapshot,
so every table is as of the same instant), ``media.tar`` (the files under ``MEDIA_ROOT``) and
``manifest.json`` (when, which database, each member's SHA-256, the row count of every table).
A restore checks every checksum before touching anything and refuses a database that already
holds the platform's tables, so it never mixes two states.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, ServiceUnavailable
from gis_project.env import child_environment

FORMAT = "ramallah-gis-backup/1"
MEMBERS = ("manifest.json", "database.dump", "media.tar")


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program: on the PATH, else the newest server's own."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name)
    )
    if not candidates:
        raise ServiceUnavailable(f"{name} is not installed (Debian: postgresql-client).")
    return str(candidates[-1])


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for a Django database: the password never on a command line."""
    libpq = {"PGDATABASE": settings_dict["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD")):  # fmt: skip
        if settings_dict.get(key):
            libpq[variable] = str(settings_dict[key])
    return child_environment(**libpq)


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    # The PostgreSQL tools, given paths this module chose: no shell, no user input.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        errors = [line for line in lines if "error" in line.lower()] or lines
        raise ServiceUnavailable(f"{what} failed: {errors[0] if errors else done.returncode}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'spatial_ref_sys' ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def table_rows(*, cursor) -> dict[str, int]:
    """Rows in every table of the public schema (PostGIS's own reference table aside)."""
    counts = {}
    for name in _tables(cursor):
        table = connection.ops.quote_name(name)  # a name from the catalogue, quoted
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        counts[name] = cursor.fetchone()[0]
    return counts


def table_fingerprints(*, cursor) -> dict[str, str]:
    """An MD5 of every table's rows in a stable order: equal fingerprints, equal contents."""
    prints = {}
    for name in _tables(cursor):
        table = connection.ops.quote_name(name)  # a name from the catalogue, quoted
        query = "SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM "
        cursor.execute(query + f"{table} t")
        prints[name] = cursor.fetchone()[0]
    return prints


def backup_create(*, destination: Path) -> Path:
    """Write a backup archive into the folder ``destination`` and return its path. The
    database is dumped in one snapshot (with the row counts of the manifest); the uploaded
    files are copied as they are. Call it outside a transaction."""
    destination.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    archive = destination / f"backup-{stamp}.tar"
    settings_dict = connection.settings_dict
    with tempfile.TemporaryDirectory(dir=destination) as work:
        work = Path(work)
        dump = work / "database.dump"
        # The row counts and the dump read one snapshot, exported by this transaction.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = table_rows(cursor=cursor)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={dump}"], env=_pg_env(settings_dict),
                 what="pg_dump")  # fmt: skip
        media_root = Path(settings.MEDIA_ROOT)
        media = work / "media.tar"
        files = []
        with tarfile.open(media, "w") as tar:
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                    name = path.relative_to(media_root).as_posix()
                    tar.add(path, arcname=name)
                    files.append(name)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": settings_dict["NAME"],
            "tables": tables,
            "media_files": len(files),
            "sha256": {"database.dump": _sha256(dump), "media.tar": _sha256(media)},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = archive.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            for member in MEMBERS:
                tar.add(work / member, arcname=member)
        partial.rename(archive)  # never a complete-looking archive that is not complete
    return archive


def _safe_extract(tar: tarfile.TarFile, into: Path) -> None:
    # Refuses links, devices and paths leaving ``into``: an archive is input like any other.
    tar.extractall(into, filter="data")


def backup_restore(*, archive: Path, database_settings: dict | None = None) -> dict:
    """Restore ``archive`` into an empty database (Django's default unless
    ``database_settings`` names another) and its files into ``MEDIA_ROOT``; returns its
    manifest. Refused, with nothing changed, when a checksum is wrong or the database already
    holds the platform's tables."""
    target = database_settings or connection.settings_dict
    try:
        outer = tarfile.open(archive)  # noqa: SIM115 - closed by the ``with`` below
    except (OSError, tarfile.TarError) as error:
        raise InvalidInput(f"Not a backup archive: {error}", code="backup_unreadable") from error
    with outer, tempfile.TemporaryDirectory() as work:
        work = Path(work)
        names = set(outer.getnames())
        if not set(MEMBERS) <= names:
            raise InvalidInput(
                f"Not a backup archive: it lacks {sorted(set(MEMBERS) - names)}.",
                code="backup_unreadable",
            )
        _safe_extract(outer, work)
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise InvalidInput("Not a backup of this platform.", code="backup_unreadable")
        for member, expected in manifest["sha256"].items():
            if _sha256(work / member) != expected:
                raise InvalidInput(
                    f"The archive is damaged: {member} does not match its checksum.",
                    code="backup_damaged",
                )
        env = _pg_env(target)
        psql = [_pg_tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", "--command",
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename = 'django_migrations'"]  # fmt: skip
        found = subprocess.run(psql, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if found.returncode != 0:
            raise ServiceUnavailable(f"The database to restore into answers: {found.stderr}")
        if found.stdout.strip() != "0":
            raise Conflict(
                f"The database {target['NAME']} already holds the platform: restore into an "
                "empty one.",
                code="backup_target_not_empty",
            )
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={target['NAME']}", str(work / "database.dump")],
             env=env, what="pg_restore")  # fmt: skip
        with tarfile.open(work / "media.tar") as media:
            media_root = Path(settings.MEDIA_ROOT)
            media_root.mkdir(parents=True, exist_ok=True)
            _safe_extract(media, media_root)
    return manifest
