"""How the import test files were made (run once from the repository root; the outputs are
committed). Every file is cut from real, openly licensed data in data/ or ../shared/data, then
reprojected or damaged on purpose as its name says. See README.md beside this script."""

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import Polygon

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

localities = gpd.read_file(ROOT / "data/reference/localities.geojson")
near_ramallah = localities[
    localities["name"].isin(["RAMALLAH", "EL BIRA", "BEITUNIYA", "BIR ZEIT", "SURDA"])
][["name", "area_m2", "geometry"]]
near_ramallah = near_ramallah.set_crs(4326, allow_override=True)


def shapefile_zip(frame, name, *, crs=True, extra=None):
    folder = HERE / f"_{name}"
    folder.mkdir(exist_ok=True)
    pyogrio.write_dataframe(frame, folder / f"{name}.shp", encoding="UTF-8")
    if not crs:
        (folder / f"{name}.prj").unlink()
    with zipfile.ZipFile(HERE / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    for part in folder.iterdir():
        part.unlink()
    folder.rmdir()


# Localities around Ramallah in the Palestine 1923 grid, as a zipped Shapefile.
shapefile_zip(near_ramallah.to_crs(28191), "localities_28191")
# The same without its .prj: the CRS is unknown.
shapefile_zip(near_ramallah.to_crs(28191), "localities_no_prj", crs=False)
# In a CRS the platform does not accept (ETRS89 / LAEA Europe).
shapefile_zip(near_ramallah.to_crs(3035), "localities_3035")

# Paris parcels (French cadastre, Licence Ouverte 2.0) in Lambert-93, as a GeoPackage, with
# one parcel made self-intersecting (a bow-tie).
parcels = gpd.read_file(ROOT.parent / "shared/data/cadastre-fr/cadastre-75118-parcelles.json")
parcels = parcels.head(30)[["id", "section", "numero", "contenance", "geometry"]].to_crs(2154)
x0, y0, x1, y1 = parcels.geometry.iloc[0].bounds
parcels.loc[parcels.index[0], "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
pyogrio.write_dataframe(parcels, HERE / "parcels_2154_one_bowtie.gpkg", layer="parcels")

# Health facilities of Ramallah (OpenStreetMap, ODbL) as CSVs: lon/lat in UTF-8 with Arabic
# names, easting/northing in the Israeli TM grid saved as Windows-1256, and WKT.
health = gpd.read_file(ROOT / "data/reference/ramallah_health_facilities.geojson").head(12)
rows = ["name,amenity,lon,lat"] + [
    f'"{r["name"]}",{r["amenity"]},{r.geometry.x:.6f},{r.geometry.y:.6f}'
    for _, r in health.iterrows()
]
(HERE / "health_lonlat.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
grid = health.to_crs(2039)
rows = ["name;amenity;easting;northing"] + [
    f"{r['name']};{r['amenity']};{r.geometry.x:.2f};{r.geometry.y:.2f}" for _, r in grid.iterrows()
]
(HERE / "health_2039_cp1256.csv").write_bytes(("\n".join(rows) + "\n").encode("cp1256"))
rows = ["wkt,name"] + [f'"{r.geometry.wkt}","{r["name"]}"' for _, r in health.iterrows()]
(HERE / "health_wkt.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

# A GeoJSON mixing points and polygons, and one whose attributes break a schema.
point = json.loads(gpd.GeoSeries([health.geometry.iloc[0]]).to_json())["features"][0]
area = json.loads(near_ramallah.head(1).to_json())["features"][0]
mixed = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"name": "clinic"}, "geometry": point["geometry"]},
        {"type": "Feature", "properties": {"name": "Ramallah"}, "geometry": area["geometry"]},
    ],
}
(HERE / "mixed_point_polygon.geojson").write_text(json.dumps(mixed))
lamps = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"lamp": lamp},
            "geometry": {"type": "Point", "coordinates": [35.2042 + i / 1000, 31.9038]},
        }
        for i, lamp in enumerate(["LED", "sodium", "neon", "LED"])
    ],
}
(HERE / "lamps_one_bad_value.geojson").write_text(json.dumps(lamps))

# Broken uploads.
(HERE / "empty.gpkg").write_bytes(b"")
(HERE / "truncated.gpkg").write_bytes((HERE / "parcels_2154_one_bowtie.gpkg").read_bytes()[:3000])
with zipfile.ZipFile(HERE / "no_shapefile.zip", "w") as archive:
    archive.writestr("readme.txt", "no shapefile here")
with zipfile.ZipFile(HERE / "path_traversal.zip", "w") as archive:
    archive.writestr("../../evil.shp", b"\0" * 100)
with zipfile.ZipFile(HERE / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("big.shp", b"\0" * (300 * 1024 * 1024))
