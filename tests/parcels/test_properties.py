"""Properties of splitting and merging parcels, checked by hypothesis over generated cut lines
(a fixed seed: the same examples on every run): area is neither lost nor made, the pieces do
not overlap, and a refusal changes nothing."""

from __future__ import annotations

from django.contrib.gis.geos import LineString
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from parcels.models import Parcel, ParcelStatus
from parcels.services import parcel_merge, parcel_split
from tests.factories import PARCEL_SIZE

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
SPLITS = settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])


class _Undo(Exception):
    """Raised to roll an example back: each example starts from the same register."""


def _geodesic(sql: str, params: list) -> float:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] or 0.0


def _overlap_m2(ids: list[int]) -> float:
    return _geodesic(
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
        "FROM parcels_parcel a JOIN parcels_parcel b ON a.id < b.id "
        "WHERE a.id = ANY(%s) AND b.id = ANY(%s)",
        [ids, ids],
    )


def _gap_m2(parent_id: int, ids: list[int]) -> float:
    """The area of the parent that no child covers, and of children outside the parent."""
    return _geodesic(
        "SELECT ST_Area(ST_SymDifference(p.geom, (SELECT ST_Union(geom) FROM parcels_parcel "
        "WHERE id = ANY(%s)))::geography) FROM parcels_parcel p WHERE p.id = %s",
        [ids, parent_id],
    )


@SPLITS
@given(a=fractions, b=fractions, c=fractions, d=fractions, two=st.booleans())
def test_a_split_keeps_the_area_and_its_pieces_never_overlap(pair, officer, a, b, c, d, two):
    parent = pair[0]
    x0, y0, x1, y1 = parent.geom.extent
    pad = PARCEL_SIZE * 0.1
    # A line from the west edge to the east edge, and perhaps one from south to north.
    lines = [LineString((x0 - pad, y0 + a * (y1 - y0)), (x1 + pad, y0 + b * (y1 - y0)), srid=4326)]
    if two:
        lines.append(
            LineString((x0 + c * (x1 - x0), y0 - pad), (x0 + d * (x1 - x0), y1 + pad), srid=4326)
        )
    try:
        with transaction.atomic():
            before = Parcel.objects.values_list("pk", "status", "version").order_by("pk")
            before = list(before)
            try:
                result = parcel_split(parcel=parent, cut_lines=lines, user=officer, reason="test")
            except DomainError as refusal:
                result, status = None, refusal.status_code
            if result is None:  # refused (a sliver, a line that misses): nothing changed
                assert status in (400, 409)
                assert (
                    list(Parcel.objects.values_list("pk", "status", "version").order_by("pk"))
                    == before
                )
                raise _Undo
            ids = [child.pk for child in result.children]
            assert len(ids) >= 2
            parent.refresh_from_db()
            assert parent.status == ParcelStatus.RETIRED
            children = Parcel.objects.filter(pk__in=ids)
            total = sum(child.area_m2 for child in children)
            assert abs(total - parent.area_m2) < max(0.01, parent.area_m2 * 1e-6)
            assert _overlap_m2(ids) < 0.01
            assert _gap_m2(parent.pk, ids) < 0.01
            assert min(child.area_m2 for child in children) >= 10.0  # no sliver registered
            raise _Undo
    except _Undo:
        pass


@SPLITS
@given(a=fractions, b=fractions)
def test_merging_the_pieces_of_a_split_gives_back_the_area(pair, officer, a, b):
    parent = pair[0]
    x0, y0, x1, y1 = parent.geom.extent
    pad = PARCEL_SIZE * 0.1
    line = LineString((x0 - pad, y0 + a * (y1 - y0)), (x1 + pad, y0 + b * (y1 - y0)), srid=4326)
    try:
        with transaction.atomic():
            try:
                split = parcel_split(parcel=parent, cut_lines=[line], user=officer, reason="t")
            except DomainError:
                raise _Undo from None
            merged = parcel_merge(parcels=split.children, user=officer, reason="t").children[0]
            merged.refresh_from_db()
            parent.refresh_from_db()
            assert abs(merged.area_m2 - parent.area_m2) < max(0.01, parent.area_m2 * 1e-6)
            assert merged.geom.equals_exact(parent.geom, 1e-9) or (
                _geodesic(
                    "SELECT ST_Area(ST_SymDifference(%s::geometry, %s::geometry)::geography)",
                    [merged.geom.ewkt, parent.geom.ewkt],
                )
                < 0.01
            )
            raise _Undo
    except _Undo:
        pass
