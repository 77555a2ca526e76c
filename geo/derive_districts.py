"""Derive ``geo/districts.geojson`` (district polygons for uncertainty regions) from the shared OSM boundary.

Run from the project root: ``python geo/derive_districts.py``. The OSM polygon of 吴中区 (relation 4591880,
2,134 vertices, ../shared/geo/wuzhong-boundary.geojson) is grown by the simplification tolerance and then
simplified by it, so the derived polygon *contains* the original (a region must never be smaller than where
an entity may be) while holding a few hundred vertices. © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from supplychain import studyarea  # noqa: E402

SOURCE = ROOT / ".." / "shared" / "geo" / "wuzhong-boundary.geojson"
TARGET = ROOT / "geo" / "districts.geojson"
TOLERANCE_M = 150.0


def derive(source: Path = SOURCE) -> dict:
    data = json.loads(source.read_text(encoding="utf-8"))
    feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
    geom_m = studyarea.geom_to_metric(shapely.union_all([shape(f["geometry"]) for f in feats]))
    grown = geom_m.buffer(2 * TOLERANCE_M, quad_segs=4).simplify(TOLERANCE_M, preserve_topology=True)
    assert grown.contains(geom_m), "the derived polygon must contain the original"
    lonlat = shapely.set_precision(studyarea.geom_to_lonlat(grown), 1e-5)
    if not lonlat.contains(studyarea.geom_to_lonlat(geom_m.buffer(-1.0))):
        raise SystemExit("rounding made the polygon smaller than the original")
    return {
        "type": "FeatureCollection",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
        "features": [{
            "type": "Feature",
            "geometry": mapping(lonlat),
            "properties": {
                "name_zh": "吴中区", "name_en": "Wuzhong District", "osm_type": "relation", "osm_id": 4591880,
                "derived_from": "../shared/geo/wuzhong-boundary.geojson",
                "method": f"grown by {2 * TOLERANCE_M:g} m, then simplified by {TOLERANCE_M:g} m: contains the OSM polygon",
                "area_km2": round(grown.area / 1e6, 1),
            },
        }],
    }


if __name__ == "__main__":
    out = derive()
    TARGET.write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
    g = shape(out["features"][0]["geometry"])
    print(f"wrote {TARGET}: {len(shapely.get_coordinates(g))} vertices, {out['features'][0]['properties']['area_km2']} km²")
