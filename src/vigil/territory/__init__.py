"""Territory: exact, reproducible figures from front-line control maps.

Open a store and ask::

    from vigil.territory import open_store
    t = open_store("demo/vigil.sqlite")
    t.area("2024-10-28").controlled_km2
    t.change("2024-10-20", "2024-10-27").gained_km2
    t.series("week", date_from="2024-09-01")      # a pandas DataFrame
    t.records("week", period="2024-10-21")

Areas are geodesic km² on the WGS84 ellipsoid; see docs/method.md.
"""

from vigil.territory.api import IngestReport, Territory, as_date, change_frame, open_store
from vigil.territory.results import AreaOnDate, BriefData, Change

__all__ = [
    "AreaOnDate",
    "BriefData",
    "Change",
    "IngestReport",
    "Territory",
    "as_date",
    "change_frame",
    "open_store",
]
