"""Reads that belong to no single domain: the state of the platform's own dependencies, and
facts about any registered collection."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Point, Polygon
from django.db import DatabaseError, OperationalError, connection
from django.db.models import Value

from core.collections import Collection, User
from core.errors import NotFound, ServiceUnavailable
from core.models import ChangeAction, ChangeRecord
from core.roles import Role, demo_username
from core.routers import replica_status
from core.spatial import GeographyDistance

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
    """State of the database (with its PostGIS version), of the job broker and, when one is
    configured, of the read replica."""
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
    # Shown, never a reason to fail: without the replica, reads go to the primary.
    replica = replica_status()
    if replica is not None:
        health["replica"] = replica
    return health


def collection_extent(
    *, collection: Collection, user: User
) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in WGS 84 of what ``user`` may see, or None if empty."""
    extent = collection.queryset(user=user).aggregate(e=Extent(collection.geometry_field))["e"]
    return tuple(extent) if extent else None


# -- feature history (see core.services.change_record) -------------------------------------------


def feature_history(*, collection: str, feature_id: object) -> list[ChangeRecord]:
    """Every recorded change of a feature, oldest first."""
    return list(
        ChangeRecord.objects.filter(collection=collection, feature_id=str(feature_id))
        .select_related("user")
        .order_by("version", "id")
    )


def feature_version(*, collection: str, feature_id: object, version: int) -> dict:
    """The feature as ``version`` left it (a snapshot); NotFound if no change made it."""
    record = (
        ChangeRecord.objects.filter(
            collection=collection, feature_id=str(feature_id), version=version
        )
        .exclude(action=ChangeAction.DELETE)
        .order_by("-id")
        .first()
    )
    if record is None:
        raise NotFound(
            f"Feature {feature_id} of {collection} has no version {version}.",
            code="version_not_found",
        )
    return record.after


def feature_as_of(*, collection: str, feature_id: object, at: datetime) -> tuple[int, dict]:
    """(version, snapshot) of the feature as it stood at ``at``; NotFound if it did not
    exist then (not yet created, or deleted)."""
    record = (
        ChangeRecord.objects.filter(collection=collection, feature_id=str(feature_id), at__lte=at)
        .order_by("-at", "-id")
        .first()
    )
    if record is None or record.action == ChangeAction.DELETE:
        raise NotFound(
            f"Feature {feature_id} of {collection} did not exist at {at.isoformat()}.",
            code="not_at_that_date",
        )
    return record.version, record.after


@dataclass(frozen=True)
class Difference:
    geometry_changed: bool
    properties: dict[str, tuple[Any, Any]]  # name -> (in the first, in the second)


def snapshots_compare(first: dict | None, second: dict | None) -> Difference:
    """What differs between two snapshots of a feature."""
    a, b = first or {}, second or {}
    pa, pb = a.get("properties") or {}, b.get("properties") or {}
    return Difference(
        geometry_changed=a.get("geometry") != b.get("geometry"),
        properties={
            name: (pa.get(name), pb.get(name))
            for name in sorted(set(pa) | set(pb))
            if pa.get(name) != pb.get(name)
        },
    )


def collection_features_near(
    *, collection: Collection, user: User, point: Point, within_m: float, limit: int = 5
) -> list[dict[str, Any]]:
    """The features of ``collection`` that ``user`` may see within ``within_m`` metres of
    ``point`` (EPSG:4326), nearest first (0 m: the point is inside), each as ``id``,
    ``distance_m`` and the properties that user may read."""
    # A box in degrees around the point lets the GiST index find candidates; the geodesic
    # distance then decides. One degree of latitude is at least 110.5 km.
    dlat = within_m / 110_500
    dlon = dlat / max(math.cos(math.radians(point.y)), 0.01)
    box = Polygon.from_bbox((point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat))
    box.srid = 4326
    field = collection.geometry_field
    rows = (
        collection.queryset(user=user)
        .filter(**{f"{field}__bboverlaps": box})
        .annotate(
            distance_m=GeographyDistance(field, Value(point.ewkt)),
            props=collection.properties_expression(user=user),
        )
        .filter(distance_m__lte=within_m)
        .order_by("distance_m")
        .values("pk", "distance_m", "props")[:limit]
    )
    return [
        {"id": row["pk"], "distance_m": round(row["distance_m"], 1), "properties": row["props"]}
        for row in rows
    ]


@dataclass(frozen=True)
class DemoAccountView:
    username: str
    role: Role


def demo_accounts() -> list[DemoAccountView]:
    """The demo accounts that exist and may sign in (one per role, made by ``manage.py
    demo_users``), in the roles' order; empty outside a demo deployment."""
    names = {demo_username(role): role for role in Role}
    active = set(
        get_user_model()
        .objects.filter(username__in=names, is_active=True)
        .values_list("username", flat=True)
    )
    return [DemoAccountView(username=n, role=r) for n, r in names.items() if n in active]
