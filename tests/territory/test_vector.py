"""The generic vector reader, on tiny maps with known squares written in each format.

References: hand-made squares (exact unions), a UTM square whose geodesic area follows
from the UTM scale factor, and round trips through pyproj for reprojected corners.
"""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from vigil.errors import InputError
from vigil.territory.sources import vector
from vigil.territory.sources.base import Kind, SourceReport
from vigil.territory.sources.vector import default_source_name, read

GEOD = Geod(ellps="WGS84")
# Two adjacent 0.1° squares (their union is one rectangle) and a grey one elsewhere.
WEST = box(36.0, 48.0, 36.1, 48.1)
EAST = box(36.1, 48.0, 36.2, 48.1)
BOTH = box(36.0, 48.0, 36.2, 48.1)
GREY = box(37.0, 47.0, 37.1, 47.1)
FAR = box(38.0, 47.0, 38.1, 47.1)
D1, D2 = dt.date(2024, 10, 21), dt.date(2024, 10, 28)


def frame(rows: list[dict], crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


STATUS_ROWS = [
    {"date": "2024-10-21", "status": "occupied", "geometry": WEST},
    {"date": "2024-10-21", "status": "occupied", "geometry": EAST},
    {"date": "2024-10-21", "status": "grey", "geometry": GREY},
    {"date": "2024-10-21", "status": "liberated", "geometry": FAR},
    {"date": "2024-10-28", "status": "occupied", "geometry": WEST},
]


def by_key(snapshots) -> dict:
    result = {(s.date, s.kind): s for s in snapshots}
    assert len(result) == len(snapshots), "one snapshot per (date, kind) expected"
    return result


def geodesic_km2(geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


# --- dates ---------------------------------------------------------------------------


def test_geojson_date_field_unions_features_per_date(tmp_path: Path):
    path = tmp_path / "front.geojson"
    frame(STATUS_ROWS).to_file(path, driver="GeoJSON")
    report = SourceReport()

    snaps = by_key(list(read([path], report=report, date_field="date")))

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D2, Kind.CONTROLLED)}
    first = snaps[D1, Kind.CONTROLLED]
    assert first.geometry.equals(shapely.union_all([BOTH, GREY, FAR]))
    assert snaps[D2, Kind.CONTROLLED].geometry.equals(WEST)
    assert first.origin == str(path)
    assert first.taken_at is None
    assert report.counts["features read"] == 5
    assert report.counts["snapshots"] == 2
    assert report.notes == []


@pytest.mark.parametrize(
    ("name", "pattern", "fmt"),
    [
        ("front_20241021.geojson", r"(?P<date>\d{8})", "%Y%m%d"),
        ("front-2024-10-21.geojson", r"(?P<date>\d{4}-\d{2}-\d{2})", None),
        ("front_21.10.2024.geojson", r"(?P<day>\d\d)\.(?P<month>\d\d)\.(?P<year>\d{4})", None),
    ],
)
def test_date_from_file_name(tmp_path: Path, name: str, pattern: str, fmt: str | None):
    path = tmp_path / name
    frame([{"geometry": WEST}, {"geometry": EAST}]).to_file(path, driver="GeoJSON")

    snaps = list(read(path, report=SourceReport(), date_pattern=pattern, date_format=fmt))

    assert [(s.date, s.kind) for s in snaps] == [(D1, Kind.CONTROLLED)]
    assert snaps[0].geometry.equals(BOTH)


def test_file_name_without_a_date_is_an_error(tmp_path: Path):
    path = tmp_path / "front.geojson"
    frame([{"geometry": WEST}]).to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match=r"front\.geojson: file name does not match"):
        list(read([path], report=SourceReport(), date_pattern=r"(?P<date>\d{8})"))


def test_date_format_for_attribute_strings(tmp_path: Path):
    path = tmp_path / "front.gpkg"
    frame([{"day": "21/10/2024", "geometry": WEST}]).to_file(path, driver="GPKG")
    snaps = list(read([path], report=SourceReport(), date_field="day", date_format="%d/%m/%Y"))
    assert [s.date for s in snaps] == [D1]


def test_timezone_aware_datetimes_are_dated_in_kyiv(tmp_path: Path):
    # 22:30 UTC on 20 October 2024 is 01:30 on the 21st in Kyiv (EEST, UTC+3).
    late = pd.Timestamp("2024-10-20T22:30:00Z")
    later = pd.Timestamp("2024-10-20T23:00:00Z")
    path = tmp_path / "front.gpkg"
    frame(
        [{"ts": late, "geometry": WEST}, {"ts": later, "geometry": EAST}],
    ).to_file(path, driver="GPKG")

    snaps = list(read([path], report=SourceReport(), date_field="ts"))

    assert [s.date for s in snaps] == [D1]
    assert snaps[0].taken_at == later.to_pydatetime()
    assert snaps[0].taken_at.tzinfo is not None


def test_bad_date_names_file_feature_field_and_value(tmp_path: Path):
    path = tmp_path / "front.geojson"
    rows = [
        {"date": "2024-10-21", "geometry": WEST},
        {"date": "21 Oct 2024", "geometry": EAST},
    ]
    frame(rows).to_file(path, driver="GeoJSON")
    with pytest.raises(InputError) as info:
        list(read([path], report=SourceReport(), date_field="date"))
    message = str(info.value)
    assert str(path) in message
    assert "feature 1" in message
    assert "'date'" in message
    assert "'21 Oct 2024'" in message
    assert "\n" not in message


def test_empty_date_is_an_error(tmp_path: Path):
    path = tmp_path / "front.gpkg"
    frame([{"date": "2024-10-21", "geometry": WEST}, {"date": None, "geometry": EAST}]).to_file(
        path, driver="GPKG"
    )
    # GeoPackage FIDs start at 1: the second feature is FID 2.
    with pytest.raises(InputError, match=r"front\.gpkg: feature 2: field 'date': empty"):
        list(read([path], report=SourceReport(), date_field="date"))


@pytest.mark.parametrize(
    "options",
    [{}, {"date_field": "date", "date_pattern": r"(?P<date>\d{8})"}],
    ids=["neither", "both"],
)
def test_exactly_one_date_option_is_required(tmp_path: Path, options: dict):
    path = tmp_path / "front.geojson"
    frame([{"date": "2024-10-21", "geometry": WEST}]).to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match="exactly one of date_field"):
        read([path], report=SourceReport(), **options)  # checked at the call


def test_missing_date_field_lists_the_fields(tmp_path: Path):
    path = tmp_path / "front.geojson"
    frame([{"day": "2024-10-21", "geometry": WEST}]).to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match=r"no field 'date'; its fields: 'day'"):
        list(read([path], report=SourceReport(), date_field="date"))


# --- selection and kinds ---------------------------------------------------------------


@pytest.mark.parametrize(("driver", "suffix"), [("GeoJSON", "geojson"), ("ESRI Shapefile", "shp")])
def test_where_selects_features(tmp_path: Path, driver: str, suffix: str):
    # The Shapefile case guards a GDAL trap: a WHERE on a field not read matches nothing.
    path = tmp_path / f"front.{suffix}"
    frame(STATUS_ROWS).to_file(path, driver=driver)

    snaps = by_key(
        list(
            read(
                [path],
                report=SourceReport(),
                date_field="date",
                where="status = 'occupied'",
            )
        )
    )

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D2, Kind.CONTROLLED)}
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)


def test_bad_where_is_an_input_error(tmp_path: Path):
    path = tmp_path / "front.gpkg"
    frame(STATUS_ROWS).to_file(path, driver="GPKG")
    with pytest.raises(InputError, match=r"front\.gpkg.*where 'nosuch = 1'"):
        list(read([path], report=SourceReport(), date_field="date", where="nosuch = 1"))


def test_kind_field_maps_values_and_counts_the_rest(tmp_path: Path):
    path = tmp_path / "front.geojson"
    frame(STATUS_ROWS).to_file(path, driver="GeoJSON")
    report = SourceReport()

    snaps = by_key(
        list(
            read(
                [path],
                report=report,
                date_field="date",
                kind_field="status",
                kind_values={"occupied": Kind.CONTROLLED, "grey": Kind.GREY},
            )
        )
    )

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D1, Kind.GREY), (D2, Kind.CONTROLLED)}
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)
    assert snaps[D1, Kind.GREY].geometry.equals(GREY)
    assert report.counts["features skipped: kind not mapped"] == 1
    assert any("'liberated'" in note for note in report.notes)


LAYERS = {
    "occupied": [
        {"date": "2024-10-21", "geometry": WEST},
        {"date": "2024-10-21", "geometry": EAST},
    ],
    "grey": [{"date": "2024-10-21", "geometry": GREY}],
    "liberated": [{"date": "2024-10-21", "geometry": FAR}],
}


def write_gpkg_layers(path: Path) -> None:
    for name, rows in LAYERS.items():
        pyogrio.write_dataframe(frame(rows), path, layer=name, append=path.exists())


def write_libkml_kmz(path: Path) -> None:
    """A KMZ laid out as LIBKML writes one: doc.kml linking layers/<name>.kml.

    LIBKML cannot append a layer to an existing KMZ, so each layer is written alone and
    the archive is put together here.
    """
    # doc.kml goes first: LIBKML takes the first .kml of an archive as its document.
    links = "".join(
        f"<NetworkLink><name>{name}</name><Link><href>layers/{name}.kml</href></Link></NetworkLink>"
        for name in LAYERS
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "doc.kml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{links}</Document></kml>',
        )
        for name, rows in LAYERS.items():
            single = path.with_name(f"{name}.kmz")
            pyogrio.write_dataframe(frame(rows), single, layer=name, driver="LIBKML")
            with zipfile.ZipFile(single) as part:
                archive.writestr(f"layers/{name}.kml", part.read(f"layers/{name}.kml"))
            single.unlink()


def test_gpkg_layer_kinds(tmp_path: Path):
    path = tmp_path / "map.gpkg"
    write_gpkg_layers(path)
    report = SourceReport()

    snaps = by_key(
        list(
            read(
                [path],
                report=report,
                date_field="date",
                layer_kinds={"occupied": Kind.CONTROLLED, "grey": Kind.GREY},
            )
        )
    )

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D1, Kind.GREY)}
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)
    assert snaps[D1, Kind.CONTROLLED].origin == f"{path}:occupied"
    assert snaps[D1, Kind.GREY].geometry.equals(GREY)
    assert report.counts["layers skipped (not in layer_kinds)"] == 1
    assert report.counts["layers read"] == 2


def test_gpkg_one_named_layer(tmp_path: Path):
    path = tmp_path / "map.gpkg"
    write_gpkg_layers(path)
    snaps = list(read([path], report=SourceReport(), date_field="date", layer="grey"))
    assert [(s.kind, s.origin) for s in snaps] == [(Kind.CONTROLLED, f"{path}:grey")]
    assert snaps[0].geometry.equals(GREY)


def test_several_layers_need_a_choice(tmp_path: Path):
    path = tmp_path / "map.gpkg"
    write_gpkg_layers(path)
    with pytest.raises(InputError, match="has 3 layers"):
        list(read([path], report=SourceReport(), date_field="date"))
    with pytest.raises(InputError, match="no layer 'nosuch'"):
        list(read([path], report=SourceReport(), date_field="date", layer="nosuch"))


# --- CRS, geometry types ------------------------------------------------------------


def test_shapefile_in_utm_is_reprojected_to_lon_lat(tmp_path: Path):
    # A 10 km x 10 km square on the central meridian of UTM zone 37N (39°E). UTM shrinks
    # lengths there by k0 = 0.9996, so its true (geodesic) area is 100 / 0.9996² km²
    # (the scale varies by < 1e-6 across 5 km from the meridian).
    x0, y0 = 500_000.0, 5_320_000.0
    square = box(x0 - 5_000, y0 - 5_000, x0 + 5_000, y0 + 5_000)
    path = tmp_path / "front.shp"
    frame([{"date": "2024-10-21", "geometry": square}], crs="EPSG:32637").to_file(path)

    (snap,) = read([path], report=SourceReport(), date_field="date")

    to_lonlat = Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)
    expected = Polygon([to_lonlat.transform(x, y) for x, y in square.exterior.coords])
    lon, lat = snap.geometry.centroid.coords[0]
    assert lon == pytest.approx(39.0, abs=1e-6)  # x is longitude, not latitude
    assert 47.9 < lat < 48.1
    # Same corners to 1e-9° (≈ 0.1 mm), hence the same geodesic area.
    assert shapely.equals_exact(
        shapely.normalize(snap.geometry), shapely.normalize(expected), tolerance=1e-9
    )
    assert geodesic_km2(snap.geometry) == pytest.approx(geodesic_km2(expected), abs=1e-6)
    assert geodesic_km2(snap.geometry) == pytest.approx(100 / 0.9996**2, abs=0.001)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs_is_assumed_wgs84_with_a_note(tmp_path: Path):
    path = tmp_path / "front.shp"  # a Shapefile without .prj has no CRS
    frame([{"date": "2024-10-21", "geometry": WEST}], crs=None).to_file(path)
    assert not path.with_suffix(".prj").exists()
    report = SourceReport()

    (snap,) = read([path], report=report, date_field="date")

    assert snap.geometry.equals(WEST)
    assert report.notes == [f"{path}: no CRS; assumed WGS84 longitude/latitude"]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs_with_projected_coordinates_is_an_error(tmp_path: Path):
    path = tmp_path / "front.shp"
    frame(
        [{"date": "2024-10-21", "geometry": box(500_000, 5e6, 510_000, 5.01e6)}], crs=None
    ).to_file(path)
    with pytest.raises(InputError, match="has no CRS and its coordinates are not degrees"):
        list(read([path], report=SourceReport(), date_field="date"))


def test_non_polygonal_skipped_and_invalid_repaired(tmp_path: Path):
    bowtie = Polygon([(36.0, 48.0), (36.1, 48.1), (36.1, 48.0), (36.0, 48.1)])
    rows = [
        {"date": "2024-10-21", "geometry": Point(36.5, 48.5)},
        {"date": "2024-10-21", "geometry": LineString([(36, 48), (37, 49)])},
        {"date": "2024-10-21", "geometry": bowtie},
        {"date": "2024-10-21", "geometry": GeometryCollection([GREY, Point(1, 1)])},
        {"date": "2024-10-21", "geometry": None},
    ]
    path = tmp_path / "front.geojson"
    frame(rows).to_file(path, driver="GeoJSON")
    report = SourceReport()

    (snap,) = read([path], report=report, date_field="date")

    # The bow-tie repairs to its two triangles: half the square's area.
    assert snap.geometry.is_valid
    assert snap.geometry.difference(GREY).area == pytest.approx(WEST.area / 2, rel=1e-9)
    assert snap.geometry.intersection(GREY).equals(GREY)
    assert report.counts["features skipped: not polygonal"] == 2
    assert report.counts["features skipped: no geometry"] == 1
    assert report.counts["non-polygonal parts dropped"] == 1
    assert report.counts["repaired"] == 1


# --- formats ---------------------------------------------------------------------------


def test_kml(tmp_path: Path):
    path = tmp_path / "front.kml"
    frame(STATUS_ROWS).to_file(path, driver="KML")
    snaps = by_key(
        list(read([path], report=SourceReport(), date_field="date", where="status = 'occupied'"))
    )
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)
    assert not snaps[D1, Kind.CONTROLLED].geometry.has_z


def test_kmz_of_one_kml_keeps_its_attributes(tmp_path: Path):
    # A zipped KML, as Google Earth saves it. Opened as .kmz, LIBKML drops <SchemaData>
    # attributes (GDAL 3.12); the reader goes through /vsizip/ to keep them.
    kml = tmp_path / "front.kml"
    frame(STATUS_ROWS).to_file(kml, driver="KML")
    path = tmp_path / "front.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(kml, "doc.kml")
    kml.unlink()

    snaps = by_key(
        list(
            read(
                [path],
                report=SourceReport(),
                date_field="date",
                kind_field="status",
                kind_values={"occupied": Kind.CONTROLLED, "grey": Kind.GREY},
            )
        )
    )

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D1, Kind.GREY), (D2, Kind.CONTROLLED)}
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)
    assert snaps[D1, Kind.CONTROLLED].origin == str(path)


@pytest.mark.skipif("LIBKML" not in pyogrio.list_drivers(), reason="GDAL without LIBKML")
def test_kmz_of_several_layers_through_libkml(tmp_path: Path):
    path = tmp_path / "map.kmz"
    write_libkml_kmz(path)
    with zipfile.ZipFile(path) as archive:
        assert sum(n.endswith(".kml") for n in archive.namelist()) > 1

    snaps = by_key(
        list(
            read(
                [path],
                report=SourceReport(),
                date_field="date",
                layer_kinds={"occupied": Kind.CONTROLLED, "grey": Kind.GREY},
            )
        )
    )

    assert snaps[D1, Kind.CONTROLLED].geometry.equals(BOTH)
    assert snaps[D1, Kind.GREY].geometry.equals(GREY)


def test_kmz_of_several_layers_without_libkml_is_an_error(tmp_path, monkeypatch):
    path = tmp_path / "map.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", "<kml/>")
        archive.writestr("layers/a.kml", "<kml/>")
    monkeypatch.setattr(vector, "_drivers", lambda: frozenset({"KML"}))
    with pytest.raises(InputError, match="needs GDAL's LIBKML driver"):
        list(read([path], report=SourceReport(), date_field="date"))


@pytest.mark.parametrize("where", [None, "status = 'occupied'"])
def test_geoparquet(tmp_path: Path, where: str | None):
    rows = [dict(r, date=dt.date.fromisoformat(r["date"])) for r in STATUS_ROWS]
    path = tmp_path / "front.parquet"
    # In UTM, to check the CRS stored in GeoParquet metadata is honoured.
    frame(rows).to_crs("EPSG:32637").to_parquet(path)

    snaps = by_key(
        list(
            read(
                [path],
                report=SourceReport(),
                date_field="date",
                where=where,
                layer_kinds={"front": Kind.GREY},
            )
        )
    )

    expected = BOTH if where else shapely.union_all([BOTH, GREY, FAR])
    got = snaps[D1, Kind.GREY].geometry
    assert got.symmetric_difference(expected).area < 1e-12
    assert snaps[D1, Kind.GREY].origin == f"{path}:front"


# --- errors ----------------------------------------------------------------------------

CORRUPT = {
    "front.geojson": b'{"type": "FeatureCollection", "features": [{"type": ',
    "front.gpkg": b"SQLite format 3\x00" + b"\x00" * 200,
    "front.kml": b"<kml><Document><Placemark>",
    "front.kmz": b"PK\x03\x04 not really a zip",
    "front.parquet": b"PAR1 not really parquet",
    "front.shp": b"\x00" * 50,
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # GDAL complains before failing
@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_file_is_an_input_error_naming_it(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(CORRUPT[name])
    with pytest.raises(InputError) as info:
        list(read([path], report=SourceReport(), date_field="date"))
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        list(read([tmp_path / "nope.geojson"], report=SourceReport(), date_field="date"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"layer": "a", "layer_kinds": {"a": Kind.GREY}}, "not both"),
        ({"kind_field": "status"}, "go together"),
        ({"kind_field": "s", "kind_values": {"x": "red"}}, "'red' is not a kind"),
        ({"date_pattern": "(?P<when>x)"}, "needs a named group"),
    ],
)
def test_contradictory_options(tmp_path: Path, options: dict, message: str):
    options.setdefault("date_field", None if "date_pattern" in options else "date")
    with pytest.raises(InputError, match=message):
        list(read([tmp_path / "x.geojson"], report=SourceReport(), **options))


# --- default source name --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("data/DeepState Map.geojson", "deepstate-map"),
        ("front_line_2024.shp.zip", "front-line-2024"),
        ("/x/ISW.Assessed.Control.kmz", "isw-assessed-control"),
        ("Карта фронту.gpkg", "карта-фронту"),
        ("front.parquet", "front"),
        ("!!!.geojson", "vector"),
    ],
)
def test_default_source_name(path: str, name: str):
    assert default_source_name(path) == name


# --- files inside archives and directories, kinds by path, date ranges --------------------


def geojson_bytes(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pyogrio.write_dataframe(frame(rows), buffer, driver="GeoJSON", layer="x")
    return buffer.getvalue()


def write_container(path: Path, files: dict[str, bytes]) -> Path:
    """``files`` (path -> bytes) as a .tar.xz, a .zip or a directory tree at ``path``."""
    if path.name.endswith(".tar.xz"):
        with tarfile.open(path, "w:xz") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
    else:  # a directory named like the archives' top folder
        for name, data in files.items():
            target = path.parent / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        path = path.parent / "maps"
    return path


NESTED = {
    "maps/occupied/2024/20241021_front.geojson": geojson_bytes([{"geometry": WEST}]),
    "maps/occupied/2024/20241028_front.geojson": geojson_bytes([{"geometry": BOTH}]),
    "maps/grey/2024/20241021_front.geojson": geojson_bytes([{"geometry": GREY}]),
    "maps/liberated/2024/20241021_front.geojson": geojson_bytes([{"geometry": FAR}]),
    "maps/README.md": b"not a map",
}
PATH_KINDS = {"/occupied/": Kind.CONTROLLED, "/grey/": Kind.GREY}


@pytest.mark.parametrize("container", ["maps.tar.xz", "maps.zip", "maps-dir"])
def test_members_and_member_kinds_read_an_archive_or_tree_by_path(tmp_path, container):
    path = write_container(tmp_path / container, NESTED)
    report = SourceReport()

    snaps = list(
        read(
            [path],
            report=report,
            members=r"maps/(occupied|grey|liberated)/.*\.geojson$",
            member_kinds=PATH_KINDS,
            date_pattern=r"^(?P<date>\d{8})_",
            date_format="%Y%m%d",
        )
    )

    assert [(s.date, s.kind) for s in snaps] == [
        (D1, Kind.CONTROLLED),
        (D1, Kind.GREY),
        (D2, Kind.CONTROLLED),
    ]
    assert snaps[0].geometry.equals(WEST)
    assert snaps[1].geometry.equals(GREY)
    assert snaps[2].geometry.equals(BOTH)
    assert report.counts["files read"] == 3  # README.md not chosen by members
    assert report.counts["files skipped: no member_kinds match"] == 1  # liberated
    assert "maps/occupied/2024/20241021_front.geojson" in snaps[0].origin


def test_member_kinds_leave_other_members_to_kind_field(tmp_path: Path):
    files = {
        "a/layer-occupied/20241021.geojson": geojson_bytes([{"geometry": WEST}]),
        # a file of all layers, told apart by an attribute (it has no path rule)
        "a/all/20241028.geojson": geojson_bytes(
            [
                {"layer": "occ", "geometry": BOTH},
                {"layer": "gz", "geometry": GREY},
                {"layer": "lib", "geometry": FAR},
            ]
        ),
    }
    path = write_container(tmp_path / "a.tar.xz", files)
    report = SourceReport()

    snaps = by_key(
        list(
            read(
                path,
                report=report,
                members=r"\.geojson$",
                member_kinds={"/layer-occupied/": Kind.CONTROLLED},
                kind_field="layer",
                kind_values={"occ": Kind.CONTROLLED, "gz": Kind.GREY},
                date_pattern=r"(?P<date>\d{8})",
                date_format="%Y%m%d",
            )
        )
    )

    assert set(snaps) == {(D1, Kind.CONTROLLED), (D2, Kind.CONTROLLED), (D2, Kind.GREY)}
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(WEST)  # read without a 'layer' field
    assert snaps[D2, Kind.CONTROLLED].geometry.equals(BOTH)
    assert report.counts["features skipped: kind not mapped"] == 1


def test_member_kinds_of_two_kinds_on_one_path_is_an_error(tmp_path: Path):
    path = write_container(tmp_path / "maps.tar.xz", NESTED)
    with pytest.raises(InputError, match="member_kinds patterns of different kinds match"):
        list(
            read(
                path,
                report=SourceReport(),
                members="occupied",
                member_kinds={"occupied": Kind.CONTROLLED, "2024": Kind.GREY},
                date_pattern=r"^(?P<date>\d{8})_",
                date_format="%Y%m%d",
            )
        )


def test_a_date_and_kind_in_several_files_is_their_union_in_date_order(tmp_path: Path):
    later = tmp_path / "a_20241028.geojson"  # given first: output is still by date
    frame([{"geometry": WEST}]).to_file(later, driver="GeoJSON")
    west = tmp_path / "b_20241021.geojson"
    frame([{"geometry": WEST}]).to_file(west, driver="GeoJSON")
    east = tmp_path / "c_20241021.geojson"
    frame([{"geometry": EAST}]).to_file(east, driver="GeoJSON")
    report = SourceReport()

    snaps = list(read([later, west, east], report=report, date_pattern=r"_(?P<date>\d{8})",
                      date_format="%Y%m%d"))  # fmt: skip

    assert [s.date for s in snaps] == [D1, D2]
    assert snaps[0].geometry.equals(BOTH)  # WEST and EAST, from two files
    assert snaps[0].origin == f"{west} + {east}"
    assert report.counts["snapshots"] == 2


def test_gpkg_layers_of_several_dates_come_out_date_by_date(tmp_path: Path):
    # Per layer, a reader would give D1, D2 of one kind, then D1, D2 of the other; the
    # ingest needs a date's kinds together to build its controlled+grey union.
    path = tmp_path / "map.gpkg"
    for name, geom in (("occupied", WEST), ("grey", GREY)):
        rows = [{"date": "2024-10-21", "geometry": geom}, {"date": "2024-10-28", "geometry": geom}]
        pyogrio.write_dataframe(frame(rows), path, layer=name, append=path.exists())

    snaps = list(
        read(
            path,
            report=SourceReport(),
            date_field="date",
            layer_kinds={"occupied": Kind.CONTROLLED, "grey": Kind.GREY},
        )
    )

    assert [(s.date, s.kind) for s in snaps] == [
        (D1, Kind.CONTROLLED),
        (D1, Kind.GREY),
        (D2, Kind.CONTROLLED),
        (D2, Kind.GREY),
    ]


def test_a_layer_empty_on_its_date_gives_an_empty_snapshot(tmp_path: Path):
    files = {
        "m/occupied/20241021.geojson": geojson_bytes([{"geometry": WEST}]),
        "m/grey/20241021.geojson": b'{"type": "FeatureCollection", "features": '
        b'[{"type": "Feature", "properties": {}, "geometry": null}]}',
    }
    path = write_container(tmp_path / "m.zip", files)
    report = SourceReport()

    snaps = by_key(
        list(
            read(
                path,
                report=report,
                members="json$",
                member_kinds=PATH_KINDS,
                date_pattern=r"(?P<date>\d{8})",
                date_format="%Y%m%d",
            )
        )
    )

    assert snaps[D1, Kind.GREY].geometry.is_empty
    assert snaps[D1, Kind.CONTROLLED].geometry.equals(WEST)
    assert report.counts["empty snapshots (kind held, no polygon)"] == 1


def test_date_range_skips_files_without_reading_them(tmp_path: Path):
    inside = tmp_path / "front_20241021.geojson"
    frame([{"geometry": WEST}]).to_file(inside, driver="GeoJSON")
    outside = tmp_path / "front_20241028.geojson"
    outside.write_bytes(CORRUPT["front.geojson"])  # would raise if it were read
    report = SourceReport()

    snaps = list(
        read(
            [inside, outside],
            report=report,
            date_pattern=r"_(?P<date>\d{8})",
            date_format="%Y%m%d",
            date_from="2024-10-01",
            date_to=dt.date(2024, 10, 27),
        )
    )

    assert [s.date for s in snaps] == [D1]
    assert report.counts["files skipped: outside dates"] == 1


def test_date_range_on_dates_from_a_field(tmp_path: Path):
    path = tmp_path / "front.geojson"
    frame(STATUS_ROWS).to_file(path, driver="GeoJSON")
    report = SourceReport()

    snaps = list(read(path, report=report, date_field="date", date_from=D2))

    assert [(s.date, s.kind) for s in snaps] == [(D2, Kind.CONTROLLED)]
    assert snaps[0].geometry.equals(WEST)
    assert report.counts["features skipped: outside dates"] == 4


def test_unmapped_values_are_noted_once_and_counted_in_every_file(tmp_path: Path):
    paths = []
    for day in ("20241021", "20241028"):
        path = tmp_path / f"{day}.geojson"
        frame([{"s": "occupied", "geometry": WEST}, {"s": "liberated", "geometry": FAR}]).to_file(
            path, driver="GeoJSON"
        )
        paths.append(path)
    report = SourceReport()

    list(
        read(
            paths,
            report=report,
            date_pattern=r"(?P<date>\d{8})",
            date_format="%Y%m%d",
            kind_field="s",
            kind_values={"occupied": Kind.CONTROLLED},
        )
    )

    assert report.counts["features skipped: kind not mapped"] == 2
    assert len([n for n in report.notes if "'liberated'" in n]) == 1


def test_a_tar_archive_without_members_is_an_error_with_a_hint(tmp_path: Path):
    path = write_container(tmp_path / "maps.tar.xz", NESTED)
    with pytest.raises(InputError, match="choose the ones to read with members"):
        list(read(path, report=SourceReport(), date_field="date"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"members": "(x"}, "members: '\\(x' is not a valid regex"),
        ({"member_kinds": {"[": Kind.GREY}}, "member_kinds: '\\[' is not a valid regex"),
        ({"member_kinds": {"a": Kind.GREY}, "layer_kinds": {"b": Kind.GREY}}, "not both"),
        ({"date_from": "2024-10-28", "date_to": "2024-10-21"}, "is after date_to"),
        ({"date_from": "last week"}, "date_from: expected a date"),
    ],
)
def test_bad_member_and_range_options(tmp_path: Path, options: dict, message: str):
    with pytest.raises(InputError, match=message):
        list(read([tmp_path / "x.geojson"], report=SourceReport(), date_field="d", **options))


def test_member_paths_under_dot_start_with_the_folder_name(tmp_path, monkeypatch):
    folder = write_container(tmp_path / "maps-dir", NESTED)
    monkeypatch.chdir(folder)
    snaps = list(
        read(
            Path("."),
            report=SourceReport(),
            members=r"^maps/occupied/",
            date_pattern=r"^(?P<date>\d{8})_",
            date_format="%Y%m%d",
        )
    )
    assert [s.date for s in snaps] == [D1, D2]
