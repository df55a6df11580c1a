"""Writes of routing: rebuilding the graph from the street register, and closures."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from core.geometry import geometry_check_size
from core.models import ChangeAction
from core.roles import signed_in
from core.services import change_record
from core.text import text_check
from routing import sql
from routing.engines import router_state_changed
from routing.models import Closure, Edge, GraphBuild

MAX_REASON_LENGTH = 200


@transaction.atomic
def routing_graph_build() -> GraphBuild:
    """Cut the street register into the routable graph (nodes where streets cross, meet or
    end; edges with geodesic length in metres and seconds at each street's speed, one-way
    streets open in one direction only, turn restrictions placed at their crossings). Routers
    reload it on their next request."""
    began = time.monotonic()
    nodes, edges, turns, unplaced = sql.graph_build()
    build = GraphBuild.objects.create(
        nodes=nodes,
        edges=edges,
        turns=turns,
        turns_unplaced=unplaced,
        seconds=time.monotonic() - began,
    )
    transaction.on_commit(router_state_changed)
    return build


def _closure_geometry(geom: GEOSGeometry) -> GEOSGeometry:
    if geom is None or geom.empty:
        raise InvalidInput("Draw the closure: a line along the street or an area.")
    if geom.srid not in (None, 4326):
        raise InvalidInput(
            f"A closure is drawn in EPSG:4326, not EPSG:{geom.srid}.", code="wrong_crs"
        )
    geom.srid = 4326
    if geom.geom_type not in ("LineString", "MultiLineString", "Polygon", "MultiPolygon", "Point"):
        raise InvalidInput(f"A closure is a line, an area or a point, not a {geom.geom_type}.")
    if not geom.valid:
        raise InvalidInput(
            f"The closure's geometry is invalid: {geom.valid_reason}.", code="invalid_geometry"
        )
    geometry_check_size(geometry=geom)
    return geom


@transaction.atomic
def closure_create(
    *,
    geom: GEOSGeometry,
    starts_at: datetime,
    ends_at: datetime | None,
    reason_ar: str = "",
    reason_en: str = "",
    user=None,
) -> Closure:
    """Close every street piece ``geom`` (EPSG:4326) touches from ``starts_at`` until
    ``ends_at`` (None: until lifted). Routes avoid it from their next request on."""
    geom = _closure_geometry(geom)
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("A closure ends after it starts.", code="closure_times")
    if not (reason_ar.strip() or reason_en.strip()):
        raise InvalidInput(
            "Say why the street is closed (in Arabic or English).", code="reason_missing"
        )
    for field, reason in (("reason_ar", reason_ar), ("reason_en", reason_en)):
        text_check(reason, field=field, max_length=MAX_REASON_LENGTH)
    if not Edge.objects.filter(geom__intersects=geom).exists():
        raise InvalidInput(
            "The closure touches no street of the routing graph; draw it on the street.",
            code="closure_off_network",
        )
    closure = Closure.objects.create(
        geom=geom,
        starts_at=starts_at,
        ends_at=ends_at,
        reason_ar=reason_ar.strip(),
        reason_en=reason_en.strip(),
        created_by=signed_in(user),
    )
    change_record(
        collection="closures",
        feature_id=closure.pk,
        version=1,
        action=ChangeAction.CREATE,
        user=user,
        before=None,
        after=_snapshot(closure),
    )
    transaction.on_commit(router_state_changed)
    return closure


@transaction.atomic
def closure_lift(*, closure: Closure, user=None) -> Closure:
    """End a closure now."""
    now = timezone.now()
    locked = Closure.objects.select_for_update().get(pk=closure.pk)
    if locked.ends_at is not None and locked.ends_at <= now:
        raise Conflict("This closure has already ended.", code="closure_ended")
    before = _snapshot(locked)
    locked.ends_at = max(now, locked.starts_at + timedelta(seconds=1))
    locked.save(update_fields=["ends_at", "updated_at"])
    change_record(
        collection="closures",
        feature_id=locked.pk,
        version=2,
        action=ChangeAction.UPDATE,
        user=user,
        before=before,
        after=_snapshot(locked),
    )
    transaction.on_commit(router_state_changed)
    return locked


def _snapshot(closure: Closure) -> dict:
    return {
        "geometry": closure.geom.json,
        "starts_at": closure.starts_at.isoformat(),
        "ends_at": closure.ends_at.isoformat() if closure.ends_at else None,
        "reason_ar": closure.reason_ar,
        "reason_en": closure.reason_en,
    }
