"""The hostile-input corpus (tests/data/hostile, see its README) and the one check every
endpoint's corpus test makes: each case is refused with a 4xx and a clear message, never a
5xx, and the database is byte for byte what it was (an MD5 of every table's rows).

An endpoint's test sends every case, collects what went wrong into a list and asserts the list
is empty, so one run shows every endpoint's every failure at once. The figures (cases sent per
endpoint) go to tests/artifacts/hostile_cases.json for the README's reliability section.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.http import HttpResponse

from core.backups import table_fingerprints

CORPUS = Path(__file__).resolve().parent / "data" / "hostile"
DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REPORT = ARTIFACTS / "hostile_cases.json"
_report_lock = threading.Lock()


def _json(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


GEOMETRIES: dict[str, Any] = _json("geometries.json")
CRS: dict[str, str] = _json("crs.json")
TEXTS: dict[str, str] = _json("texts.json")
INJECTIONS: dict[str, str] = _json("injections.json")


def huge_polygon() -> dict[str, Any]:
    """A GeoJSON polygon of 25,000 vertices (the edit limit is 20,000)."""
    with gzip.open(CORPUS / "huge_polygon.json.gz") as stream:
        return json.load(stream)


def raw_bodies() -> dict[str, bytes]:
    """Bodies that are not JSON any standard allows, to send as application/json."""
    return {
        "deeply_nested": (CORPUS / "deeply_nested.json").read_bytes(),
        "nan_coordinates": (CORPUS / "nan_coordinates.json").read_bytes(),
        "not_json": b"{'type': 'Point',",
        "not_utf8": '{"name": "رام الله"}'.encode("cp1256"),
        "json_array_not_object": b"[1, 2, 3]",
        "json_string_not_object": b'"Point"',
        "empty_body": b"",
    }


def file_bytes(name: str) -> bytes:
    """A corpus file's bytes (``.gz`` files unpacked), or one of tests/data by relative path."""
    path = CORPUS / name if (CORPUS / name).exists() else DATA / name
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


# Uploads every importer must refuse, by the name the client gives the file.
HOSTILE_UPLOADS: dict[str, tuple[str, str]] = {
    # case: (corpus file, file name sent)
    "zip_bomb": ("imports/zip_bomb.zip", "bomb.zip"),
    "path_traversal": ("imports/path_traversal.zip", "traversal.zip"),
    "absolute_member": ("absolute_member.zip", "absolute.zip"),
    "symlink_member": ("symlink_member.zip", "symlink.zip"),
    "nested_zip": ("nested.zip", "nested.zip"),
    "many_members": ("many_members.zip.gz", "many.zip"),
    "truncated_zip": ("truncated.zip", "truncated.zip"),
    "not_a_zip": ("not_a_zip.zip", "not_a_zip.zip"),
    "shapefile_hostile_prj": ("shapefile_hostile_prj.zip", "lamps.zip"),
    "shapefile_truncated": ("shapefile_truncated_shp.zip", "lamps.zip"),
    "geojson_hostile_crs": ("geojson_hostile_crs.geojson", "lamps.geojson"),
    "corrupt_gpkg": ("corrupt.gpkg", "corrupt.gpkg"),
    "truncated_gpkg": ("imports/truncated.gpkg", "truncated.gpkg"),
    "empty_gpkg": ("imports/empty.gpkg", "empty.gpkg"),
    "sqlite_not_geopackage": ("sqlite_not_geopackage.gpkg", "parcels.gpkg"),
    "utf16_csv": ("utf16.csv", "places.csv"),
    "binary_garbage_csv": ("binary_garbage.csv", "places.csv"),
    "nul_bytes_csv": ("nul_bytes.csv", "places.csv"),
    "truncated_geojson": ("addressing/places_truncated.geojson", "places.geojson"),
    "executable_named_geojson": ("binary_garbage.csv", "lamps.geojson"),
}


def refusal_problem(response: HttpResponse) -> str | None:
    """None when ``response`` is a clear refusal: a 4xx whose JSON body is the platform's error
    shape with a non-empty message; otherwise what is wrong with it."""
    status = response.status_code
    if not 400 <= status < 500:
        return f"status {status}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"status {status} without a JSON body: {response.content[:120]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not str(error.get("message", "")).strip():
        return f"status {status} without an error message: {str(body)[:200]}"
    if error.get("status") != status:
        return f"status {status} but the body says {error.get('status')}"
    return None


def inert_judge(payload: str) -> Callable[[HttpResponse], str | None]:
    """For free text that is data, not an attack on its own (an injection string typed into
    a search box is a search for that string): a refusal as above, or an answer below 500 that
    does not echo ``payload`` into an HTML page unescaped."""

    def judge(response: HttpResponse) -> str | None:
        if 400 <= response.status_code < 500:
            return refusal_problem(response) if _is_json(response) else None
        if response.status_code >= 500:
            return f"status {response.status_code}"
        if "html" in response.get("Content-Type", "") and payload in response.content.decode(
            errors="replace"
        ):
            return "the payload is echoed unescaped into an HTML page"
        return None

    return judge


def _is_json(response: HttpResponse) -> bool:
    return "json" in response.get("Content-Type", "")


@dataclass
class HostileRun:
    """The cases one endpoint received and what went wrong with any of them."""

    endpoint: str
    sent: int = 0
    failures: list[str] = field(default_factory=list)

    def send(
        self,
        case: str,
        request: Callable[[], HttpResponse],
        *,
        judge: Callable[[HttpResponse], str | None] = refusal_problem,
    ) -> HttpResponse | None:
        """Send one case; record a failure when ``judge`` finds a problem with the response
        (by default: unless it is refused clearly). A server error that escapes as an
        exception (the test client re-raises them) is a failure too."""
        self.sent += 1
        try:
            # A savepoint per case: a case that breaks the transaction cannot hide the next.
            with transaction.atomic():
                response = request()
        except Exception as error:  # a crash is exactly what we look for
            self.failures.append(f"{self.endpoint} [{case}]: raised {error!r}"[:400])
            return None
        problem = judge(response)
        if problem:
            self.failures.append(f"{self.endpoint} [{case}]: {problem}")
        return response


@contextmanager
def hostile_endpoint(
    endpoint: str, *, ignore_tables: frozenset[str] = frozenset()
) -> Iterator[HostileRun]:
    """Run an endpoint's cases: yields a HostileRun, then asserts that every case was refused
    and that no table changed (except ``ignore_tables``, each with a reason at the caller)."""
    run = HostileRun(endpoint)
    with connection.cursor() as cursor:
        before = table_fingerprints(cursor=cursor)
    yield run
    with connection.cursor() as cursor:
        after = table_fingerprints(cursor=cursor)
    changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
    changed = [t for t in changed if t not in ignore_tables]
    if changed:
        run.failures.append(f"{endpoint}: the cases changed tables {changed}")
    _report(run)
    assert run.sent > 0, f"{endpoint}: no case was sent"
    assert not run.failures, "\n".join(run.failures)


def _report(run: HostileRun) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with _report_lock:
        report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
        report[run.endpoint] = {"cases": run.sent, "failures": len(run.failures)}
        REPORT.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


def text_cases() -> dict[str, str]:
    """Over-long, markup-laden and control-character text."""
    return dict(TEXTS)


def filter_cases() -> dict[str, str]:
    """Injection attempts and hostile text, for parameters that filter or name things."""
    return {**INJECTIONS, **{f"text_{k}": v for k, v in TEXTS.items() if k != "over_long"}}
