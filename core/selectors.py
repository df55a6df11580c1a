"""Reads that belong to no single domain: the state of the platform's own dependencies, and
facts about any registered collection."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.db import DatabaseError, OperationalError, connection

from core.collections import Collection, User
from core.errors import ServiceUnavailable

# Extensions the platform needs on the database server (created by core.0001_extensions).
REQUIRED_EXTENSIONS = ("postgis", "pgrouting", "pg_trgm", "unaccent", "fuzzystrmatch")


@dataclass(frozen=True)
class DatabaseStatus:
    server_version: str
    postgis_version: str | None
    missing_extensions: tuple[str, ...]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def database_address() -> str:
    """``user@host:port/name`` of the default database, without the password."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{db.get('USER') or ''}@{host}{port}/{db.get('NAME')}"


def database_status(*, required_extensions: Sequence[str] = REQUIRED_EXTENSIONS) -> DatabaseStatus:
    """Server version, PostGIS version and which required extensions the server cannot
    provide. Raises ServiceUnavailable, with the reason, when the database cannot be used."""
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        raise ServiceUnavailable(
            f"cannot connect to the database {database_address()}: {_first_line(exc)}",
            code="database_unreachable",
        ) from None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute(
                "SELECT name, installed_version FROM pg_available_extensions WHERE name = ANY(%s)",
                [list(required_extensions)],
            )
            available = dict(cursor.fetchall())
    except DatabaseError as exc:
        raise ServiceUnavailable(
            f"the database {database_address()} answered with an error: {_first_line(exc)}",
            code="database_error",
        ) from None
    return DatabaseStatus(
        server_version=version,
        postgis_version=available.get("postgis"),
        missing_extensions=tuple(name for name in required_extensions if name not in available),
    )


def broker_status() -> None:
    """Returns when the job broker answers; raises ServiceUnavailable otherwise."""
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # kombu raises transport-specific types
        raise ServiceUnavailable(
            f"cannot reach the job broker ({type(exc).__name__}: {_first_line(exc)}); "
            "check REDIS_URL / CELERY_BROKER_URL",
            code="broker_unreachable",
        ) from None


def storage_status() -> None:
    """Raise ServiceUnavailable unless the folders the platform writes (uploads and exports,
    and the tile cache's files) exist or can be made, and are writable."""
    folders = {"MEDIA_ROOT": settings.MEDIA_ROOT}
    if settings.TILE_CACHE == "files":
        folders["TILE_CACHE_DIR"] = settings.TILE_CACHE_DIR
    for name, folder in folders.items():
        path = Path(folder)
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path):
                pass
        except OSError as exc:
            raise ServiceUnavailable(
                f"{name}={path} is not a writable folder ({exc.strerror}); "
                "create it for the platform's user or point the setting elsewhere",
                code="storage_unwritable",
            ) from None


def system_health() -> dict[str, str]:
    """State of the database (with its PostGIS version) and of the job broker."""
    health: dict[str, str] = {}
    try:
        status = database_status()
        health["database"] = "ok" if not status.missing_extensions else "missing extensions"
        health["postgis"] = status.postgis_version or "missing"
    except ServiceUnavailable as exc:
        health["database"] = f"error: {exc.code}"
    try:
        broker_status()
        health["broker"] = "ok"
    except ServiceUnavailable as exc:
        health["broker"] = f"error: {exc.code}"
    return health


def collection_extent(
    *, collection: Collection, user: User
) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in WGS 84 of what ``user`` may see, or None if empty."""
    extent = collection.queryset(user=user).aggregate(e=Extent(collection.geometry_field))["e"]
    return tuple(extent) if extent else None
