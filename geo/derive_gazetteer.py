"""Derive ``geo/gazetteer.csv`` (吴中 reference points for the offline geocoder) from the shared data.

Run from the project root: ``python geo/derive_gazetteer.py``. Two inputs, nothing else:

- ``../shared/geo/wuzhong-osm-places.geojson`` (OSM, © OpenStreetMap contributors, ODbL 1.0): the
  sub-district relations (街道, admin_level 8, and the ``开发区`` area, admin_level 9) as the bounding-box
  centres Overpass published, the districts' label points (``place=city`` node 吴中区; the 苏州工业园区
  relation centre) and the metro stations (nodes tagged ``station=subway``), each with its OSM type and id;
- ``../shared/facts/wuzhong-entities.md``: the town reference points published elsewhere (木渎镇, 光福镇, and
  胥口镇 ±5 km / 东山镇 ±6 km as midpoints of published extents) and the stations OSM lacks here, each with the
  fact's own source. A radius is given only where the source gives one; no coordinate is made up.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from supplychain.address import WUZHONG_SUBDISTRICTS  # noqa: E402  (the 14 sub-districts of 吴中区)

SHARED = ROOT / ".." / "shared"
PLACES = SHARED / "geo" / "wuzhong-osm-places.geojson"
FACTS = SHARED / "facts" / "wuzhong-entities.md"
TARGET = ROOT / "geo" / "gazetteer.csv"

COLUMNS = ("name", "aliases", "kind", "district", "lon", "lat", "radius_m", "osm_type", "osm_id", "source",
           "attribution", "note")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


#: Town rows taken from the facts file's "Area reference coordinates" table: name -> radius stated there.
FACT_TOWNS = {"木渎镇": None, "光福镇": None, "胥口镇": 5000, "东山镇": 6000}
#: Station rows from the same table, used only when OSM has no node of that name in the shared file.
FACT_STATIONS = {"木渎站": "木渎", "郭苑路站": "郭苑路", "尹山湖站": "尹山湖", "石湖东路站": "石湖东路"}


def _short(name: str) -> str:
    """郭巷街道 -> 郭巷, 木渎镇 -> 木渎: how addresses and people often write a sub-district."""
    return re.sub(r"(街道|镇)$", "", name)


def _row(**kw) -> dict:
    return {c: kw.get(c, "") for c in COLUMNS}


def osm_rows(path: Path = PLACES) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    src = f"{path.name} ({data.get('source', 'OpenStreetMap')})"
    rows, stations = [], {}
    for f in data["features"]:
        p = f["properties"]
        lon, lat = (round(float(v), 7) for v in f["geometry"]["coordinates"][:2])
        name = p.get("name", "")
        common = dict(lon=lon, lat=lat, osm_type=p["osm_type"], osm_id=p["osm_id"], attribution=OSM_ATTRIBUTION)
        if p.get("boundary") == "administrative" and p["osm_type"] == "relation":
            level = str(p.get("admin_level", ""))
            if level == "8" and name in WUZHONG_SUBDISTRICTS:  # only 吴中's own 街道/镇
                rows.append(_row(name=name, aliases=_short(name), kind="subdistrict", district="吴中区",
                                 source=f"OSM relation {p['osm_id']} (boundary=administrative, admin_level 8), "
                                        f"bounding-box centre, {src}",
                                 note="bounding-box centre of the sub-district relation: a reference point for "
                                      "the area, not a firm's location", **common))
            elif level == "9" and name == "开发区":
                rows.append(_row(name=name, kind="subdistrict", district="吴中区",
                                 source=f"OSM relation {p['osm_id']} (admin_level 9), bounding-box centre, {src}",
                                 note="named 开发区 as tagged; probably the 吴中经济技术开发区's administered area "
                                      "(not verified), so it is matched only by this exact name", **common))
            elif level == "6" and name == "苏州工业园区":
                rows.append(_row(name=name, aliases="工业园区", kind="district", district=name,
                                 source=f"OSM relation {p['osm_id']} (admin_level 6), bounding-box centre, {src}",
                                 note="the park's bounding-box centre", **common))
        elif p.get("place") == "city" and name == "吴中区" and p["osm_type"] == "node":
            rows.append(_row(name=name, kind="district", district=name,
                             source=f"OSM node {p['osm_id']} (place=city, the district's label point), {src}",
                             note="district label point (the government is at 太湖东路288号, 长桥)", **common))
        elif p.get("station") == "subway" and p["osm_type"] == "node":
            # Some stations are mapped twice (one node per line): keep the first, list the others in its note.
            if name in stations:
                stations[name]["note"] += f"; also OSM node {p['osm_id']} at {lon}, {lat}"
                continue
            stations[name] = _row(name=name, aliases=f"{name}站", kind="station", district="",
                                  source=f"OSM node {p['osm_id']} (station=subway), {src}",
                                  note="metro station node", **common)
    return rows + sorted(stations.values(), key=lambda r: r["name"])


_FACT_ROW = re.compile(r"^\|\s*(?P<place>[^|]+?)\s*\|\s*(?P<lat>\d+\.\d+)\s*\|\s*(?P<lon>\d+\.\d+)\s*\|"
                       r"\s*(?P<kind>[^|]+?)\s*\|\s*(?P<source>[^|]+?)\s*\|\s*$")


def fact_rows(path: Path = FACTS, osm_station_names: set[str] = frozenset()) -> list[dict]:
    """Town and station rows from the facts file's table of area reference coordinates (lat before lon)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _FACT_ROW.match(line)
        if not m:
            continue
        place = m["place"]
        head = re.split(r"[ ,(（]", place, maxsplit=1)[0]
        lon, lat = float(m["lon"]), float(m["lat"])
        source = f"{m['source']} (via {path.name})"
        if head in FACT_TOWNS:
            radius = FACT_TOWNS[head]
            rows.append(_row(name=head, aliases=_short(head), kind="town", district="吴中区", lon=lon, lat=lat,
                             radius_m="" if radius is None else radius, source=source,
                             note=place if place != head else "town reference point (not a firm's location)"))
        elif head in FACT_STATIONS and FACT_STATIONS[head] not in osm_station_names:
            rows.append(_row(name=FACT_STATIONS[head], aliases=head, kind="station", lon=lon, lat=lat,
                             source=source, note=place))
    return rows


def derive() -> list[dict]:
    osm = osm_rows()
    stations = {r["name"] for r in osm if r["kind"] == "station"}
    rows = osm + fact_rows(osm_station_names=stations)
    order = {"district": 0, "subdistrict": 1, "town": 2, "station": 3}
    return sorted(rows, key=lambda r: (order[r["kind"]], r["name"]))


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    for p in (PLACES, FACTS):
        if not p.is_file():
            sys.exit(f"missing {p}")
    rows = derive()
    TARGET.write_text(to_csv(rows), encoding="utf-8")
    kinds = {k: sum(1 for r in rows if r["kind"] == k) for k in ("district", "subdistrict", "town", "station")}
    print(f"wrote {TARGET}: {len(rows)} rows {kinds}")
