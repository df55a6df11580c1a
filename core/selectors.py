"""Reads that belong to no single domain: the platform's own health."""

from __future__ import annotations

from django.db import DatabaseError, connection


def system_health() -> dict[str, str]:
    """State of the database (with its PostGIS version) and of the job broker."""
    from celery import current_app

    health: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            health["database"] = "ok"
            health["postgis"] = cursor.fetchone()[0]
    except DatabaseError as exc:
        health["database"] = f"error: {str(exc).strip().splitlines()[0]}"
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        health["broker"] = "ok"
    except Exception as exc:  # kombu raises many transport-specific types
        health["broker"] = f"error: {type(exc).__name__}"
    return health
