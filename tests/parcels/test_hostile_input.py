"""The hostile-input corpus (tests/hostile.py) against every endpoint of the cadastral register
and the parcel-by-address lookup: each case is refused with a 4xx and a message, and no table
changes. Writes are sent as a cadastre officer, so that every case reaches the deepest check
it can; an anonymous client and a planner are refused before any of them."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from core.roles import Role
from parcels.models import SourceDocument
from parcels.services import RightSpec, parcel_rights_set, party_create, source_document_upload
from tests.factories import PARCEL_SIZE, UserFactory
from tests.hostile import (
    GEOMETRIES,
    HOSTILE_UPLOADS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    huge_polygon,
    inert_judge,
    raw_bodies,
    text_cases,
)

COVERED = {
    "parcels:lookup",
    "parcels:audits",
    "parcels:merge",
    "parcels:documents",
    "parcels:document-file",
    "parcels:parcel",
    "parcels:lineage",
    "parcels:rights",
    "parcels:split",
    "parcels:adjust",
    "parcels:retire",
    "parcel-by-address",
}

X0, Y0 = 35.200, 31.900
PDF = b"%PDF-1.4\n% a deed\n"
# Ids that name no row, from the smallest to past the 64-bit range.
MISSING_IDS = (0, 2**31, 2**63 - 1, 2**63, 10**30)
# Versions a client might send that are not the parcel's version (1) as a whole number.
BAD_VERSIONS = {
    "stale": 7,
    "negative": -1,
    "huge": 10**30,
    "true": True,
    "fraction_of_one": 1.5,
    "float_one": 1.0,
    "list": [1],
    "object": {"version": 1},
    "string_stale": "7",
    "string_float": "1.0",
    "string_underscore": "0_1",
    "string_arabic_digit": "١",
    "string_whitespace": " 1 \n",
    "digits_5000": "9" * 5000,
}
BAD_IF_MATCH = {
    "stale": '"7"',
    "weak_stale": 'W/"0"',
    "star": "*",
    "two_etags": '"1", "2"',
    "float": '"1.0"',
    "arabic_digit": '"١"',
    **filter_cases(),
}
# Dates and times that are no date, or no date that exists.
BAD_DATES = {
    **filter_cases(),
    "february_30": "2026-02-30T12:00:00Z",
    "hour_25": "2026-01-31T25:00:00Z",
    "offset_99_hours": "2026-01-31T12:00:00+99:00",
    "year_zero": "0000-01-01T00:00:00Z",
    "year_10000": "10000-01-01T00:00:00Z",
    "date_only_garbage": "2026-01-31; DROP TABLE parcels_parcel",
    "nan": "NaN",
}
CRS_GEOMETRY = {
    "type": "Polygon",
    "coordinates": [[[X0, Y0], [X0 + 0.0001, Y0], [X0 + 0.0001, Y0 + 0.0001], [X0, Y0]]],
    "crs": {"type": "name", "properties": {"name": "+init=/etc/passwd:4326"}},
}


@pytest.fixture(autouse=True)
def unthrottled(settings):
    """The corpus sends hundreds of requests a minute: no rate limit (core.throttles) must
    answer them in place of the checks this module is about."""
    settings.API_RATE_LIMITS = {
        scope: {"public": None, "staff": None} for scope in settings.API_RATE_LIMITS
    }


@pytest.fixture
def officer_client(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.CADASTRE_OFFICER))
    return client


@pytest.fixture
def owned(pair, officer):
    """Parcels 1/1 (owned by one person, with a deed) and 1/2, its eastern neighbour."""
    party = party_create(kind="person", name_ar="مريم", name_en="Mariam")
    deed = source_document_upload(
        kind="deed",
        reference="D-1",
        upload=SimpleUploadedFile("deed.pdf", PDF),
        user=officer,
    )
    parcel_rights_set(
        parcel=pair[0],
        rights=[RightSpec(party=party, kind="ownership", share=Fraction(1))],
        user=officer,
        reason="Sale",
        documents=[deed],
    )
    pair[0].refresh_from_db()
    return {"parcel": pair[0], "neighbour": pair[1], "party": party, "deed": deed}


def _post(client: APIClient, url: str, body, *, method: str = "post", **headers):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json", **headers)


def _cut(fraction: float = 0.5) -> dict:
    x = X0 + fraction * PARCEL_SIZE
    return {"type": "LineString", "coordinates": [[x, Y0 - 0.0001], [x, Y0 + 0.0003]]}


def _square(x1: float) -> dict:
    ring = [[X0, Y0], [x1, Y0], [x1, Y0 + PARCEL_SIZE], [X0, Y0 + PARCEL_SIZE], [X0, Y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _geometry_cases() -> dict:
    """Every corpus geometry, the 25,000-vertex polygon, and one with a ``crs`` member."""
    return {**GEOMETRIES, "huge_polygon": huge_polygon(), "with_crs_member": CRS_GEOMETRY}


def _huge_line() -> dict:
    """A cut line of 25,000 vertices across parcel 1/1 (an edit may have 20,000)."""
    x = X0 + PARCEL_SIZE / 2
    step = 0.0004 / 25_000
    return {
        "type": "LineString",
        "coordinates": [[x, Y0 - 0.0001 + i * step] for i in range(25_000)],
    }


def _send_transaction_fields(run, send, base: dict) -> None:
    """The fields every transaction takes: reason (free text that is stored), documents (ids)
    and the version the client read (body and If-Match)."""
    for name, text in text_cases().items():
        run.send(f"reason={name}", lambda t=text: send({**base, "reason": t}))
    for name, value in {
        **filter_cases(),
        "missing_id": 2**63,
        "negative": -1,
        "float": 1.5,
        "true": True,
        "nested": [[1]],
    }.items():
        run.send(f"documents=[{name}]", lambda v=value: send({**base, "documents": [v]}))
    run.send("documents=string", lambda: send({**base, "documents": "1,2"}))
    run.send("reason=not_a_string", lambda: send({**base, "reason": {"text": "Sale"}}))


def _send_versions(run, send, base: dict) -> None:
    for name, value in {**BAD_VERSIONS, **filter_cases()}.items():
        run.send(f"version={name}", lambda v=value: send({**base, "version": v}))
    for name, value in BAD_IF_MATCH.items():
        run.send(f"If-Match={name}", lambda v=value: send(base, HTTP_IF_MATCH=v))


# -- reads ----------------------------------------------------------------------------------


def test_hostile_lookups_are_refused_and_change_nothing(client, owned):
    url = "/api/v1/parcels/lookup"
    with hostile_endpoint("GET /api/v1/parcels/lookup") as run:
        for name, value in filter_cases().items():
            # An identifier is text a person types to find a parcel: an injection string in it
            # is a search for that string, which finds nothing (inert: a 4xx or a harmless
            # answer, never echoed into HTML).
            run.send(
                f"identifier={name}",
                lambda v=value: client.get(url, {"identifier": v}),
                judge=inert_judge(value),
            )
        run.send("identifier=over_long", lambda: client.get(url, {"identifier": "1/1" * 5000}))
        numbers = {
            **filter_cases(),
            "nan": "nan",
            "inf": "inf",
            "minus_inf": "-inf",
            "overflow": "1e309",
            "out_of_range": "1000",
            "hex": "0x23",
        }
        for name, value in numbers.items():
            for param, other in (("lon", ("lat", "31.9001")), ("lat", ("lon", "35.2001"))):
                run.send(
                    f"{param}={name}",
                    lambda p=param, o=other, v=value: client.get(url, {p: v, o[0]: o[1]}),
                )
        for name, value in BAD_DATES.items():
            run.send(
                f"at={name}",
                lambda v=value: client.get(url, {"identifier": "Ramallah 1/1", "at": v}),
            )
        run.send("nothing_to_look_up", lambda: client.get(url))
        run.send("lon_without_lat", lambda: client.get(url, {"lon": "35.2001"}))


def test_hostile_reads_of_one_parcel_are_refused_and_change_nothing(officer_client, owned):
    pk = owned["parcel"].pk
    with hostile_endpoint("GET /api/v1/parcels/<pk>") as run:
        for name, value in BAD_DATES.items():
            run.send(
                f"at={name}", lambda v=value: officer_client.get(f"/api/v1/parcels/{pk}", {"at": v})
            )
        for missing in MISSING_IDS:
            run.send(f"pk={missing}", lambda m=missing: officer_client.get(f"/api/v1/parcels/{m}"))


def test_a_date_without_an_offset_is_read_as_local_time(client, owned):
    response = client.get(f"/api/v1/parcels/{owned['parcel'].pk}", {"at": "2099-01-31T12:00:00"})
    assert response.status_code == 200, response.content[:300]


def test_hostile_lineage_reads_are_refused_and_change_nothing(officer_client, owned):
    with hostile_endpoint("GET /api/v1/parcels/<pk>/lineage") as run:
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: officer_client.get(f"/api/v1/parcels/{m}/lineage"),
            )


def test_hostile_reads_of_rights_are_refused_and_change_nothing(officer_client, owned):
    pk = owned["parcel"].pk
    with hostile_endpoint("GET /api/v1/parcels/<pk>/rights") as run:
        for name, value in BAD_DATES.items():
            run.send(
                f"at={name}",
                lambda v=value: officer_client.get(f"/api/v1/parcels/{pk}/rights", {"at": v}),
            )
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: officer_client.get(f"/api/v1/parcels/{m}/rights"),
            )


def test_hostile_document_file_reads_are_refused_and_change_nothing(officer_client, owned, officer):
    lost = SourceDocument.objects.create(
        kind="deed",
        reference="D-lost",
        file="parcels/documents/lost.pdf",
        sha256="0" * 64,
        uploaded_by=officer,
    )
    with hostile_endpoint("GET /api/v1/parcels/documents/<pk>/file") as run:
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: officer_client.get(f"/api/v1/parcels/documents/{m}/file"),
            )
        # A row whose file is gone from storage (a restore without the media folder).
        run.send(
            "file_missing_from_storage",
            lambda: officer_client.get(f"/api/v1/parcels/documents/{lost.pk}/file"),
        )


def test_hostile_addresses_are_refused_and_change_nothing(client, owned):
    url = "/api/v1/parcels/by-address"
    with hostile_endpoint("GET /api/v1/parcels/by-address") as run:
        for name, value in {**filter_cases(), **text_cases()}.items():
            # An address is free text typed into a search box: what it finds, or a refusal.
            run.send(
                f"q={name}", lambda v=value: client.get(url, {"q": v}), judge=inert_judge(value)
            )
        run.send("q=missing", lambda: client.get(url))


# -- transactions -----------------------------------------------------------------------------


def test_hostile_splits_are_refused_and_change_nothing(officer_client, owned):
    url = f"/api/v1/parcels/{owned['parcel'].pk}/split"
    base = {"reason": "Inheritance", "cut_lines": [_cut()]}

    def send(body, **headers):
        return _post(officer_client, url, body, **headers)

    with hostile_endpoint("POST /api/v1/parcels/<pk>/split") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: send(b))
        for name, geometry in _geometry_cases().items():
            run.send(f"cut_line={name}", lambda g=geometry: send({**base, "cut_lines": [g]}))
        run.send("cut_line=huge_line", lambda: send({**base, "cut_lines": [_huge_line()]}))
        run.send("cut_lines=empty", lambda: send({**base, "cut_lines": []}))
        run.send("cut_lines=not_a_list", lambda: send({**base, "cut_lines": _cut()}))
        run.send("cut_lines=21_lines", lambda: send({**base, "cut_lines": [_cut()] * 21}))
        run.send("cut_line=outside", lambda: send({**base, "cut_lines": [_cut(5)]}))
        _send_transaction_fields(run, send, base)
        _send_versions(run, send, base)
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: _post(officer_client, f"/api/v1/parcels/{m}/split", base),
            )


def test_hostile_merges_are_refused_and_change_nothing(officer_client, owned):
    first, second = owned["parcel"].pk, owned["neighbour"].pk
    base = {"reason": "Consolidation", "parcels": [first, second]}

    def send(body, **headers):
        return _post(officer_client, "/api/v1/parcels/merge", body, **headers)

    with hostile_endpoint("POST /api/v1/parcels/merge") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: send(b))
        for name, value in {**filter_cases(), "true": True, "float": 1.5, "null": None}.items():
            run.send(f"parcels=[{name}]", lambda v=value: send({**base, "parcels": [first, v]}))
        for name, value in {
            "one": [first],
            "repeated": [first, first],
            "missing": [first, 2**63],
            "zero": [first, 0],
            "too_many": list(range(first, first + 51)),
            "string": f"{first},{second}",
        }.items():
            run.send(f"parcels={name}", lambda v=value: send({**base, "parcels": v}))
        for name, value in {**BAD_VERSIONS, **filter_cases()}.items():
            run.send(f"versions=[{name}]", lambda v=value: send({**base, "versions": [v, 1]}))
        run.send("versions=one_for_two", lambda: send({**base, "versions": [1]}))
        _send_transaction_fields(run, send, base)


def test_hostile_adjustments_are_refused_and_change_nothing(officer_client, owned):
    url = f"/api/v1/parcels/{owned['parcel'].pk}/adjust"
    neighbour = owned["neighbour"].pk
    base = {
        "reason": "Survey",
        "neighbour": neighbour,
        "geometry": _square(X0 + 1.5 * PARCEL_SIZE),
    }

    def send(body, **headers):
        return _post(officer_client, url, body, **headers)

    with hostile_endpoint("POST /api/v1/parcels/<pk>/adjust") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: send(b))
        for name, geometry in _geometry_cases().items():
            run.send(f"geometry={name}", lambda g=geometry: send({**base, "geometry": g}))
        run.send("geometry=line", lambda: send({**base, "geometry": _cut()}))
        run.send(
            "geometry=takes_the_whole_neighbour",
            lambda: send({**base, "geometry": _square(X0 + 2 * PARCEL_SIZE)}),
        )
        neighbours = {
            **filter_cases(),
            "itself": owned["parcel"].pk,
            "missing": 2**63,
            "huge": 10**30,
            "true": True,
            "float": 1.5,
            "null": None,
        }
        for name, value in neighbours.items():
            run.send(f"neighbour={name}", lambda v=value: send({**base, "neighbour": v}))
        for name, value in {**BAD_VERSIONS, **filter_cases()}.items():
            run.send(f"versions=[{name}]", lambda v=value: send({**base, "versions": [v, 1]}))
        run.send("versions=three", lambda: send({**base, "versions": [1, 1, 1]}))
        _send_transaction_fields(run, send, base)


def test_hostile_retirements_are_refused_and_change_nothing(officer_client, owned):
    url = f"/api/v1/parcels/{owned['parcel'].pk}/retire"
    base = {"reason": "Expropriation for a road"}

    def send(body, **headers):
        return _post(officer_client, url, body, **headers)

    with hostile_endpoint("POST /api/v1/parcels/<pk>/retire") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: send(b))
        _send_transaction_fields(run, send, base)
        _send_versions(run, send, base)
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: _post(officer_client, f"/api/v1/parcels/{m}/retire", base),
            )


HOSTILE_SHARES = {
    "negative": "-1/2",
    "zero": "0/1",
    "zero_denominator": "1/0",
    "zero_over_zero": "0/0",
    "arabic_zero_denominator": "١/٠",
    "above_one": "2/1",
    "half_only": "1/2",
    "nan": "NaN",
    "nan_fraction": "nan/1",
    "infinity": "inf",
    "exponent": "1e308",
    "huge_numerator": "99999999999/1",
    "huge_denominator": "1/99999999999",
    "decimal": "0.5",
    "number": 0.5,
    "integer": 1,
    "list": [1, 1],
    "object": {"numerator": 1, "denominator": 1},
    "vulgar_fraction": "½",
    "trailing_newline": "1/1\n1/2",
    **filter_cases(),
}


def test_hostile_rights_are_refused_and_change_nothing(officer_client, owned):
    url = f"/api/v1/parcels/{owned['parcel'].pk}/rights"
    party = owned["party"].pk

    def right(**change) -> dict:
        return {"party": party, "kind": "ownership", "share": "1/1", **change}

    base = {"reason": "Sale", "rights": [right()]}

    def send(body, **headers):
        return _post(officer_client, url, body, method="put", **headers)

    with hostile_endpoint("PUT /api/v1/parcels/<pk>/rights") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: send(b))
        for name, share in HOSTILE_SHARES.items():
            run.send(f"share={name}", lambda s=share: send({**base, "rights": [right(share=s)]}))
        run.send(
            "shares=three_halves",
            lambda: send({**base, "rights": [right(share="1/2")] * 3}),
        )
        run.send(
            "share=on_an_easement",
            lambda: send({**base, "rights": [right(), right(kind="easement", share="1/2")]}),
        )
        run.send(
            "share=missing_on_ownership",
            lambda: send({**base, "rights": [right(share=None)]}),
        )
        parties = {
            **filter_cases(),
            "missing": 2**63,
            "huge": 10**30,
            "zero": 0,
            "negative": -1,
            "true": True,
            "null": None,
        }
        for name, value in parties.items():
            run.send(f"party={name}", lambda v=value: send({**base, "rights": [right(party=v)]}))
        for name, value in {**filter_cases(), "empty": "", "upper": "OWNERSHIP"}.items():
            run.send(f"kind={name}", lambda v=value: send({**base, "rights": [right(kind=v)]}))
        for name, text in text_cases().items():
            run.send(
                f"description={name}",
                lambda t=text: send({**base, "rights": [right(description=t)]}),
            )
        run.send("rights=not_a_list", lambda: send({**base, "rights": right()}))
        run.send("rights=[string]", lambda: send({**base, "rights": ["owner"]}))
        _send_transaction_fields(run, send, base)
        _send_versions(run, send, base)
        for missing in MISSING_IDS:
            run.send(
                f"pk={missing}",
                lambda m=missing: _post(
                    officer_client, f"/api/v1/parcels/{m}/rights", base, method="put"
                ),
            )


def _document(**change) -> dict:
    return {
        "kind": "deed",
        "reference": "D-2",
        "file": SimpleUploadedFile("deed.pdf", PDF, content_type="application/pdf"),
        **change,
    }


def test_hostile_documents_are_refused_and_change_nothing(officer_client, owned):
    url = "/api/v1/parcels/documents"

    def send(body):
        return officer_client.post(url, body, format="multipart")

    uploads = {
        **{name: (file_bytes(path), sent) for name, (path, sent) in HOSTILE_UPLOADS.items()},
        "not_a_photo": (file_bytes("delivery/not_a_photo.jpg"), "deed.jpg"),
        "csv_named_pdf": (file_bytes("delivery/portal_orders.csv"), "deed.pdf"),
        "html_named_pdf": (b"<html><script>alert(1)</script></html>", "deed.pdf"),
        "svg_with_script": (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "p.svg",
        ),
        "windows_executable": (b"MZ\x90\x00\x03" + bytes(200), "deed.pdf"),
        "empty_file": (b"", "deed.pdf"),
        "pdf_tag_late": (b" " * 2000 + PDF, "deed.pdf"),
    }
    with hostile_endpoint("POST /api/v1/parcels/documents") as run:
        for name, (content, sent) in uploads.items():
            run.send(
                f"file={name}",
                lambda c=content, s=sent: send(_document(file=SimpleUploadedFile(s, c))),
            )
        run.send("file=missing", lambda: send({"kind": "deed", "reference": "D-2"}))
        run.send("file=not_a_file", lambda: send(_document(file="%PDF-1.4")))
        for name, value in filter_cases().items():
            run.send(f"kind={name}", lambda v=value: send(_document(kind=v)))
        for name, text in text_cases().items():
            run.send(f"reference={name}", lambda t=text: send(_document(reference=t)))
        run.send("reference=blank", lambda: send(_document(reference="   ")))
        for name, body in raw_bodies().items():
            run.send(
                f"json_{name}",
                lambda b=body: officer_client.post(url, b, content_type="application/json"),
            )


PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def test_a_documents_file_name_from_the_client_is_not_kept(officer_client, owned, tmp_path):
    """The stored name is the platform's own, its extension the type the file's bytes show: a
    client's name cannot climb out of the folder, carry markup or overflow the column."""
    uploads = [
        ("../../../etc/passwd.pdf", PDF, ".pdf"),
        ("<script>alert(1)</script>.pdf", PDF, ".pdf"),
        ("a" * 300 + ".pdf", PDF, ".pdf"),
        ("plan.pdf", PNG, ".png"),
    ]
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        for name, content, suffix in uploads:
            response = officer_client.post(
                "/api/v1/parcels/documents",
                _document(file=SimpleUploadedFile(name, content)),
                format="multipart",
            )
            assert response.status_code == 201, (name[:40], response.content[:300])
            stored = SourceDocument.objects.get(pk=response.json()["id"]).file
            assert Path(stored.name).suffix == suffix
            assert ".." not in stored.name
            assert "<" not in stored.name
            assert len(stored.name) <= 100
            assert (tmp_path / stored.name).resolve().is_relative_to(tmp_path)


# -- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.PLANNER])
def test_writes_and_private_reads_are_refused_to_others_and_change_nothing(owned, role):
    client = APIClient()
    if role is not None:
        client.force_authenticate(UserFactory(role=role))
    pk, neighbour = owned["parcel"].pk, owned["neighbour"].pk
    party = owned["party"].pk
    writes = {
        f"/api/v1/parcels/{pk}/split": {"reason": "Sale", "cut_lines": [_cut()]},
        "/api/v1/parcels/merge": {"reason": "Sale", "parcels": [pk, neighbour]},
        f"/api/v1/parcels/{pk}/adjust": {
            "reason": "Survey",
            "neighbour": neighbour,
            "geometry": _square(X0 + 1.5 * PARCEL_SIZE),
        },
        f"/api/v1/parcels/{pk}/retire": {"reason": "Road"},
    }
    with hostile_endpoint(f"parcels writes as {role or 'anonymous'}") as run:
        for url, body in writes.items():
            run.send(f"POST {url}", lambda u=url, b=body: _post(client, u, b))
            for name, raw in raw_bodies().items():
                run.send(f"POST {url} {name}", lambda u=url, r=raw: _post(client, u, r))
        rights = {"reason": "Sale", "rights": [{"party": party, "kind": "ownership"}]}
        run.send(
            "PUT rights",
            lambda: _post(client, f"/api/v1/parcels/{pk}/rights", rights, method="put"),
        )
        run.send("GET rights", lambda: client.get(f"/api/v1/parcels/{pk}/rights"))
        run.send(
            "GET document file",
            lambda: client.get(f"/api/v1/parcels/documents/{owned['deed'].pk}/file"),
        )
        run.send(
            "POST document",
            lambda: client.post("/api/v1/parcels/documents", _document(), format="multipart"),
        )


def test_hostile_audit_requests_are_refused_and_start_nothing(officer_client, owned):
    url = "/api/v1/parcels/audits"
    with hostile_endpoint("POST /api/v1/parcels/audits") as run:
        for name, value in filter_cases().items():
            for field in ("locality", "basin"):
                run.send(
                    f"{field}={name}", lambda f=field, v=value: _post(officer_client, url, {f: v})
                )
        for value in (True, -1, 0, 2**70, 1.5, [1], {"$gt": 0}, "1 OR 1=1"):
            run.send(
                f"locality={value!r}", lambda v=value: _post(officer_client, url, {"locality": v})
            )
        run.send(
            "a locality that does not exist",
            lambda: _post(officer_client, url, {"locality": 999_999}),
        )
        run.send("a basin without its locality", lambda: _post(officer_client, url, {"basin": 1}))
        for name, body in raw_bodies().items():
            if name != "empty_body":  # no body: the whole register, answered 202 by design
                run.send(f"body {name}", lambda b=body: _post(officer_client, url, b))
    assert _post(officer_client, url, {}).status_code == 202
