"""The hostile-input corpus (tests/hostile.py) against every addressing endpoint: each case is
refused with a 4xx and a message (or, for free text typed into a search box, answered without
harm), and no table changes."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from addressing.services import building_numbering_apply, building_retire, postcodes_assign
from core.roles import Role
from jobs.models import Job
from tests.factories import UserFactory, buildings_beside
from tests.hostile import (
    GEOMETRIES,
    HOSTILE_UPLOADS,
    INJECTIONS,
    TEXTS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    huge_polygon,
    inert_judge,
    raw_bodies,
    text_cases,
)

COVERED = {
    "addressing:search",
    "addressing:autocomplete",
    "addressing:reverse",
    "addressing:batch",
    "addressing:batch-result",
    "addressing:postcode",
    "addressing:address-add",
    "addressing:address",
    "addressing:address-retire",
    "addressing:numbering",
}

# On Al-Irsal Street (tests/addressing/conftest.py), between two of its buildings.
ON_STREET = {"lon": 35.2025, "lat": 31.9051}
# Numbers that are not numbers, or not finite, or out of every range.
NOT_NUMBERS = {
    "nan": "nan",
    "inf": "inf",
    "minus_inf": "-inf",
    "overflow": "1e309",
    "huge": "9" * 400,
    "comma_decimal": "35,2",
    "blank": "",
}
CRS_GEOMETRY = {
    "type": "Point",
    "coordinates": [ON_STREET["lon"], ON_STREET["lat"]],
    "crs": {"type": "name", "properties": {"name": "+init=/etc/passwd:4326"}},
}
# Codes of the P + digits shape nobody can read as a postcode, in any script.
POSTCODE_GARBAGE = {
    "arabic_indic_too_short": "P٦٠",
    "arabic_indic_too_long": "P٦٠٠١٢٣٤٥٦",
    "arabic_indic_without_p": "٦٠٠١٢٣٤",
    "arabic_indic_zero_point": "P٦٠٠٠٠٠٠",
    "mixed_with_letters": "P٦٠٠a١٢٣",
    "fullwidth_digits": "P６００１２３４",
    "superscript_digits": "P⁶⁰⁰",
    "control_inside": "P600\x1f1234",
    "nul_inside": "P600\x001234",
    "postcode_then_sql": "P6001234'; DROP TABLE addressing_building; --",
    "over_long_digits": "P" + "6" * 5000,
    "empty_after_trim": "   ",
}


@pytest.fixture
def numbered(irsal, zone):
    """Al-Irsal Street with three numbered buildings holding postcodes of zone P600."""
    buildings_beside(street=irsal, fractions_left=(0.2, 0.6), fractions_right=(0.4,))
    building_numbering_apply(street=irsal)
    postcodes_assign(zone=zone)
    return irsal


@pytest.fixture
def officer_client(client, numbered):
    client.force_login(UserFactory(role=Role.ADDRESSING_OFFICER))
    return client


def _post_json(client, url: str, body) -> object:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


# -- search and autocomplete ------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["search", "autocomplete"])
def test_hostile_geocoder_queries_are_refused_or_inert_and_change_nothing(
    client, numbered, endpoint
):
    url = f"/api/v1/geocode/{endpoint}"
    with hostile_endpoint(f"GET {url}") as run:
        # An injection typed into a search box is a search for that text: answered (nothing
        # matches) or refused, never run, never echoed into HTML.
        for name, payload in INJECTIONS.items():
            run.send(
                f"q={name}",
                lambda p=payload: client.get(url, {"q": p}),
                judge=inert_judge(payload),
            )
        # Markup is refused rather than searched for: no name in the register can hold a tag
        # (stored names go through core.text.text_check), so such a query can never match,
        # and refusing keeps tags out of the answer's echoed query and the batch results.
        # Control characters and over-long queries are refused too.
        for name, text in text_cases().items():
            run.send(f"q={name}", lambda t=text: client.get(url, {"q": t}))
        for name, text in {
            "just_over_the_limit": "ش" * 201,
            "nul_alone": "\x00",
            "escape_sequence": "Irsal \x1b[2J 3",
            "c1_control": "Irsal\x85 3",
            "blank": "   ",
            "missing": None,
        }.items():
            params = {} if text is None else {"q": text}
            run.send(f"q={name}", lambda p=params: client.get(url, p))
        for name, value in {**filter_cases(), "zero": "0", "negative": "-1", "21": "21"}.items():
            run.send(f"limit={name}", lambda v=value: client.get(url, {"q": "Irsal", "limit": v}))
        for name, body in raw_bodies().items():
            run.send(f"POST {name}", lambda b=body: _post_json(client, url, b))


# -- reverse ----------------------------------------------------------------------------------


def test_hostile_reverse_geocoding_parameters_are_refused_and_change_nothing(client, numbered):
    url = "/api/v1/geocode/reverse"
    valid = {**ON_STREET, "radius": "100"}
    with hostile_endpoint(f"GET {url}") as run:
        for name, value in {**filter_cases(), **NOT_NUMBERS}.items():
            # A blank radius is one not given (the default); a blank lon or lat is missing.
            for param in ("lon", "lat") if name == "blank" else ("lon", "lat", "radius"):
                run.send(
                    f"{param}={name}",
                    lambda p=param, v=value: client.get(url, {**valid, p: v}),
                )
        for name, params in {
            "lon_out_of_range": {**valid, "lon": "180.5"},
            "lat_out_of_range": {**valid, "lat": "-90.5"},
            "radius_zero": {**valid, "radius": "0"},
            "radius_too_far": {**valid, "radius": "5001"},
            "lon_missing": {"lat": valid["lat"]},
            "lat_missing": {"lon": valid["lon"]},
            "far_from_every_address": {"lon": "-30", "lat": "40", "radius": "5000"},
        }.items():
            run.send(name, lambda p=params: client.get(url, p))


# -- postcodes --------------------------------------------------------------------------------


def test_hostile_postcodes_are_refused_and_change_nothing(client, numbered):
    cases = {
        **{f"injection_{k}": v for k, v in INJECTIONS.items()},
        **{f"text_{k}": v for k, v in TEXTS.items()},
        **POSTCODE_GARBAGE,
        "unknown_building": "P6009999",
        "unknown_zone": "P999",
    }
    with hostile_endpoint("GET /api/v1/postcodes/<code>") as run:
        for name, code in cases.items():
            run.send(name, lambda c=code: client.get(f"/api/v1/postcodes/{quote(c, safe='')}"))


def test_postcodes_in_arabic_indic_digits_are_read(client, numbered):
    building = numbered.buildings.exclude(postcode=None).order_by("pk").first()
    arabic = building.postcode.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for code in (arabic, arabic[:4], f"p {arabic[1:4]}-{arabic[4:]}"):
        response = client.get(f"/api/v1/postcodes/{quote(code, safe='')}")
        assert response.status_code == 200, (code, response.content)


# -- addresses: read, add, retire -------------------------------------------------------------


def test_hostile_address_reads_are_refused_and_change_nothing(client, numbered):
    building = numbered.buildings.order_by("pk").first()
    url = f"/api/v1/addresses/{building.pk}"
    with hostile_endpoint("GET /api/v1/addresses/<pk>") as run:
        for pk in (0, 2**31, 2**63):
            run.send(f"pk={pk}", lambda p=pk: client.get(f"/api/v1/addresses/{p}"))
        # The recipient is printed as the label's first line: plain text of a name's length.
        for name, text in text_cases().items():
            run.send(f"recipient={name}", lambda t=text: client.get(url, {"recipient": t}))
        run.send("recipient=101_characters", lambda: client.get(url, {"recipient": "x" * 101}))
        for name, value in filter_cases().items():
            run.send(f"digits={name}", lambda v=value: client.get(url, {"digits": v}))
        run.send("digits=unknown_system", lambda: client.get(url, {"digits": "roman"}))


def test_address_reads_accept_the_documented_digit_systems(client, numbered):
    building = numbered.buildings.order_by("pk").first()
    for digits in ("arab", "latn"):
        response = client.get(f"/api/v1/addresses/{building.pk}", {"digits": digits})
        assert response.status_code == 200, response.content


def test_hostile_new_addresses_are_refused_and_change_nothing(officer_client):
    url = "/api/v1/addresses"
    with hostile_endpoint(f"POST {url}") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(officer_client, url, b))
        for name, value in {**filter_cases(), **NOT_NUMBERS}.items():
            for field in ("lon", "lat"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: _post_json(officer_client, url, {**ON_STREET, f: v}),
                )
        for name, value in {"boolean": True, "list": [35.2], "object": {}, "null": None}.items():
            run.send(
                f"lon={name}",
                lambda v=value: _post_json(officer_client, url, {**ON_STREET, "lon": v}),
            )
        # The entrance is lon and lat: a GeoJSON geometry, as the body or as an extra member
        # beside valid coordinates, is refused rather than ignored (or obeyed).
        geometries = {**GEOMETRIES, "huge": huge_polygon(), "with_crs": CRS_GEOMETRY}
        for name, geometry in geometries.items():
            run.send(f"body={name}", lambda g=geometry: _post_json(officer_client, url, g or {}))
            run.send(
                f"geometry={name}",
                lambda g=geometry: _post_json(officer_client, url, {**ON_STREET, "geometry": g}),
            )
        for name, text in text_cases().items():
            run.send(
                f"note={name}",
                lambda t=text: _post_json(officer_client, url, {**ON_STREET, "note": t}),
            )
        for name, point in {
            "in_the_atlantic": {"lon": -30.0, "lat": 40.0},
            "swapped": {"lon": ON_STREET["lat"], "lat": ON_STREET["lon"]},
            "far_from_any_street": {"lon": 35.212, "lat": 31.913},
        }.items():
            run.send(name, lambda p=point: _post_json(officer_client, url, p))


def test_the_public_and_other_roles_cannot_add_or_retire_addresses(client, numbered):
    building = numbered.buildings.order_by("pk").first()
    courier = Client()
    courier.force_login(UserFactory(role=Role.COURIER))
    retire = f"/api/v1/addresses/{building.pk}/retire"
    with hostile_endpoint("POST /api/v1/addresses (not an addressing officer)") as run:
        for name, who in {"anonymous": client, "courier": courier}.items():
            run.send(f"{name}_add", lambda c=who: _post_json(c, "/api/v1/addresses", ON_STREET))
            run.send(f"{name}_retire", lambda c=who: c.post(retire))


def test_hostile_retirements_are_refused_and_change_nothing(officer_client, numbered):
    retired = building_retire(building=numbered.buildings.order_by("pk").first())
    with hostile_endpoint("POST /api/v1/addresses/<pk>/retire") as run:
        for pk in (0, 2**31, 2**63):
            run.send(f"pk={pk}", lambda p=pk: officer_client.post(f"/api/v1/addresses/{p}/retire"))
        # A retired building stays retired whatever the body says (409, not a second retire).
        for name, body in raw_bodies().items():
            run.send(
                f"retired {name}",
                lambda b=body: _post_json(
                    officer_client, f"/api/v1/addresses/{retired.pk}/retire", b
                ),
            )


# -- numbering --------------------------------------------------------------------------------


def test_hostile_numbering_requests_are_refused_and_change_nothing(officer_client, numbered):
    url = f"/api/v1/streets/{numbered.pk}/numbering"
    with hostile_endpoint("POST /api/v1/streets/<pk>/numbering") as run:
        for name, body in raw_bodies().items():
            if name == "empty_body":
                continue  # no body is a preview with the defaults (below)
            run.send(name, lambda b=body: _post_json(officer_client, url, b))
        for name, value in filter_cases().items():
            for field in ("renumber", "apply"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: _post_json(
                        officer_client, url, {"apply": True, "renumber": True, f: v}
                    ),
                )
        # Numbering is the whole street: a side, a range or a start a client may think it can
        # ask for is refused, not ignored while the whole street is renumbered.
        for name, extra in {
            "side_left": {"side": "left"},
            "side_injection": {"side": INJECTIONS["sql_tautology"]},
            "range": {"from": 1, "to": 99},
            "negative_start": {"start": -5},
            "huge_start": {"start": 2**63},
            "markup_note": {"note": TEXTS["script_tag"]},
        }.items():
            run.send(
                name,
                lambda e=extra: _post_json(officer_client, url, {"apply": True, **e}),
            )
        for pk in (0, 2**31, 2**63):
            run.send(
                f"street={pk}",
                lambda p=pk: _post_json(
                    officer_client, f"/api/v1/streets/{p}/numbering", {"apply": True}
                ),
            )
        run.send(
            "empty_body_is_a_preview",
            lambda: _post_json(officer_client, url, b""),
            judge=lambda r: None if r.status_code == 200 else f"status {r.status_code}",
        )


def test_the_public_cannot_number_streets(client, numbered):
    url = f"/api/v1/streets/{numbered.pk}/numbering"
    with hostile_endpoint("POST /api/v1/streets/<pk>/numbering (anonymous)") as run:
        run.send("apply", lambda: _post_json(client, url, {"apply": True, "renumber": True}))
        run.send("preview", lambda: _post_json(client, url, {}))


# -- batch geocoding --------------------------------------------------------------------------


@pytest.fixture
def dispatcher_client(client, db):
    client.force_login(UserFactory(role=Role.DISPATCHER))
    return client


def _upload(client, content: bytes, filename: str, **fields):
    upload = SimpleUploadedFile(filename, content, content_type="text/csv")
    return client.post("/api/v1/geocode/batch", {"file": upload, **fields})


def test_hostile_batch_uploads_are_refused_before_any_job_is_queued(
    dispatcher_client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    batch = file_bytes("addressing/batch.csv")
    with hostile_endpoint("POST /api/v1/geocode/batch") as run:
        for name, (path, filename) in HOSTILE_UPLOADS.items():
            run.send(name, lambda p=path, f=filename: _upload(dispatcher_client, file_bytes(p), f))
        # The same bytes under a CSV's name: refused for what they hold, not for their name.
        for name, (path, _filename) in HOSTILE_UPLOADS.items():
            run.send(
                f"{name} as places.csv",
                lambda p=path: _upload(dispatcher_client, file_bytes(p), "places.csv"),
            )
        for name in ("batch_no_address_column.csv", "places_truncated.geojson"):
            run.send(
                name,
                lambda n=name: _upload(dispatcher_client, file_bytes(f"addressing/{n}"), n),
            )
        for name, content in {
            "empty_file": b"",
            "header_only_blank": b"\n\n",
            "utf32": "address\nشارع الإرسال 3\n".encode("utf-32"),
            "utf16_big_endian": "\ufeffaddress\nIrsal 3\n".encode("utf-16-be"),
            "control_characters": b"address\nIrsal\x1b[31m 3\x07\n",
            "result_columns_already_there": b"address,geocode_status\nIrsal 3,x\n",
            "only_a_header_row_of_blanks": b",,,\n1,2,3\n",
            "unterminated_quote": b'address\n"Irsal 3' + b"x" * 200_000 + b"\n",
            "too_many_rows": b"address\n" + b"Irsal 3\n" * 50_001,
        }.items():
            run.send(name, lambda c=content: _upload(dispatcher_client, c, "places.csv"))
        # The column names a header of the file: anything else is refused, and stored text
        # (the job keeps it) must be plain.
        for name, value in {**filter_cases(), **{f"text_{k}": v for k, v in TEXTS.items()}}.items():
            run.send(
                f"column={name}",
                lambda v=value: _upload(dispatcher_client, batch, "batch.csv", column=v),
            )
        for name, body in raw_bodies().items():
            run.send(
                f"json {name}",
                lambda b=body: _post_json(dispatcher_client, "/api/v1/geocode/batch", b),
            )
        run.send("no_file", lambda: dispatcher_client.post("/api/v1/geocode/batch", {}))
        run.send(
            "file_as_text",
            lambda: dispatcher_client.post("/api/v1/geocode/batch", {"file": "address\nIrsal"}),
        )
    assert not Job.objects.exists()
    assert not any(tmp_path.rglob("*.*")), "a refused upload left a file behind"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("utf16_csv", "The file is UTF-16 text"),
        ("binary_garbage_csv", "control character U+0000 on line 1"),
        ("nul_bytes_csv", "control character U+0000 on line 2"),
    ],
)
def test_a_batch_file_in_a_wrong_encoding_is_refused_naming_the_problem(
    dispatcher_client, case, message
):
    path, filename = HOSTILE_UPLOADS[case]
    response = _upload(dispatcher_client, file_bytes(path), filename)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_encoding"
    assert message in error["message"]
    assert "CSV UTF-8" in error["message"]


def test_the_public_cannot_start_or_read_batches(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    batch = file_bytes("addressing/batch.csv")
    with hostile_endpoint("POST /api/v1/geocode/batch (anonymous)") as run:
        run.send("upload", lambda: _upload(client, batch, "batch.csv"))
        run.send("result", lambda: client.get(f"/api/v1/geocode/batch/{uuid.uuid4()}/result"))
    assert not Job.objects.exists()


def test_hostile_batch_result_requests_are_refused_and_change_nothing(client, db):
    dispatcher, someone = UserFactory(role=Role.DISPATCHER), UserFactory(role=Role.DISPATCHER)
    client.force_login(dispatcher)
    batch = "addressing.geocode_batch"
    someone_elses = Job.objects.create(kind=batch, params={}, created_by=someone)
    other_kind = Job.objects.create(kind="layers.import", params={}, created_by=dispatcher)
    unfinished = Job.objects.create(kind=batch, params={}, created_by=dispatcher)
    with hostile_endpoint("GET /api/v1/geocode/batch/<job_id>/result") as run:
        for name, job_id in {
            "unknown": str(uuid.uuid4()),
            "someone_elses": str(someone_elses.pk),
            "another_kind_of_job": str(other_kind.pk),
            "not_finished": str(unfinished.pk),
            "nil_uuid": "00000000-0000-0000-0000-000000000000",
        }.items():
            run.send(
                name,
                lambda j=job_id: client.get(f"/api/v1/geocode/batch/{j}/result"),
            )
        for name, value in filter_cases().items():
            run.send(
                f"job_id={name}",
                lambda v=value: client.get(f"/api/v1/geocode/batch/{quote(v, safe='')}/result"),
            )
