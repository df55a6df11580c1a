"""Real GIS clients read the OGC API: GDAL's OAPIF driver and OWSLib list the collections and
read every feature."""

import re
import subprocess

import pytest
from owslib.ogcapi.features import Features

from boundaries.models import Locality, Municipality
from tests.factories import layer_with_points

pytestmark = pytest.mark.django_db(transaction=True)

LIGHTS = [(35.20 + i * 0.0005, 31.905) for i in range(25)]


@pytest.fixture
def data(reference_data):
    layer_with_points(points=LIGHTS)
    layer_with_points(slug="sewer-valves", visibility="internal", points=LIGHTS[:2])


# Every public collection: boundaries, the address register, the parcels and the public layer
# (never the internal sewer-valves).
PUBLIC = {
    *("municipalities", "governorates", "localities", "streetlights"),
    *("addresses", "streets", "postal-zones", "areas", "places", "parcels"),
    "service-requests",  # citizens' reports, without their contact or photo
}


def test_gdal_oapif_lists_public_collections_and_reads_every_feature(live_server, data):
    url = f"OAPIF:{live_server.url}/ogcapi/"
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-q", url], capture_output=True, text=True, timeout=120
    )
    assert listing.returncode == 0, listing.stderr
    names = re.findall(r"^\d+: (\S+)", listing.stdout, re.MULTILINE)
    assert set(names) == PUBLIC
    for layer, expected in [
        ("localities", Locality.objects.count()),
        ("municipalities", Municipality.objects.count()),
        ("streetlights", len(LIGHTS)),
    ]:
        read = subprocess.run(
            ["ogrinfo", "-ro", "-al", "-q", url, layer],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.count("OGRFeature(") == expected, layer


def test_owslib_lists_collections_and_pages_through_every_feature(live_server, data):
    api = Features(f"{live_server.url}/ogcapi/")
    ids = {c["id"] for c in api.collections()["collections"]}
    assert ids == PUBLIC
    assert "core" in " ".join(api.conformance()["conformsTo"])
    seen, offset = [], 0
    while True:
        page = api.collection_items("localities", limit=100, offset=offset)
        seen += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 100
    assert sorted(seen) == sorted(Locality.objects.values_list("pk", flat=True))
    lights = api.collection_items("streetlights", limit=1000)
    assert lights["numberReturned"] == len(LIGHTS)
