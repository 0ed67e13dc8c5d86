"""A user's mistake gets one clear line, a non-zero exit, and an untouched store.

Every case runs ``vigil.cli.main([...])`` in-process, the way the console script does,
and checks: exit code != 0; stderr is exactly one line starting with ``Error:`` that
names the file, field or option at fault; no traceback anywhere; the store's tables
hold exactly the rows they held before (a dump of every table, compared); and no
output file was left behind.

Tests run in their own folder and pass relative paths, as a user in a shell does; one
test checks that a message longer than any terminal still stays on one line.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import importlib.util
import io
import json
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, box, mapping
from shapely.geometry.base import BaseGeometry

from tests.cli_runner import Run, vigil
from vigil.cli import main
from vigil.territory.store import Store

# A small synthetic daily map (one source, deepstate-daily, 2024-09-30 … 2024-11-04):
# October is a whole month, so every command (brief included) can answer.
FIRST = dt.date(2024, 9, 30)
SNAPSHOTS: dict[dt.date, BaseGeometry] = {
    FIRST: box(37.0, 47.0, 37.05, 47.2),
    dt.date(2024, 10, 14): box(37.0, 47.0, 37.1, 47.2),
    dt.date(2024, 10, 21): box(37.0, 47.0, 37.2, 47.2),
    dt.date(2024, 10, 28): MultiPolygon(
        [box(37.05, 47.0, 37.2, 47.2), box(37.5, 47.5, 37.6, 47.6)]
    ),
    dt.date(2024, 11, 4): box(37.05, 47.0, 37.22, 47.2),
}
NEW_DAYS = [dt.date(2024, 11, 5), dt.date(2024, 11, 6), dt.date(2024, 11, 7)]  # not stored


def daily_name(day: dt.date) -> str:
    """The published name of the file holding the map of ``day``: DeepState names it by
    the next day (vigil.testing.daily_file_name; docs/method.md, "Snapshot for a date").
    Every date in this module is a map date, the date Vigil stores and answers for."""
    return f"deepstatemap_data_{day + dt.timedelta(days=1):%Y%m%d}.geojson"


def feature_collection(geom: BaseGeometry, **properties: object) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            "features": [{"type": "Feature", "properties": properties, "geometry": mapping(geom)}],
        }
    )


def write_daily(folder: Path, day: dt.date, geom: BaseGeometry, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or daily_name(day))
    path.write_text(feature_collection(geom), encoding="utf-8")
    return path


def tar_xz(path: Path, members: dict[str, bytes]) -> Path:
    """An archive holding ``members`` (name -> bytes) in that order."""
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def new_day_bytes(day: dt.date) -> bytes:
    return feature_collection(box(37.05, 47.0, 37.23, 47.2)).encode()


# --- running the CLI and checking what it did -----------------------------------------


def assert_clear_error(run: Run, *needles: object) -> str:
    """Exit != 0, no traceback, stderr starts with ``Error:`` and names every needle.

    The message is read with its lines joined, so that a message wrapped by the
    terminal width is judged on its words here and on its line count elsewhere.
    """
    assert run.code != 0, f"exit code 0; stdout:\n{run.out}"
    assert "Traceback" not in run.err + run.out, run.err
    message = " ".join(run.err.split())
    assert message.startswith("Error: "), run.err
    for needle in needles:
        assert str(needle) in message, f"{needle!r} not named in: {message}"
    return message


def assert_one_line_error(run: Run, *needles: object) -> str:
    """As :func:`assert_clear_error`, and stderr is exactly one line."""
    message = assert_clear_error(run, *needles)
    lines = run.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{run.err}"
    return message


def dump(path: Path) -> dict[str, list[tuple]] | None:
    """Every row of every table of a store (None when there is no file)."""
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(path)) as db:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# --- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("daily")
    for day, geom in SNAPSHOTS.items():
        write_daily(folder, day, geom)
    store = tmp_path_factory.mktemp("base") / "base.sqlite"
    sink = io.StringIO()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        pytest.raises(SystemExit) as exit_info,
    ):
        main(["territory", "ingest", str(folder), "--store", str(store), "-q"])
    assert exit_info.value.code == 0, sink.getvalue()
    return store


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own empty folder; paths on the command line are relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


INPUTS = Path("inputs")  # what a test writes for vigil to read (not checked by `untouched`)


@pytest.fixture
def store(in_tmp: Path, base_store: Path) -> Path:
    """A private copy of the synthetic store: ``store/territory.sqlite``."""
    Path("store").mkdir()
    return Path(shutil.copy(base_store, Path("store", "territory.sqlite")))


def outputs() -> list[Path]:
    """Files in the test's folder, except the inputs it wrote."""
    return [p for p in files(Path(".")) if INPUTS not in p.parents]


@pytest.fixture
def untouched(store: Path):
    """After the test: the store holds the same rows and no file appeared or vanished."""
    before, listing = dump(store), outputs()
    yield
    assert dump(store) == before, "the store changed"
    assert outputs() == listing, "files were written or removed"


# --- bad input files -------------------------------------------------------------------
def missing_path(tmp: Path) -> tuple[list[Path], list[str]]:
    path = tmp / "nowhere" / "daily.tar.xz"
    return [path], [f"{path}: no such file or directory"]


def corrupt_member(tmp: Path) -> tuple[list[Path], list[str]]:
    bad = f"data/{daily_name(NEW_DAYS[1])}"
    archive = tar_xz(
        tmp / "daily.tar.xz",
        {
            f"data/{daily_name(NEW_DAYS[0])}": new_day_bytes(NEW_DAYS[0]),
            bad: b'{"type": "FeatureCollection", "features": [',  # cut short
            f"data/{daily_name(NEW_DAYS[2])}": new_day_bytes(NEW_DAYS[2]),
        },
    )
    return [archive], [f"{archive}:{bad}", "not valid GeoJSON"]


def bad_date_in_name(tmp: Path) -> tuple[list[Path], list[str]]:
    folder = tmp / "daily"
    write_daily(folder, NEW_DAYS[0], box(37.05, 47.0, 37.23, 47.2))
    bad = write_daily(
        folder, NEW_DAYS[1], box(37.0, 47.0, 37.1, 47.1), name="deepstatemap_data_20241399.geojson"
    )
    return [folder], [str(bad), "invalid date '20241399'", "YYYYMMDD"]


def not_an_archive(tmp: Path) -> tuple[list[Path], list[str]]:
    path = tmp / "daily.tar.xz"
    path.write_text("this is a text file, not an archive\n")
    return [path], [f"{path}: not a readable archive"]


def not_a_zip(tmp: Path) -> tuple[list[Path], list[str]]:
    path = tmp / "daily.zip"
    path.write_bytes(b"PK but not really")
    return [path], [f"{path}: not a readable archive"]


def truncated_archive(tmp: Path) -> tuple[list[Path], list[str]]:
    whole = tar_xz(
        tmp / "whole.tar.xz",
        {f"data/{daily_name(d)}": new_day_bytes(d) * 40 for d in NEW_DAYS},
    )
    path = tmp / "daily.tar.xz"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    whole.unlink()
    return [path], [f"{path}: not a readable archive"]


def points_not_polygons(tmp: Path) -> tuple[list[Path], list[str]]:
    path = tmp / daily_name(NEW_DAYS[0])
    path.write_text(feature_collection(Point(37.0, 47.0)))
    return [path], [str(path), "expected (Multi)Polygons", "Point"]


def two_files_one_day(tmp: Path) -> tuple[list[Path], list[str]]:
    first = write_daily(tmp / "a", NEW_DAYS[0], box(37.05, 47.0, 37.23, 47.2))
    second = write_daily(tmp / "b", NEW_DAYS[0], box(37.05, 47.0, 37.24, 47.2))
    # the message names the date in the file names: the day after the map's
    published = NEW_DAYS[0] + dt.timedelta(days=1)
    return [first, second], [str(second), f"a second file for {published}", str(first)]


BAD_INPUTS = [
    missing_path,
    corrupt_member,
    bad_date_in_name,
    not_an_archive,
    not_a_zip,
    truncated_archive,
    points_not_polygons,
    two_files_one_day,
]


def bad_inputs() -> list:
    """BAD_INPUTS as parameters named after their builders."""
    return [pytest.param(make, id=make.__name__) for make in BAD_INPUTS]


@pytest.mark.parametrize("make", bad_inputs())
def test_bad_input_file_is_refused_and_the_store_kept(capsys, store, make):
    before = dump(store)
    INPUTS.mkdir()
    paths, needles = make(INPUTS)
    run = vigil(capsys, "territory", "ingest", *paths, "--store", store)
    assert dump(store) == before, "the store changed"
    assert run.out == ""
    assert_clear_error(run, *needles)


@pytest.mark.parametrize("make", bad_inputs())
def test_bad_input_file_error_is_one_line(capsys, store, make):
    INPUTS.mkdir()
    paths, needles = make(INPUTS)
    assert_one_line_error(vigil(capsys, "territory", "ingest", *paths, "--store", store), *needles)


def test_a_long_message_stays_on_one_line(capsys):
    long_name = Path("a-folder-with-a-rather-long-name-" * 6, "territory.sqlite")
    run = vigil(capsys, "territory", "area", "2024-10-28", "--store", long_name)
    assert run.code == 1
    assert run.err.splitlines() == [
        f"Error: {long_name}: no store here (run `vigil territory ingest` first)"
    ]


def test_failed_ingest_into_a_new_store_creates_no_file(capsys):
    fresh = Path("fresh.sqlite")
    INPUTS.mkdir()
    paths, needles = bad_date_in_name(INPUTS)
    assert_one_line_error(vigil(capsys, "territory", "ingest", *paths, "--store", fresh), *needles)
    assert not fresh.exists()


# --- bad ingest options ----------------------------------------------------------------
@pytest.fixture
def vector_file(in_tmp: Path) -> Path:
    path = INPUTS / "front.gpkg"
    path.parent.mkdir()
    frame = gpd.GeoDataFrame(
        {"date": ["2024-11-05"], "status": ["occupied"]},
        geometry=[box(37.05, 47.0, 37.23, 47.2)],
        crs="EPSG:4326",
    )
    frame.to_file(path)
    return path


def test_ingest_unknown_format(capsys, store, untouched):
    folder = INPUTS
    write_daily(folder, NEW_DAYS[0], box(37.05, 47.0, 37.23, 47.2))
    run = vigil(capsys, "territory", "ingest", folder, "--store", store, "--input-format", "xml")
    assert_one_line_error(run, "--input-format", "'xml'", "deepstate-daily")


@pytest.mark.parametrize("format", ["auto", "vector"])
def test_vector_ingest_needs_a_date_field_or_pattern(capsys, store, vector_file, untouched, format):
    run = vigil(
        capsys, "territory", "ingest", vector_file, "--store", store, "--input-format", format
    )
    assert_one_line_error(run, "date_field", "date_pattern")


def test_vector_geojson_ingest_needs_a_date_field_or_pattern(capsys, store, untouched):
    path = INPUTS / "front.geojson"
    path.parent.mkdir()
    path.write_text(feature_collection(box(37.05, 47.0, 37.23, 47.2), date="2024-11-05"))
    run = vigil(capsys, "territory", "ingest", path, "--store", store, "--input-format", "vector")
    assert_one_line_error(run, "date_field", "date_pattern")


def test_vector_date_field_that_does_not_exist(capsys, store, vector_file, untouched):
    run = vigil(
        capsys, "territory", "ingest", vector_file, "--store", store, "--date-field", "when"
    )
    assert_one_line_error(run, str(vector_file), "when")


def test_vector_data_into_a_daily_source_is_refused(capsys, store, vector_file, untouched):
    run = vigil(
        capsys, "territory", "ingest", vector_file, "--store", store,
        "--date-field", "date", "--source", "deepstate-daily",
    )  # fmt: skip
    assert_one_line_error(
        run, "--source", "'deepstate-daily' holds deepstate-daily data, not vector"
    )


def test_vector_layer_kind_needs_name_equals_kind(capsys, store, vector_file, untouched):
    run = vigil(
        capsys, "territory", "ingest", vector_file, "--store", store,
        "--date-field", "date", "--layer-kind", "front",
    )  # fmt: skip
    assert_one_line_error(run, "--layer-kind", "NAME=KIND", "'front'")


def test_daily_files_refuse_vector_options(capsys, store, untouched):
    folder = INPUTS
    write_daily(folder, NEW_DAYS[0], box(37.05, 47.0, 37.23, 47.2))
    run = vigil(
        capsys, "territory", "ingest", folder, "--store", store,
        "--input-format", "deepstate-daily", "--date-field", "date",
    )  # fmt: skip
    assert_one_line_error(run, "--date-field", "only for the vector format")


RAW_READER = importlib.util.find_spec("vigil.territory.sources.deepstate_raw") is not None


@pytest.mark.skipif(
    not RAW_READER,
    reason="vigil/territory/sources/deepstate_raw.py (the raw DeepState reader) is not written yet",
)
def test_unknown_layer_in_a_raw_file_is_refused(capsys, store, untouched):
    path = INPUTS / "geojsons" / "1700000000.geojson"  # 2023-11-14 22:13 UTC
    path.parent.mkdir(parents=True)
    features = [
        {"name": "Окуповано /// Occupied", "geometry": box(37.0, 47.0, 37.2, 47.2)},
        {"name": "Something odd /// Odd", "geometry": box(37.5, 47.5, 37.6, 47.6)},
    ]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": f["name"]},
                        "geometry": mapping(f["geometry"]),
                    }
                    for f in features
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    run = vigil(capsys, "territory", "ingest", path, "--store", store)
    assert_one_line_error(run, "1700000000.geojson", "Something odd", "classification rule")


# --- bad questions ---------------------------------------------------------------------
def case(label: str, args: list[str], needles: list[str]):
    """One bad question: its argv (relative paths: the test's folder) and what the error
    must name."""
    return pytest.param(args, needles, id=label)


CHANGE = ["change", "2024-10-21", "2024-10-28"]
BAD_QUESTIONS = [
    # dates that are not dates
    case("area 2024-13-01", ["area", "2024-13-01"], ["date", "'2024-13-01'", "YYYY-MM-DD"]),
    case("area yesterday", ["area", "yesterday"], ["date", "'yesterday'", "YYYY-MM-DD"]),
    case("change bad FROM", ["change", "yesterday", "2024-10-28"], ["--from", "'yesterday'"]),
    case("change bad TO", ["change", "2024-10-21", "2024-13-01"], ["--to", "'2024-13-01'"]),
    case("series --from", ["series", "--from", "yesterday"], ["--from", "'yesterday'"]),
    case("series --to", ["series", "--to", "2024-13-01"], ["--to", "'2024-13-01'"]),
    case("records --period", ["records", "--period", "2024-13-01"], ["--period", "2024-13-01"]),
    case("brief --as-of", ["brief", "--as-of", "yesterday", "-o", "b.md"], ["--as-of"]),
    case("export --from", ["export", "x.gpkg", "--from", "yesterday"], ["--from"]),
    case(
        "chart change bad FROM",
        ["chart", "change", "yesterday", "2024-10-28", "-o", "c.png"],
        ["--from", "'yesterday'"],
    ),
    # FROM after TO
    case(
        "change FROM after TO",
        ["change", "2024-10-28", "2024-10-21"],
        ["--from", "the start 2024-10-28 is after the end 2024-10-21"],
    ),
    case(
        "chart change FROM after TO",
        ["chart", "change", "2024-10-28", "2024-10-21", "-o", "c.png"],
        ["--from", "the start 2024-10-28 is after the end 2024-10-21"],
    ),
    case(
        "series --from after --to",
        ["series", "--from", "2024-10-28", "--to", "2024-10-21"],
        ["--from", "after the end 2024-10-21"],
    ),
    case(
        "export --from after --to",
        ["export", "x.gpkg", "--from", "2024-10-28", "--to", "2024-10-21"],
        ["--from", "after the end 2024-10-21"],
    ),
    # before the first snapshot
    case(
        "area before the data",
        ["area", "2024-01-01"],
        ["no snapshot of deepstate-daily on or before 2024-01-01", f"begin on {FIRST}"],
    ),
    case(
        "change before the data",
        ["change", "2024-01-01", "2024-10-28"],
        ["on or before 2024-01-01", f"begin on {FIRST}"],
    ),
    case(
        "records --period before the data",
        ["records", "--period", "2024-01-01"],
        ["--period", "no complete week with data holds 2024-01-01"],
    ),
    case(
        "brief --as-of before the data",
        ["brief", "--as-of", "2024-01-01", "-o", "b.md"],
        ["--as-of", "2024-01-01", str(FIRST)],
    ),
    # a grey zone the source does not have
    *(
        case(f"{a[0]} --with-grey", [*a, "--with-grey"], ["--with-grey", "no grey-zone layer"])
        for a in (["area", "2024-10-28"], CHANGE, ["series"], ["records"])
    ),
    case(
        "chart series --with-grey",
        ["chart", "series", "-o", "c.png", "--with-grey"],
        ["--with-grey"],
    ),
    # a source the store does not hold
    *(
        case(f"{' '.join(a[:2])} --source nope", [*a, "--source", "nope"], ["--source", "'nope'"])
        for a in (
            ["area", "2024-10-28"],
            CHANGE,
            ["series"],
            ["records"],
            ["export", "x.gpkg"],
            ["brief", "-o", "b.md"],
            ["chart", "series", "-o", "c.png"],
            ["chart", "change", "2024-10-21", "2024-10-28", "-o", "c.png"],
        )
    ),
    case(
        "snapshots --source nope",
        ["snapshots", "--source", "nope"],
        ["--source", "'nope'"],
    ),
    # sliver filters that are not sizes
    case("change km2 < 0", [*CHANGE, "--min-fragment-km2", "-1"], ["--min-fragment-km2", "≥ 0"]),
    case("change km2 nan", [*CHANGE, "--min-fragment-km2", "nan"], ["--min-fragment-km2"]),
    case("change width < 0", [*CHANGE, "--min-width-km", "-0.5"], ["--min-width-km", "≥ 0"]),
    case("series km2 < 0", ["series", "--min-fragment-km2", "-1"], ["--min-fragment-km2"]),
    # files the brief and export cannot write
    case("brief to .txt", ["brief", "-o", "brief.txt"], ["brief.txt", ".md or .html"]),
    case("export .shp", ["export", "x.shp"], ["--format", "'.shp'", "gpkg, geojson, parquet"]),
    case("export no suffix", ["export", "x"], ["--format", "(none)", "gpkg, geojson, parquet"]),
    case("export --format xml", ["export", "x.gpkg", "--format", "xml"], ["--format"]),
    case("export --what", ["export", "x.gpkg", "--what", "all"], ["--what", "'all'"]),
    case("export change no dates", ["export", "x.gpkg", "--what", "change"], ["--from"]),
    case(
        "export parquet no folder",
        ["export", "no/such/dir/x.parquet"],
        ["x.parquet", "cannot write"],
    ),
    *(
        case(
            f"export {suffix} no folder",
            ["export", f"no/such/dir/x.{suffix}"],
            [f"x.{suffix}", "cannot write"],
        )
        for suffix in ("gpkg", "geojson")
    ),
    # other options with a closed set of values
    case("change -f xml", [*CHANGE, "-f", "xml"], ["--format", "'xml'"]),
    *(
        case(f"{a[0]} -f xml", [*a, "-f", "xml"], ["--format", "xml"])
        for a in (["snapshots"], ["area", "2024-10-28"], ["series"], ["records"])
    ),
    case("series --freq", ["series", "--freq", "fortnight"], ["--freq", "'fortnight'"]),
    case("records --metric", ["records", "--metric", "area"], ["--metric", "'area'"]),
    case("series --week-start", ["series", "--week-start", "someday"], ["--week-start"]),
    case("series table to a file", ["series", "-o", "s.txt"], ["--output", "csv or json"]),
    case(
        "series --last -1",
        ["series", "--last", "-1"],
        ["--last"],
    ),
    case(
        "change --top -1",
        [*CHANGE, "--top", "-1"],
        ["--top"],
    ),
]


@pytest.mark.parametrize(("args", "needles"), BAD_QUESTIONS)
def test_bad_question_is_one_line_and_changes_nothing(capsys, store, untouched, args, needles):
    run = vigil(capsys, "territory", *args, "--store", store)
    assert_one_line_error(run, *needles)


# --- stores that cannot answer ---------------------------------------------------------
ANY_QUESTION = [
    ["snapshots"],
    ["area", "2024-10-28"],
    CHANGE,
    ["series"],
    ["records"],
    ["brief", "-o", "b.md"],
    ["export", "x.gpkg"],
    ["chart", "series", "-o", "c.png"],
    ["chart", "change", "2024-10-21", "2024-10-28", "-o", "c.png"],
]


@pytest.mark.parametrize("args", ANY_QUESTION, ids=lambda a: " ".join(a[:2]))
def test_question_to_a_missing_store(capsys, args):
    missing = Path("nowhere.sqlite")
    run = vigil(capsys, "territory", *args, "--store", missing)
    assert_one_line_error(run, f"{missing}: no store here", "vigil territory ingest")
    assert files(Path(".")) == []  # neither the store nor an output file appeared


@pytest.mark.parametrize("args", ANY_QUESTION[1:], ids=lambda a: " ".join(a[:2]))
def test_question_to_an_empty_store(capsys, args):
    empty = Path("empty.sqlite")
    Store(empty, create=True).close()
    before = dump(empty)
    run = vigil(capsys, "territory", *args, "--store", empty)
    assert_one_line_error(run, f"{empty}: the store is empty", "vigil territory ingest")
    assert dump(empty) == before
    assert files(Path(".")) == [empty]


def test_a_file_that_is_not_a_store(capsys):
    path = Path("notes.sqlite")
    path.write_text("not a database\n")
    run = vigil(capsys, "territory", "area", "2024-10-28", "--store", path)
    assert_one_line_error(run, f"{path}: not a Vigil store")
    assert path.read_text() == "not a database\n"


def test_the_store_from_the_environment_is_named_too(capsys, monkeypatch):
    missing = Path("env.sqlite")
    monkeypatch.setenv("VIGIL_STORE", str(missing))
    run = vigil(capsys, "territory", "series")
    assert_one_line_error(run, f"{missing}: no store here")
    assert not missing.exists()


# --- library errors name the parameter, the CLI the flag --------------------------------
LIBRARY_ERRORS = [
    ("date_from", lambda t: t.series("week", date_from="2024-10-28", date_to="2024-10-21")),
    ("date_from", lambda t: t.change("2024-10-28", "2024-10-21")),
    ("date_to", lambda t: t.change("2024-10-21", "yesterday")),
    ("freq", lambda t: t.series("fortnight")),
    ("period", lambda t: t.records("week", period="2024-01-01")),
    ("source", lambda t: t.area("2024-10-28", source="nope")),
    ("with_grey", lambda t: t.area("2024-10-28", with_grey=True)),
    ("min_fragment_km2", lambda t: t.change(*CHANGE[1:], min_fragment_km2=-1)),
    ("level", lambda t: t.regions("planet", date="2024-10-28")),
    ("format", lambda t: t.ingest([INPUTS], format="xml")),
]


@pytest.mark.parametrize(("param", "call"), LIBRARY_ERRORS, ids=[p for p, _ in LIBRARY_ERRORS])
def test_a_library_error_names_the_parameter_not_a_flag(store, param, call):
    from vigil.errors import VigilError
    from vigil.territory import open_store

    INPUTS.mkdir(exist_ok=True)
    with open_store(store) as t, pytest.raises(VigilError) as caught:
        call(t)
    assert caught.value.param == param
    assert str(caught.value).startswith(f"{param}: ")
    assert "--" not in str(caught.value), str(caught.value)


def test_the_cli_names_the_flag_of_the_same_error(capsys, store):
    run = vigil(capsys, "territory", "records", "--period", "2024-01-01", "--store", store)
    assert run.err == "Error: --period: no complete week with data holds 2024-01-01\n"


SRC = Path(__file__).resolve().parents[1] / "src" / "vigil"
FLAG = re.compile(r"(?<![\w`-])--[a-z][a-z0-9-]*")
# Modules whose messages are the command line's own (cli*.py) are not libraries.


def _library_modules():
    for path in sorted(SRC.rglob("*.py")):
        if not path.name.startswith("cli"):
            yield pytest.param(path, id=path.relative_to(SRC).as_posix())


@pytest.mark.parametrize("path", list(_library_modules()))
def test_no_library_error_message_names_a_flag(path):
    """Every string in a ``raise`` outside cli*.py, with `commands in backticks` (advice
    on what to run) left out, names no ``--flag``: the CLI adds the flag from ``param``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                text = sub.value if isinstance(sub, ast.Constant) else None
                if isinstance(text, str) and FLAG.search(re.sub(r"`[^`]*`", "", text)):
                    found.append(f"line {node.lineno}: {text!r}")
    assert not found, "\n".join(found)
