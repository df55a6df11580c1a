"""The hostile-input corpus (tests/hostile.py) against the public map's API: search, identify
and the layer list. Each case is refused with a 4xx and a message (or, for text typed into the
search box or headers the map does not read, answered without harm), and no table changes."""

from __future__ import annotations

import json

import pytest

from tests.hostile import (
    INJECTIONS,
    TEXTS,
    filter_cases,
    hostile_endpoint,
    inert_judge,
    raw_bodies,
    text_cases,
)

COVERED = {"map-search", "map-identify", "map-layers"}

NOT_NUMBERS = {
    "nan": "nan",
    "inf": "inf",
    "minus_inf": "-inf",
    "overflow": "1e309",
    "comma_decimal": "35,2",
    "blank": "",
}


def _post_raw(client, url: str, body: bytes):
    return client.post(url, body, content_type="application/json")


def test_hostile_map_searches_are_refused_or_inert_and_change_nothing(client, city):
    url = "/api/v1/map/search"
    with hostile_endpoint(f"GET {url}") as run:
        # An injection typed into the search box is a search for that text.
        for name, payload in INJECTIONS.items():
            run.send(
                f"q={name}", lambda p=payload: client.get(url, {"q": p}), judge=inert_judge(payload)
            )
        # Markup, control characters and over-long text are refused with a code the map words
        # in its language (query_too_long) or the server's message: no name in the registers
        # holds a tag or a control character, so such a query could never match
        # (addressing.geocoders.query_check).
        for name, text in {
            **text_cases(),
            "just_over_the_limit": "ش" * 201,
            "escape_sequence": "Irsal \x1b[2J 3",
            "c1_control": "Irsal\x85 3",
            "parcel_like_with_nul": "Ramallah 1/\x002",
        }.items():
            run.send(f"q={name}", lambda t=text: client.get(url, {"q": t}))
        for name, value in {
            **filter_cases(),
            "zero": "0",
            "negative": "-1",
            "over_the_maximum": "21",
            "exponent": "1e3",
            "huge": "9" * 5000,
            "blank": "",
        }.items():
            run.send(f"limit={name}", lambda v=value: client.get(url, {"q": "Irsal", "limit": v}))
        for name, body in raw_bodies().items():
            run.send(f"POST {name}", lambda b=body: _post_raw(client, url, b))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("x" * 300, "query_too_long"),
        ("<script>alert(1)</script>", "text_markup"),
        ("Irsal\x073", "text_control_character"),
    ],
)
def test_a_search_that_is_not_plain_text_or_too_long_is_refused_with_a_code(
    client, city, query, code
):
    response = client.get("/api/v1/map/search", {"q": query})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_hostile_identify_parameters_are_refused_and_change_nothing(client, city):
    url = "/api/v1/map/identify"
    building = city["buildings"][0]
    valid = {"lon": building.entrance.x, "lat": building.entrance.y, "zoom": "18"}
    with hostile_endpoint(f"GET {url}") as run:
        for name, value in {**filter_cases(), **NOT_NUMBERS, "huge": "9" * 400}.items():
            # A blank zoom is one not given (the default); a blank lon or lat is missing.
            for param in ("lon", "lat") if name == "blank" else ("lon", "lat", "zoom"):
                run.send(
                    f"{param}={name}", lambda p=param, v=value: client.get(url, {**valid, p: v})
                )
        for name, params in {
            "lon_out_of_range": {**valid, "lon": "180.5"},
            "lat_out_of_range": {**valid, "lat": "-90.5"},
            "zoom_below_zero": {**valid, "zoom": "-1"},
            "zoom_beyond_22": {**valid, "zoom": "23"},
            "lon_missing": {"lat": valid["lat"]},
            "lat_missing": {"lon": valid["lon"]},
        }.items():
            run.send(name, lambda p=params: client.get(url, p))
        # Layer ids: injections, markup, control characters, a NUL (which PostgreSQL cannot
        # hold), an over-long id, too many layers and ids that name no layer.
        for name, value in {
            **filter_cases(),
            "over_long": TEXTS["over_long"],
            "one_good_one_bad": f"streets,{INJECTIONS['sql_tautology']}",
            "too_many": ",".join(f"layer-{n}" for n in range(31)),
            "unknown": "no-such-layer",
            "internal_for_the_public": "auth_user",
        }.items():
            run.send(f"layers={name}", lambda v=value: client.get(url, {**valid, "layers": v}))
        for name, body in raw_bodies().items():
            run.send(f"POST {name}", lambda b=body: _post_raw(client, url, b))


def _layers_listed(payload: str):
    """The layer list reads no parameter and only the language of the request: whatever a
    client puts in a header, a cookie or the query string, the answer is the list (200, JSON),
    in a language the platform speaks, without the payload."""
    inert = inert_judge(payload)

    def judge(response) -> str | None:
        if response.status_code != 200:
            return f"status {response.status_code}"
        layers = json.loads(response.content)
        if not isinstance(layers, list) or not layers:
            return "no layer list"
        if payload and payload in response.content.decode():
            return "the payload is in the answer"
        return inert(response)

    return judge


def test_hostile_languages_and_parameters_leave_the_layer_list_unchanged(client, city):
    url = "/api/v1/map/layers"
    with hostile_endpoint(f"GET {url}") as run:
        for name, value in {**filter_cases(), "over_long": TEXTS["over_long"]}.items():
            run.send(
                f"lang={name}",
                lambda v=value: client.get(url, {"lang": v, "language": v}),
                judge=_layers_listed(value),
            )
            # Headers reach Django as the request's bytes read as Latin-1 (PEP 3333).
            header = value.encode().decode("latin-1")
            run.send(
                f"Accept-Language={name}",
                lambda h=header: client.get(url, HTTP_ACCEPT_LANGUAGE=h),
                judge=_layers_listed(value),
            )
            run.send(
                f"language cookie={name}",
                lambda h=header: client.get(url, HTTP_COOKIE=f"django_language={h}"),
                judge=_layers_listed(value),
            )
        for name, body in raw_bodies().items():
            run.send(f"POST {name}", lambda b=body: _post_raw(client, url, b))
