"""Importing cadastral files: a report first, then all parcels in one transaction or none.

The files are real French cadastral parcels (Paris 18e, sections AM and AN), see
tests/data/parcels/README.md; the locality's geometry does not constrain parcels, so they are
imported into the test locality as they are."""

import json
import time
from io import StringIO
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command

from core.errors import Conflict, InvalidInput, UnsupportedMediaType
from parcels.imports import ParcelFieldMap, parcels_import
from parcels.models import LandUse, Parcel, ParcelTransaction, TopologyRules, TransactionKind
from tests.factories import locality_create

DATA = Path(__file__).resolve().parent.parent / "data" / "parcels"
PARIS = 45  # parcels in each of the clean files
AM, AN = int("AM", 36), int("AN", 36)  # 382 and 383


def run(locality, town, officer, name, **options):
    options.setdefault("reason", "Initial load of the cadastral survey")
    return parcels_import(
        path=DATA / name, locality=locality, municipality=town, user=officer, **options
    )


@pytest.mark.parametrize("name", ["paris.geojson", "paris_2154.gpkg", "paris_shp.zip"])
def test_a_clean_file_imports_every_parcel_in_one_recorded_transaction(
    locality, town, officer, name
):
    report = run(locality, town, officer, name)
    assert not report.refused
    assert (report.written, report.imported, report.features) == (True, PARIS, PARIS)
    record = ParcelTransaction.objects.get()
    assert report.transaction_id == record.pk
    assert (record.kind, record.performed_by, record.reason) == (
        TransactionKind.IMPORT,
        officer,
        "Initial load of the cadastral survey",
    )
    assert record.details["file"] == name
    assert record.details["parcels"] == PARIS
    assert record.details["basins"] == {"AM": AM, "AN": AN}
    parcels = Parcel.objects.filter(created_by=record)
    assert parcels.count() == PARIS
    assert {p.valid_from for p in parcels} == {record.performed_at}
    assert not parcels.filter(is_synthetic=True).exists()
    first = parcels.get(basin=AM, number=1)
    assert (first.locality, first.municipality, first.status) == (locality, town, "active")
    # The French file's registered area (contenance) is kept beside the geodesic area.
    assert first.registered_area_m2 is not None
    assert first.area_m2 == pytest.approx(float(first.registered_area_m2), rel=0.05)
    assert first.geom.srid == 4326
    assert 2.3 < first.geom.centroid.x < 2.4  # Paris, longitude first


def test_the_lambert_93_geopackage_lands_where_the_wgs84_file_does(locality, town, officer):
    run(locality, town, officer, "paris_2154.gpkg")
    projected = {(p.basin, p.number): p.geom for p in Parcel.objects.all()}
    wgs84 = parcels_import(
        path=DATA / "paris.geojson",
        locality=locality,
        municipality=town,
        user=officer,
        reason="check",
        dry_run=True,
    )
    assert wgs84.counts["duplicate_in_register"] == PARIS
    source = shapely.from_geojson((DATA / "paris.geojson").read_text())
    first = shapely.from_wkb(bytes(projected[(AM, 1)].wkb))
    # Reprojection round trip Lambert-93 -> WGS 84: the same boundary to within a centimetre.
    assert shapely.hausdorff_distance(first, source.geoms[0]) < 1e-7


def test_a_dry_run_reports_and_writes_nothing(locality, town, officer, register_checksum):
    before = register_checksum()
    report = run(locality, town, officer, "paris.geojson", dry_run=True)
    assert (report.refused, report.written, report.parcels) == (False, False, PARIS)
    assert "nothing was written" in report.summary
    assert register_checksum() == before


def test_a_self_intersecting_parcel_refuses_the_file_naming_it_and_geos_reason(
    locality, town, officer, register_checksum
):
    before = register_checksum()
    report = run(locality, town, officer, "paris_bowtie.geojson")
    assert report.refused
    assert not report.written
    assert report.counts == {"invalid_geometry": 1}
    (problem,) = report.problems
    assert (problem["feature"], problem["label"]) == (0, "section AM, numero 1")
    assert problem["message"].startswith("feature 0 (section AM, numero 1): ")
    assert "Self-intersection[" in problem["message"]  # GEOS's reason, with where
    assert "nothing was written" in report.summary
    assert register_checksum() == before


def test_repair_mends_a_bowtie_only_if_it_stays_one_polygon(locality, town, officer):
    # A bow-tie becomes two triangles: still refused, as two polygons are not one parcel.
    report = run(locality, town, officer, "paris_bowtie.geojson", repair=True)
    assert report.counts == {"wrong_geometry_type": 1}
    assert "several polygons" in report.problems[0]["message"]
    assert not Parcel.objects.exists()


def test_overlaps_and_duplicates_within_the_file_are_reported(
    locality, town, officer, register_checksum
):
    before = register_checksum()
    report = run(locality, town, officer, "paris_overlaps.geojson")
    assert report.refused
    assert not report.written
    overlaps = [p for p in report.problems if p["code"] == "overlap_in_file"]
    # Feature 2 was grown by 3 m: every overlap involves it, beyond the 0.5 m² tolerance.
    assert overlaps
    assert all(2 in (p["feature"], p["other_feature"]) for p in overlaps)
    assert all(p["overlap_m2"] > 0.5 for p in overlaps)
    assert "tolerance is 0.5 m²" in overlaps[0]["message"]
    (duplicate,) = [p for p in report.problems if p["code"] == "duplicate_in_file"]
    assert duplicate["feature"] == PARIS - 1
    assert duplicate["other_feature"] == PARIS - 2
    assert f"basin {AN}" in duplicate["message"]
    assert register_checksum() == before


def test_a_file_already_in_the_register_is_reported_as_duplicates_and_overlaps(
    locality, town, officer, register_checksum
):
    run(locality, town, officer, "paris.geojson")
    before = register_checksum()
    report = run(locality, town, officer, "paris_shp.zip")
    assert report.counts["duplicate_in_register"] == PARIS
    assert report.counts["overlap_with_register"] >= PARIS
    first = next(p for p in report.problems if p["code"] == "duplicate_in_register")
    assert f"Ramallah {AM}/1 is already an active parcel" in first["message"]
    overlap = next(p for p in report.problems if p["code"] == "overlap_with_register")
    assert "overlaps the registered parcel Ramallah" in overlap["message"]
    assert register_checksum() == before


def test_an_overlap_with_a_parcel_of_another_locality_is_reported(locality, town, officer):
    run(locality, town, officer, "paris.geojson")
    elsewhere = locality_create(town=town, name_en="Al-Bireh", name_ar="البيرة")
    report = run(elsewhere, town, officer, "paris.geojson")
    # Same numbers in another locality are no duplicate; the land is still taken.
    assert "duplicate_in_register" not in report.counts
    assert report.counts["overlap_with_register"] >= PARIS
    assert Parcel.objects.filter(locality=elsewhere).count() == 0


def test_overlaps_within_the_tolerance_are_accepted(locality, town, officer):
    TopologyRules.objects.update_or_create(pk=1, defaults={"overlap_tolerance_m2": 200.0})
    report = run(locality, town, officer, "paris_overlaps.geojson")
    assert "overlap_in_file" not in report.counts
    assert report.counts == {"duplicate_in_file": 1}


def test_multipart_small_and_non_polygon_features_are_reported(locality, town, officer):
    report = run(locality, town, officer, "paris_shapes.geojson")
    by_feature = {p["feature"]: p for p in report.problems}
    assert by_feature[0]["code"] == "wrong_geometry_type"
    assert "MultiPolygon of 2 parts" in by_feature[0]["message"]
    assert 1 not in by_feature  # a MultiPolygon of one part is that polygon
    assert by_feature[2]["code"] == "below_min_area"
    assert "below the minimum parcel area of 10 m²" in by_feature[2]["message"]
    assert by_feature[3]["code"] == "wrong_geometry_type"
    assert "a LineString" in by_feature[3]["message"]
    assert not Parcel.objects.exists()


def test_bad_identifiers_and_land_uses_are_reported(locality, town, officer):
    mapping = ParcelFieldMap(
        basin="section", number="numero", land_use="usage", basin_codes="section"
    )
    report = run(locality, town, officer, "paris_bad_attributes.geojson", mapping=mapping)
    assert report.counts == {"bad_number": 1, "bad_land_use": 1}
    messages = " ".join(p["message"] for p in report.problems)
    assert "(numero = '12bis') is not a whole number" in messages
    assert "'castle' is not one of" in messages


def test_land_use_is_taken_from_the_mapped_field(locality, town, officer, tmp_path):
    data = json.loads((DATA / "paris_bad_attributes.geojson").read_text())
    data["features"] = data["features"][2:]
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps(data))
    mapping = ParcelFieldMap(basin="section", number="numero", land_use="usage",
                             basin_codes="section")  # fmt: skip
    report = parcels_import(
        path=path, locality=locality, municipality=town, user=officer, reason="r", mapping=mapping
    )
    assert report.written
    assert Parcel.objects.get().land_use == LandUse.RESIDENTIAL_A


def test_a_mapping_naming_missing_fields_is_refused_with_the_file_fields(locality, town, officer):
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, "paris.geojson", mapping=ParcelFieldMap())
    assert refused.value.code == "invalid_mapping"
    assert "no field basin, number" in refused.value.message
    assert "section" in refused.value.message


def test_a_file_in_a_crs_off_the_allow_list_is_refused(locality, town, officer):
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, "paris_3035.gpkg")
    assert refused.value.code == "unsupported_crs"
    assert "EPSG:3035" in refused.value.message


def test_coordinates_that_do_not_fit_the_declared_crs_are_refused(locality, town, officer):
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, "paris_wrong_crs.gpkg")
    assert refused.value.code == "wrong_crs"
    assert "do not fit its CRS (EPSG:4326)" in refused.value.message
    # Told the file's real CRS, the same file imports.
    report = run(locality, town, officer, "paris_wrong_crs.gpkg", source_crs=2154)
    assert report.imported == PARIS


def test_an_unknown_source_crs_option_is_refused(locality, town, officer):
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, "paris.geojson", source_crs=3035)
    assert refused.value.code == "unsupported_crs"


@pytest.mark.parametrize("name", ["paris_truncated.gpkg", "paris_truncated.geojson"])
def test_a_truncated_file_is_refused_with_a_clear_message(
    locality, town, officer, register_checksum, name
):
    before = register_checksum()
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, name)
    assert refused.value.code == "unreadable_file"
    # The message names the file and says it cannot be read (the importer's words vary with
    # the format: "is not valid GeoJSON", "is not a readable GeoPackage"...).
    assert refused.value.message.startswith(name)
    assert register_checksum() == before


def test_a_shapefile_cut_short_is_refused_and_said_to_look_truncated(locality, town, officer):
    report = run(locality, town, officer, "paris_truncated_shp.zip")
    assert report.refused
    assert not report.written
    assert set(report.counts) == {"missing_geometry"}
    assert any("looks truncated" in note for note in report.notes)
    assert not Parcel.objects.exists()


def test_a_file_of_another_format_is_refused(locality, town, officer, tmp_path):
    path = tmp_path / "parcels.csv"
    path.write_text("basin,number\n1,1\n")
    with pytest.raises(UnsupportedMediaType):
        parcels_import(path=path, locality=locality, municipality=town, user=officer, reason="r")


def test_an_import_needs_a_reason(locality, town, officer):
    with pytest.raises(InvalidInput) as refused:
        run(locality, town, officer, "paris.geojson", reason="  ")
    assert refused.value.code == "reason_missing"


def test_the_database_still_refuses_what_slips_past_the_report(
    locality, town, officer, register_checksum, monkeypatch
):
    # If a parcel appears between the report and the write (another officer's transaction),
    # the database's rules refuse the whole import with the typed error of the rule.
    run(locality, town, officer, "paris.geojson")
    monkeypatch.setattr("parcels.imports._check_identifiers", lambda *a, **k: None)
    monkeypatch.setattr("parcels.imports._check_overlaps_with_register", lambda *a, **k: None)
    before = register_checksum()
    with pytest.raises(Conflict):
        run(locality, town, officer, "paris_shp.zip")
    assert register_checksum() == before


def test_thousands_of_parcels_import_in_seconds(locality, town, officer, tmp_path):
    # A grid of 70 x 70 squares of about 420 m² (synthetic, for speed only).
    size, cols = 0.0002, 70
    features = [
        {
            "type": "Feature",
            "properties": {"basin": 7, "number": row * cols + col + 1},
            "geometry": shapely.geometry.mapping(
                shapely.box(
                    35.19 + col * size, 31.89 + row * size,
                    35.19 + (col + 1) * size, 31.89 + (row + 1) * size,
                )
            ),
        }
        for row in range(cols)
        for col in range(cols)
    ]  # fmt: skip
    path = tmp_path / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    began = time.monotonic()
    report = parcels_import(
        path=path,
        locality=locality,
        municipality=town,
        user=officer,
        reason="Synthetic grid",
        is_synthetic=True,
    )
    seconds = time.monotonic() - began
    assert report.imported == cols * cols
    assert Parcel.objects.filter(is_synthetic=True).count() == cols * cols
    assert seconds < 60, f"{cols * cols} parcels took {seconds:.1f} s"


def test_the_command_prints_the_report_and_fails_when_refused(locality, town, officer):
    out = StringIO()
    call_command(
        "import_parcels",
        str(DATA / "paris.geojson"),
        locality=str(locality.pk),
        reason="Initial load",
        stdout=out,
    )
    assert "Imported 45 parcels into Ramallah" in out.getvalue()
    assert Parcel.objects.count() == PARIS
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_parcels",
            str(DATA / "paris_overlaps.geojson"),
            locality="Ramallah",
            dry_run=True,
            stdout=out,
        )
    assert "nothing was written" in str(refused.value)
    assert "overlap_in_file" in out.getvalue()
    assert "duplicate_in_register" in out.getvalue()


def test_the_command_reads_the_named_fields(locality, town, officer):
    out = StringIO()
    call_command(
        "import_parcels",
        str(DATA / "paris_2154.gpkg"),
        locality="ramallah",
        basin_field="section",
        basin_codes="section",
        number_field="numero",
        dry_run=True,
        stdout=out,
    )
    assert "45 parcels would be imported" in out.getvalue()
    assert f"AM → {AM}" in out.getvalue()
    assert not Parcel.objects.exists()


def test_the_command_refuses_an_unknown_locality(db):
    with pytest.raises(CommandError, match="No locality"):
        call_command("import_parcels", str(DATA / "paris.geojson"), locality="Atlantis")
