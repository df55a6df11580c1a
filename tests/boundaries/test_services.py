"""Loading the administrative reference data: real files, repairs, refusals, idempotence."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from boundaries.models import Governorate, Locality, Municipality, Region
from boundaries.services import reference_data_load
from core.errors import InvalidInput
from tests.conftest import DATA

REFERENCE = Path(settings.REFERENCE_DATA_DIR)


def counts() -> tuple[int, int, int, int]:
    return (
        Region.objects.count(),
        Governorate.objects.count(),
        Locality.objects.count(),
        Municipality.objects.count(),
    )


@pytest.fixture
def source_dir(tmp_path) -> Path:
    """A writable copy of data/reference, to break one file at a time."""
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE, target)
    return target


def test_real_reference_data_loads_completely(reference_data):
    assert counts() == (2, 16, 342, 2)
    assert reference_data.datasets["localities"].created == 342


def test_one_real_invalid_locality_is_repaired_and_reported(reference_data):
    repaired = reference_data.datasets["localities"].repaired
    assert len(repaired) == 1
    assert Locality.objects.get(source_key=repaired[0]).geom.valid


def test_localities_join_their_governorate_by_position(reference_data):
    assert Locality.objects.get(source_key="RAMALLAH").governorate.pcode == "PS0130"
    assert Locality.objects.get(source_key="EL BIRA").governorate.pcode == "PS0130"
    assert Locality.objects.filter(governorate__isnull=True).count() < 10


def test_municipal_area_is_geodesic_and_agrees_with_the_source(reference_data):
    ramallah = Municipality.objects.get(slug="ramallah")
    assert ramallah.name_ar == "رام الله"
    assert ramallah.governorate.pcode == "PS0130"
    # OCHA states 14,828,588.6 m² for Ramallah; ours is computed on the ellipsoid.
    assert ramallah.area_m2 == pytest.approx(14_828_588.6, rel=0.01)


def test_governorates_carry_arabic_names_and_sourced_postcode_digits(reference_data):
    gaza = Governorate.objects.get(pcode="PS0260")
    assert (gaza.name_ar, gaza.postcode_digit, gaza.postcode_zone_first) == ("غزة", 8, 840)
    ramallah = Governorate.objects.get(pcode="PS0130")
    assert ramallah.postcode_digit == 6
    assert ramallah.postcode_source.startswith("UNVERIFIED")
    assert Governorate.objects.get(pcode="PS0101").postcode_digit is None


def test_loading_twice_changes_nothing_but_updates(reference_data):
    before = counts()
    report = reference_data_load(source_dir=REFERENCE)
    assert counts() == before
    assert all(r.created == 0 for r in report.datasets.values())
    assert report.datasets["localities"].updated == 342


def test_bow_tie_polygon_is_repaired_and_reported(source_dir, db):
    shutil.copy(DATA / "locality_bowtie.geojson", source_dir / "localities.geojson")
    (source_dir / "municipalities.csv").write_text(
        "slug,name_en,name_ar,governorate_pcode,localities\n"
    )
    report = reference_data_load(source_dir=source_dir)
    assert report.datasets["localities"].repaired == ["BOWTIE TEST"]
    locality = Locality.objects.get(source_key="BOWTIE TEST")
    assert locality.geom.valid
    assert len(locality.geom) == 2  # the bow-tie becomes its two triangles


@pytest.mark.parametrize(
    ("bad_file", "code"),
    [
        ("localities_palestine_grid.geojson", "wrong_crs"),
        ("localities_null_geometry.geojson", "missing_geometry"),
    ],
)
def test_bad_file_is_refused_and_nothing_is_written(source_dir, db, bad_file, code):
    shutil.copy(DATA / bad_file, source_dir / "localities.geojson")
    with pytest.raises(InvalidInput) as raised:
        reference_data_load(source_dir=source_dir)
    assert raised.value.code == code
    assert "localities.geojson" in raised.value.message
    assert counts() == (0, 0, 0, 0)


def test_unknown_locality_in_a_municipality_rolls_back_everything(source_dir, db):
    (source_dir / "municipalities.csv").write_text(
        "slug,name_en,name_ar,governorate_pcode,localities\nx,X,س,PS0130,ATLANTIS\n"
    )
    with pytest.raises(InvalidInput, match="unknown localities ATLANTIS"):
        reference_data_load(source_dir=source_dir)
    assert counts() == (0, 0, 0, 0)


def test_missing_file_is_named(source_dir, db):
    (source_dir / "governorates.csv").unlink()
    with pytest.raises(InvalidInput, match=r"missing: .*governorates\.csv"):
        reference_data_load(source_dir=source_dir)


def test_record_without_a_required_field_is_named_and_nothing_is_written(source_dir, db):
    broken = (source_dir / "regions.csv").read_text().replace("pcode,name_ar", "code,name_ar")
    (source_dir / "regions.csv").write_text(broken)
    with pytest.raises(InvalidInput, match=r"regions\.csv: a record lacks the field pcode"):
        reference_data_load(source_dir=source_dir)
    assert counts() == (0, 0, 0, 0)


def test_unreadable_number_is_named(source_dir, db):
    text = (source_dir / "governorates.csv").read_text().replace(",6,,,", ",six,,,")
    (source_dir / "governorates.csv").write_text(text)
    with pytest.raises(InvalidInput, match=r"governorates\.csv: invalid literal for int"):
        reference_data_load(source_dir=source_dir)
    assert counts() == (0, 0, 0, 0)
