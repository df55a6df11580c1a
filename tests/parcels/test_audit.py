"""The topology audit finds what the database rules cannot refuse: overlaps left by data that
came in before the rules, gaps inside a basin, and slivers."""

import io
import json

import pytest
from django.contrib.gis.geos import Polygon
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from core.errors import InvalidInput
from parcels.audit import SLIVER_GAP, SLIVER_PARCEL, topology_audit
from parcels.models import Parcel, ParcelTransaction
from parcels.services import geodesic_area, parcel_create, parcel_retire
from tests.factories import PARCEL_SIZE, parcel_square, parcels_grid

ORIGIN = (35.200, 31.900)


def cells(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A rectangle given in grid cells (PARCEL_SIZE degrees) from the factories' origin."""
    polygon = Polygon.from_bbox(
        (
            ORIGIN[0] + x0 * PARCEL_SIZE,
            ORIGIN[1] + y0 * PARCEL_SIZE,
            ORIGIN[0] + x1 * PARCEL_SIZE,
            ORIGIN[1] + y1 * PARCEL_SIZE,
        )
    )
    polygon.srid = 4326
    return polygon


def register(*, locality, town, user, number: int, geom: Polygon, basin: int = 1) -> Parcel:
    return parcel_create(
        locality=locality,
        municipality=town,
        basin=basin,
        number=number,
        geom=geom,
        user=user,
        reason="Registered for a test",
    )


def imported_without_rules(*, locality, town, number: int, geom: Polygon, basin: int) -> Parcel:
    """A parcel written as an import made before the overlap rule existed would have left it:
    the rule's trigger is off for this write only (the test's transaction undoes it all)."""
    record = ParcelTransaction.objects.create(
        kind="import", reason="An old register", performed_at=timezone.now()
    )
    with connection.cursor() as cursor:
        # PostgreSQL alters no table with checks still queued on it: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE parcels_parcel DISABLE TRIGGER parcel_no_overlap")
    parcel = Parcel.objects.create(
        locality=locality,
        municipality=town,
        basin=basin,
        number=number,
        geom=geom,
        valid_from=timezone.now(),
        created_by=record,
    )
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE parcels_parcel ENABLE TRIGGER parcel_no_overlap")
    return parcel


@pytest.fixture
def grid(locality, town, officer):
    """Basin 1 of Ramallah: 3 x 3 square parcels of about 420 m², numbered 1-9 row by row."""
    return parcels_grid(locality=locality, town=town, user=officer, cols=3, rows=3)


def test_a_clean_grid_reports_nothing(grid, locality):
    report = topology_audit()

    assert report.clean
    assert (report.overlaps, report.gaps, report.slivers) == ([], [], [])
    assert (report.parcels, report.basins) == (9, 1)
    assert topology_audit(locality=locality, basin=1).clean


def test_an_overlap_slipped_in_before_the_rules_is_reported_with_both_parcels(pair, locality, town):
    # Basin 2's parcel reaches a quarter of a cell (about 105 m²) into Ramallah 1/1.
    imported_without_rules(
        locality=locality, town=town, basin=2, number=1, geom=cells(-0.75, 0, 0.25, 1)
    )

    report = topology_audit()

    (overlap,) = report.overlaps
    assert {overlap.first, overlap.second} == {"Ramallah 1/1", "Ramallah 2/1"}
    assert overlap.area_m2 == pytest.approx(geodesic_area(cells(0, 0, 0.25, 1)), rel=1e-6)
    lon, _lat = overlap.point
    assert ORIGIN[0] < lon < ORIGIN[0] + 0.25 * PARCEL_SIZE
    assert not report.clean


def test_an_overlap_with_another_basin_is_reported_when_auditing_one_basin(pair, locality, town):
    imported_without_rules(
        locality=locality, town=town, basin=2, number=1, geom=cells(-0.75, 0, 0.25, 1)
    )

    for basin in (1, 2):
        (overlap,) = topology_audit(locality=locality, basin=basin).overlaps
        assert {overlap.first, overlap.second} == {"Ramallah 1/1", "Ramallah 2/1"}


def test_an_overlap_within_the_tolerance_is_not_reported(pair, locality, town):
    # A strip of 1e-7° (about 1 cm) over 1/1's western edge: about 0.2 m², under 0.5 m².
    imported_without_rules(
        locality=locality, town=town, basin=2, number=1, geom=cells(-1, 0, 0.0005, 1)
    )

    assert topology_audit().overlaps == []


def test_a_gap_enclosed_by_a_basins_parcels_is_reported_with_its_area(grid, officer):
    centre = grid[4]  # Ramallah 1/5
    parcel_retire(parcel=centre, user=officer, reason="Expropriated for a well")

    report = topology_audit()

    (gap,) = report.gaps
    assert (gap.locality, gap.basin) == ("Ramallah", 1)
    assert gap.area_m2 == pytest.approx(geodesic_area(parcel_square(col=1, row=1)), rel=1e-6)
    assert gap.point == pytest.approx(
        (ORIGIN[0] + 1.5 * PARCEL_SIZE, ORIGIN[1] + 1.5 * PARCEL_SIZE), abs=PARCEL_SIZE / 2
    )
    assert set(gap.bordering) == {f"Ramallah 1/{n}" for n in (1, 2, 3, 4, 6, 7, 8, 9)}
    assert json.loads(gap.geojson)["type"] == "Polygon"
    assert report.slivers == []  # a whole parcel's worth of land is a gap, not a sliver


def test_a_hole_filled_by_a_parcel_of_another_basin_is_not_a_gap(grid, locality, town, officer):
    parcel_retire(parcel=grid[4], user=officer, reason="Moved to basin 2")
    register(
        locality=locality,
        town=town,
        user=officer,
        basin=2,
        number=1,
        geom=parcel_square(col=1, row=1),
    )

    assert topology_audit().gaps == []


def test_land_outside_a_basin_is_not_a_gap(locality, town, officer):
    # An L of three parcels: the missing corner is open to the outside, so nothing encloses it.
    for number, (col, row) in enumerate([(0, 0), (1, 0), (0, 1)], start=1):
        register(
            locality=locality,
            town=town,
            user=officer,
            number=number,
            geom=parcel_square(col=col, row=row),
        )

    assert topology_audit().clean


def test_a_thin_parcel_is_reported_as_a_sliver(locality, town, officer):
    parcels_grid(locality=locality, town=town, user=officer, cols=4, rows=1)
    # 4 cells long, 5% of a cell deep: about 76 m by 1.1 m, 84 m² (not small) but thin.
    strip = register(
        locality=locality, town=town, user=officer, number=5, geom=cells(0, 1, 4, 1.05)
    )

    report = topology_audit()

    (sliver,) = report.slivers
    assert (sliver.kind, sliver.identifier, sliver.parcel_id) == (
        SLIVER_PARCEL,
        "Ramallah 1/5",
        strip.pk,
    )
    assert sliver.thin
    assert not sliver.small
    assert sliver.compactness < 0.1
    assert sliver.area_m2 == pytest.approx(strip.area_m2)
    assert report.overlaps == []
    assert report.gaps == []


def test_a_thin_gap_between_parcels_is_reported_as_a_gap_and_a_sliver(locality, town, officer):
    # A frame of parcels around a strip of land 2 cells long and 5% of a cell deep.
    frame = [
        cells(0, 0, 4, 1),
        cells(0, 1, 1, 2),
        cells(3, 1, 4, 2),
        cells(1, 1, 3, 1.95),
        cells(0, 2, 4, 3),
    ]
    for number, geom in enumerate(frame, start=1):
        register(locality=locality, town=town, user=officer, number=number, geom=geom)

    report = topology_audit()

    (gap,) = report.gaps
    assert gap.area_m2 == pytest.approx(geodesic_area(cells(1, 1.95, 3, 2)), rel=1e-6)
    assert set(gap.bordering) == {f"Ramallah 1/{n}" for n in (2, 3, 4, 5)}
    (sliver,) = report.slivers
    assert (sliver.kind, sliver.identifier) == (SLIVER_GAP, None)
    assert sliver.small
    assert sliver.thin
    assert sliver.area_m2 == gap.area_m2


def test_a_small_parcel_is_reported_as_a_sliver(locality, town, officer):
    # A quarter of a cell each way: about 26 m², above the 10 m² minimum of a parcel and
    # below the 50 m² of a sliver.
    small = register(
        locality=locality, town=town, user=officer, number=1, geom=cells(0, 0, 0.25, 0.25)
    )

    (sliver,) = topology_audit().slivers

    assert (sliver.identifier, sliver.small, sliver.thin) == (small.identifier, True, False)


def test_a_basin_without_its_locality_is_refused(grid):
    with pytest.raises(InvalidInput) as refused:
        topology_audit(basin=1)

    assert refused.value.code == "audit_basin_without_locality"


def test_the_command_exits_with_1_and_reports_what_it_found(grid, officer):
    parcel_retire(parcel=grid[4], user=officer, reason="Expropriated for a well")
    out = io.StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("parcels_audit", "--locality", "ramallah", "--json", stdout=out)

    assert exited.value.code == 1
    report = json.loads(out.getvalue())
    assert report["clean"] is False
    assert [g["basin"] for g in report["gaps"]] == [1]
    assert report["gaps"][0]["geometry"]["type"] == "Polygon"


def test_the_command_says_clean_and_exits_normally_on_a_clean_register(grid):
    out = io.StringIO()

    call_command("parcels_audit", "--locality", "Ramallah", "--basin", "1", stdout=out)

    assert "9 active parcels in 1 basins" in out.getvalue()
    assert out.getvalue().rstrip().endswith("Clean.")


def test_the_command_refuses_an_unknown_locality(grid):
    with pytest.raises(CommandError, match="no locality 'Atlantis'"):
        call_command("parcels_audit", "--locality", "Atlantis")
