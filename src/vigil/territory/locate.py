"""Where a change happened: each gained or lost fragment with its oblast, raion, hromada
and the nearest settlement, with distance and bearing (pure: values in, DataFrame out).

    +12.3 km² 4 km SW of Pokrovsk, Pokrovsk Raion, Donetsk Oblast

Decisions (docs/method.md quotes these):

- **The fragment's point** is its representative point (``shapely.point_on_surface``),
  not its centroid: the centroid of a crescent- or L-shaped fragment can lie outside
  it, even in the next village. The point on the surface is always inside the
  fragment, and it is the point ``regions.locate(by="point")`` uses, so the region
  names and the place in one description refer to the same spot. A fragment spanning
  two oblasts is therefore put in the one holding that point.
- **Nearest place**: the nearest settlement of the gazetteer *with its own coordinates*
  (``located == 1``); the others only carry a point inside their hromada and are never
  used. By default the nearest place of any size is named, because a village name
  pins a small fragment down where a town 9 km away would not (this is how
  front-line reports name places). ``prefer_town_km=10`` names the nearest city
  (category ``M``) instead whenever one lies within 10 km; ``min_category`` drops
  smaller places altogether ("M" cities only, "X" settlements and cities).
- **Distance and bearing** are geodesic on the WGS84 ellipsoid (``pyproj.Geod.inv``),
  *from the settlement to the fragment* ("4 km SW of Pokrovsk": the fragment lies
  south-west of the town). The bearing is the forward azimuth at the settlement on a
  16-point compass (each point 22.5° wide, N = [348.75°, 11.25°)).
- **Wording**: area with a sign (+ gained, − lost; one decimal, two significant
  figures under 0.1 km²), distance in whole km; under 1 km it reads "at Pokrovsk"
  (the point is within 1 km of the settlement's point: inside or at its edge; the
  gazetteer has points, not boundaries, so "in" would claim more than is known).
  Raion and oblast follow when known; unknown parts are left out.

How the nearest search is fast and right: settlement points are projected once to a
Lambert azimuthal equal-area projection centred on Ukraine (scale within 0.3 % over
the whole country) and put in an STRtree. ``query_nearest`` gives the projected
nearest distance d; every settlement within 1.02·d + 10 m (more than the largest
projected-vs-geodesic disagreement) is then a candidate, and the exact geodesic
distance picks among them (projection alone names the wrong place for about 1 point
in 1,000 near the edges of the country). On a tie, as for places sharing coordinates,
the larger category wins, then the earlier row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS, Geod, Transformer

from vigil import i18n
from vigil.i18n import gettext as _
from vigil.i18n import pgettext
from vigil.territory import placenames
from vigil.territory.regions import locate as locate_regions

GEOD = Geod(ellps="WGS84")
LEVELS = ("oblast", "raion", "hromada")
COMPASS = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)  # fmt: skip
# Settlement categories of the KATOTTH register, by size: M city/town, X settlement
# (selyshche), C village (selo), K "selyshche" of the older kind, treated as a village.
CATEGORY_RANK = {"M": 2, "X": 1, "C": 0, "K": 0}
# Projection centre: the middle of Ukraine's bounding box (22.1–40.2°E, 44.4–52.4°N).
_LAEA = CRS.from_proj4("+proj=laea +lat_0=48.4 +lon_0=31.2 +datum=WGS84 +units=m")
_TO_M = Transformer.from_crs("EPSG:4326", _LAEA, always_xy=True)
# Candidates are all places within SLACK·d + PAD_M of the projected nearest distance d.
_SLACK, _PAD_M = 1.02, 10.0
AT_KM = 1.0  # under this distance the description reads "at <place>"

NEAREST_COLUMNS = [
    "place", "place_uk", "place_code", "category", "distance_km", "azimuth", "bearing",
]  # fmt: skip
DESCRIBE_COLUMNS = [
    "oblast", "oblast_name", "raion", "raion_name", "hromada", "hromada_name",
    "place", "place_uk", "place_code", "distance_km", "bearing", "description",
]  # fmt: skip


def compass(azimuth: ArrayLike) -> np.ndarray:
    """16-point compass names of azimuths in degrees (any range; 0 = N, 90 = E).

    Each point covers 22.5° centred on its direction: N is [-11.25°, 11.25°), NNE
    [11.25°, 33.75°), … A value on a boundary goes to the clockwise point.
    """
    az = np.mod(np.asarray(azimuth, dtype=float), 360.0)
    idx = np.floor((az + 11.25) / 22.5).astype(int) % 16
    return np.asarray(COMPASS, dtype=object)[idx]


def _project(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    x, y = _TO_M.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    # Arrays in, an array out (asarray keeps it as it is; the stubs also allow one point).
    return np.asarray(shapely.points(np.atleast_1d(x), np.atleast_1d(y)))


class Gazetteer:
    """Located settlements in a spatial index, for nearest-place questions.

    Build it once per gazetteer (under 0.1 s for the 19,535 located places of the
    shipped file) and reuse it. ``settlements`` is a frame as ``Store.settlements()``
    returns it (code, name_uk, name_en, category, lon, lat, located, …); only rows with
    ``located == 1`` and finite coordinates are kept. ``min_category`` keeps only
    places of that size or larger ("M" cities, "X" settlements and cities).
    """

    _origin: np.ndarray  # set on the town index only: each town's row in the full gazetteer

    def __init__(self, settlements: pd.DataFrame, *, min_category: str | None = None):
        s = settlements
        keep = np.isfinite(pd.to_numeric(s["lon"], errors="coerce").to_numpy(float))
        keep &= np.isfinite(pd.to_numeric(s["lat"], errors="coerce").to_numpy(float))
        if "located" in s:
            keep &= pd.to_numeric(s["located"], errors="coerce").fillna(0).to_numpy() == 1
        rank = s["category"].map(CATEGORY_RANK).fillna(0).to_numpy(int)
        if min_category is not None:
            if min_category not in CATEGORY_RANK:
                raise ValueError(f"min_category must be one of {list(CATEGORY_RANK)}")
            keep &= rank >= CATEGORY_RANK[min_category]
        s = s.loc[keep]
        en = s["name_en"].where(s["name_en"].notna() & (s["name_en"] != ""), s["name_uk"])
        self.code = s["code"].to_numpy(object)
        self.name_en = en.to_numpy(object)
        self.name_uk = s["name_uk"].to_numpy(object)
        self.category = s["category"].to_numpy(object)
        self.lon = s["lon"].to_numpy(float)
        self.lat = s["lat"].to_numpy(float)
        self.rank = rank[keep]
        self._tree = shapely.STRtree(_project(self.lon, self.lat))
        self._towns: Gazetteer | None = None

    def __len__(self) -> int:
        return len(self.code)

    def nearest(
        self, lon: ArrayLike, lat: ArrayLike, *, prefer_town_km: float | None = None
    ) -> pd.DataFrame:
        """The nearest place to each point (WGS84 degrees; scalars or arrays).

        One row per point, in order: place (English name, Ukrainian when there is
        none), place_uk, place_code, category, distance_km (geodesic, WGS84),
        azimuth (degrees, forward azimuth at the place towards the point) and
        bearing (its 16-point compass name). All None/NaN when the gazetteer is empty.
        With ``prefer_town_km``, a city (category M) within that many km wins over a
        nearer smaller place.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        idx, dist, az = self._nearest(lon, lat)
        if prefer_town_km is not None and len(self):
            towns = self._town_index()
            t_idx, t_dist, t_az = towns._nearest(lon, lat)
            use = (t_idx >= 0) & (t_dist <= prefer_town_km)
            idx = np.where(use, towns._origin[np.maximum(t_idx, 0)], idx)
            dist, az = np.where(use, t_dist, dist), np.where(use, t_az, az)
        return self._frame(idx, dist, az)

    def _nearest(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(lon)
        idx, dist, az = np.full(n, -1), np.full(n, np.nan), np.full(n, np.nan)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not len(self) or not ok.any():
            return idx, dist, az
        pts = _project(lon[ok], lat[ok])
        _, d_m = self._tree.query_nearest(pts, return_distance=True, all_matches=False)
        # query_nearest returns pairs sorted by input; one per input with all_matches off.
        radius = d_m * _SLACK + _PAD_M
        which, cand = self._tree.query(pts, predicate="dwithin", distance=radius)
        rows = np.flatnonzero(ok)[which]
        fwd, _, metres = GEOD.inv(self.lon[cand], self.lat[cand], lon[rows], lat[rows])
        # By point, then distance; on a tie (626 located places share their coordinates
        # with another) the larger category, then the earlier row (lower code).
        order = np.lexsort((cand, -self.rank[cand], metres, rows))
        rows, cand, metres, fwd = rows[order], cand[order], metres[order], fwd[order]
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        idx[rows[first]] = cand[first]
        dist[rows[first]] = metres[first] / 1e3
        az[rows[first]] = np.mod(fwd[first], 360.0)
        return idx, dist, az

    def _town_index(self) -> Gazetteer:
        if self._towns is None:
            towns = object.__new__(Gazetteer)
            sel = np.flatnonzero(self.rank >= CATEGORY_RANK["M"])
            for attr in ("code", "name_en", "name_uk", "category", "lon", "lat", "rank"):
                setattr(towns, attr, getattr(self, attr)[sel])
            towns._tree = shapely.STRtree(_project(towns.lon, towns.lat))
            towns._towns = towns
            towns._origin = sel
            self._towns = towns
        return self._towns

    def _frame(self, idx: np.ndarray, dist: np.ndarray, az: np.ndarray) -> pd.DataFrame:
        hit = idx >= 0
        out = pd.DataFrame({c: [None] * len(idx) for c in NEAREST_COLUMNS}, dtype=object)
        for col, values in (
            ("place", self.name_en),
            ("place_uk", self.name_uk),
            ("place_code", self.code),
            ("category", self.category),
        ):
            out.loc[hit, col] = values[idx[hit]]
        out["distance_km"] = dist
        out["azimuth"] = az
        out.loc[hit, "bearing"] = compass(az[hit]) if hit.any() else []
        return out


def describe(
    fragments: pd.DataFrame,
    regions: dict[str, pd.DataFrame],
    settlements: pd.DataFrame | Gazetteer,
    *,
    min_category: str | None = None,
    prefer_town_km: float | None = None,
) -> pd.DataFrame:
    """The fragments with where they are: region codes and names, nearest place,
    distance (km, geodesic), bearing and a one-line ``description``.

    ``fragments``: a ``Change.fragments`` frame (direction, area_km2, geometry, …).
    ``regions``: ``{"oblast": frame, "raion": frame, "hromada": frame}`` as
    ``Store.regions(level)`` returns them; a missing or empty level gives None.
    ``settlements``: the gazetteer frame (``Store.settlements()``) or a ``Gazetteer``
    built from it (``min_category`` then applies only when building one here).

    Each fragment is placed by its representative point (``shapely.point_on_surface``,
    always inside the fragment); region names are English, Ukrainian when missing.
    The ``description`` is in the active language (:mod:`vigil.i18n`; names from
    :mod:`vigil.territory.placenames`): "+12,3 км² 4 км на ПдЗ від Покровська,
    Покровський район, Донецька область".
    Adds DESCRIBE_COLUMNS; keeps the rows and order of ``fragments``.
    """
    lang = i18n.active()
    out = fragments.copy()
    local: dict[str, list[str | None]] = {}
    geoms = np.asarray(out["geometry"].to_numpy() if len(out) else [], dtype=object)
    for level in LEVELS:
        frame = regions.get(level)
        out[level], out[f"{level}_name"] = None, None
        if frame is None or frame.empty or not len(out):
            continue
        found = locate_regions(geoms, frame, by="point")
        names = found["name_en"].where(found["name_en"].notna(), found["name_uk"])
        out[level] = found["code"].to_numpy(object)
        out[f"{level}_name"] = names.to_numpy(object)
        if lang != "en":
            names_of = frame.drop_duplicates("code").set_index("code")
            names_of = names_of.reindex(columns=["name_uk", "name_en", "name_ru"])
            rows = names_of.reindex(found["code"].to_numpy()).astype(object)
            local[level] = [
                placenames.region_name({str(k): v for k, v in r.items()}, lang)
                for r in rows.to_dict("records")
            ]
    gaz = (
        settlements
        if isinstance(settlements, Gazetteer)
        else Gazetteer(settlements, min_category=min_category)
    )
    if len(out):
        point = shapely.point_on_surface(geoms)
        near = gaz.nearest(
            shapely.get_x(point), shapely.get_y(point), prefer_town_km=prefer_town_km
        )
    else:
        near = gaz.nearest([], [])
    for col in ("place", "place_uk", "place_code", "distance_km", "bearing"):
        out[col] = near[col].to_numpy()
    if lang == "en":
        columns = ("direction", "area_km2", "place", "distance_km", "bearing")
        out["description"] = [
            description(direction, area, place, distance, bearing, raion, oblast)
            for direction, area, place, distance, bearing, raion, oblast in zip(
                *(out[c] for c in columns), out["raion_name"], out["oblast_name"], strict=True
            )
        ]
        return out
    places = [
        placenames.settlement_name({"name_en": en, "name_uk": uk}, lang)
        if _known(en) or _known(uk)
        else None
        for en, uk in zip(out["place"], out["place_uk"], strict=True)
    ]
    nothing: list[str | None] = [None] * len(out)
    raions = local.get("raion") or nothing
    oblasts = local.get("oblast") or nothing
    out["description"] = [
        description_local(direction, area, place, distance, bearing, raion, oblast)
        for direction, area, place, distance, bearing, raion, oblast in zip(
            out["direction"], out["area_km2"], places, out["distance_km"], out["bearing"],
            raions, oblasts, strict=True,
        )
    ]  # fmt: skip
    return out


def description(
    direction: str,
    area_km2: float,
    place: str | None = None,
    distance_km: float | None = None,
    bearing: str | None = None,
    raion: str | None = None,
    oblast: str | None = None,
) -> str:
    """One fragment in words: "+12.3 km² 4 km SW of Pokrovsk, Pokrovsk Raion, Donetsk Oblast".

    Gained is "+", lost "−" (U+2212). Under ``AT_KM`` the place reads "at Pokrovsk";
    without a place, "in <raion>, <oblast>"; unknown region parts are left out.
    """
    sign = "−" if direction == "lost" else "+"
    area = f"{area_km2:.1f}" if area_km2 >= 0.1 else f"{area_km2:.2g}"
    text = f"{sign}{area} km²"
    where = ", ".join(str(x) for x in (raion, oblast) if _known(x))
    if _known(place) and distance_km is not None and np.isfinite(distance_km):
        if distance_km < AT_KM:
            text += f" at {place}"
        else:
            text += f" {int(distance_km + 0.5)} km {bearing} of {place}"
        return f"{text}, {where}" if where else text
    return f"{text} in {where}" if where else text


def compass_point(bearing: str) -> str:
    """A 16-point compass bearing ("NNW") as the reader's language abbreviates it
    ("ПнПнЗ", "ССЗ")."""
    points = {
        "N": pgettext("compass", "N"), "NNE": pgettext("compass", "NNE"),
        "NE": pgettext("compass", "NE"), "ENE": pgettext("compass", "ENE"),
        "E": pgettext("compass", "E"), "ESE": pgettext("compass", "ESE"),
        "SE": pgettext("compass", "SE"), "SSE": pgettext("compass", "SSE"),
        "S": pgettext("compass", "S"), "SSW": pgettext("compass", "SSW"),
        "SW": pgettext("compass", "SW"), "WSW": pgettext("compass", "WSW"),
        "W": pgettext("compass", "W"), "WNW": pgettext("compass", "WNW"),
        "NW": pgettext("compass", "NW"), "NNW": pgettext("compass", "NNW"),
    }  # fmt: skip
    return points.get(bearing, bearing)


def description_local(
    direction: str,
    area_km2: float,
    place: str | None = None,
    distance_km: float | None = None,
    bearing: str | None = None,
    raion: str | None = None,
    oblast: str | None = None,
) -> str:
    """:func:`description` in the active language, the place in the form its sentence
    needs (:func:`vigil.territory.placenames.of_form`): "+12,3 км² 4 км на ПдЗ від
    Покровська, Покровський район, Донецька область"."""
    sign = "−" if direction == "lost" else "+"
    digits = 1 if area_km2 >= 0.1 else 2
    area = f"{sign}{i18n.km2(float(area_km2), digits)}"
    where = ", ".join(str(x) for x in (raion, oblast) if _known(x))
    if _known(place) and distance_km is not None and np.isfinite(distance_km):
        name = placenames.of_form(str(place))
        if distance_km < AT_KM:
            # Translators: a gained or lost area at a settlement, e.g. "+1.2 km² at
            # Pokrovsk"; %(place)s is the settlement in the genitive in Ukrainian
            # (біля Покровська), in the nominative in the other languages.
            text = _("%(area)s at %(place)s") % {"area": area, "place": name}
        else:
            # Translators: "+12.3 km² 4 km SW of Pokrovsk": %(distance)s a whole number
            # of km, %(bearing)s a compass point (translated as "compass"), %(place)s the
            # settlement, in the genitive in Ukrainian (від Покровська), in the
            # nominative in the other languages (write "от н. п. %(place)s").
            text = _("%(area)s %(distance)s km %(bearing)s of %(place)s") % {
                "area": area,
                "distance": i18n.integer(int(distance_km + 0.5)),
                "bearing": compass_point(str(bearing)),
                "place": name,
            }
        return f"{text}, {where}" if where else text
    if where:
        # Translators: an area and where it lies, e.g. "+0.4 km² in Pokrovsk Raion,
        # Donetsk Oblast"; %(where)s is raion and oblast names in the nominative (a
        # comma instead of a preposition is fine: "+0,4 км², Покровський район, …").
        return _("%(area)s in %(where)s") % {"area": area, "where": where}
    return area


def _known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""
