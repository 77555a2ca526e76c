"""The site planner's files and tables: candidate and weight files in, CSV and XLSX tables out.

- In: :func:`read_candidates_file` (CSV ``name, lon, lat`` or ``entity``, or GeoJSON points) and
  :func:`read_weights_file` (JSON or a two-column CSV), for the CLI; the library validates what they return.
- Out: :func:`evaluation_table` and :func:`optimization_table` (one row per candidate / chosen site), written
  by :func:`to_csv`, or :func:`to_xlsx` (the table plus an ``about`` sheet of criteria, weights and notes).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from . import tabular
from .errors import InputError
from .messages import _
from .siting import CRITERIA

# ----------------------------------------------------------------------------------------------------
# Files in

def _read_text(path, field_name: str) -> tuple[Path, str]:
    p = Path(path)
    if not p.is_file():
        raise InputError(field_name, _("no such file: {p}", p=p), "not_found")
    try:
        return p, p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(field_name, _("{name} is not UTF-8 (byte {start}); save it as 'CSV UTF-8' (Excel's plain "
                                       "'CSV' on Chinese Windows is GBK)",
                                       name=p.name, start=exc.start), "encoding") from None


def _parse_json(p: Path, text: str, field_name: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(field_name, _("{name}: not valid JSON ({exc})", name=p.name, exc=exc)) from None


def read_candidates_file(path, field_name: str = "candidates") -> list[dict]:
    """Candidates from a CSV (columns ``name, lon, lat`` or ``entity``) or a GeoJSON of points."""
    p, text = _read_text(path, field_name)
    if p.suffix.lower() in (".geojson", ".json"):
        data = _parse_json(p, text, field_name)
        feats = data.get("features") if isinstance(data, dict) else None
        if feats is None:
            raise InputError(field_name, _("{name}: expected a GeoJSON FeatureCollection of points", name=p.name))
        out = []
        for i, f in enumerate(feats):
            geom = (f or {}).get("geometry") or {}
            props = (f or {}).get("properties") or {}
            if geom.get("type") != "Point":
                raise InputError(field_name, _("{name}: feature {i} is not a Point", name=p.name, i=i))
            lon, lat = (geom.get("coordinates") or [None, None])[:2]
            out.append({"name": props.get("name") or props.get("name_zh"), "lon": lon, "lat": lat})
        return out
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and not ({"lon", "lat"} <= set(rows[0]) or "entity" in rows[0]):
        raise InputError(field_name, _("{name}: needs columns name, lon, lat (or entity)", name=p.name))
    return [{k: (tabular.restore_cell(v.strip()) if isinstance(v, str) else v) for k, v in r.items() if k}
            for r in rows]


def read_weights_file(path, field_name: str = "weights") -> dict:
    """Weights from JSON ``{key: value}`` or a two-column CSV ``criterion,weight``."""
    p, text = _read_text(path, field_name)
    if p.suffix.lower() == ".json":
        data = _parse_json(p, text, field_name)
        if not isinstance(data, dict):
            raise InputError(field_name, _("{name}: expected an object {{criterion: percent}}", name=p.name))
        return data
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip() or row[0].strip().lower() in ("criterion", "category", "key"):
            continue
        if len(row) < 2:
            raise InputError(field_name, _("{name}: each line needs a name and a weight", name=p.name))
        out[row[0].strip()] = row[1].strip()
    return out


# ----------------------------------------------------------------------------------------------------
# Tables out

def evaluation_table(result: dict) -> tuple[list[str], list[list]]:
    """One row per candidate (best first): rank, total, every criterion score and raw value."""
    cats = result["bom"]["categories"]
    # (column, value of a candidate): one list, so that the header and the rows cannot drift apart.
    spec = [(k, lambda cand, k=k: cand[k]) for k in ("rank", "name", "lon", "lat", "score", "distance_method", "snap_m")]

    def crit(k: str, *path):
        def get(cand):
            v = cand["criteria"][k]
            for p in path:
                v = v[p]
            return v
        return get

    for k in CRITERIA:
        spec.append((f"{k}.score", crit(k, "score")))
        if k == "supplier_distance":
            for c in cats:
                spec += [(f"{k}.{c}.road_m", crit(k, "by_category", c, "road_m")),
                         (f"{k}.{c}.road_m_lo", crit(k, "by_category", c, "road_m_range", 0)),
                         (f"{k}.{c}.road_m_hi", crit(k, "by_category", c, "road_m_range", 1)),
                         (f"{k}.{c}.verdict", crit(k, "by_category", c, "verdict")),
                         (f"{k}.{c}.method", crit(k, "by_category", c, "distance_method")),
                         (f"{k}.{c}.nearest_id", crit(k, "by_category", c, "nearest_id"))]
        elif k == "supplier_count":
            spec += [(f"{k}.{c}", crit(k, "by_category", c, "count")) for c in cats]
            spec += [(f"{k}.{c}.undetermined", crit(k, "by_category", c, "undetermined")) for c in cats]
        elif k == "makers_served":
            spec += [(f"{k}.count", crit(k, "count")), (f"{k}.estimated", crit(k, "estimated")),
                     (f"{k}.undetermined", crit(k, "undetermined"))]
        else:
            spec += [(f"{k}.road_m", crit(k, "road_m")), (f"{k}.road_m_lo", crit(k, "road_m_range", 0)),
                     (f"{k}.road_m_hi", crit(k, "road_m_range", 1)), (f"{k}.verdict", crit(k, "verdict")),
                     (f"{k}.method", crit(k, "distance_method")),
                     (f"{k}.nearest_id", crit(k, "nearest_id"))]
    rows = [[get(cand) for _, get in spec] for cand in sorted(result["candidates"], key=lambda c: c["rank"])]
    return [col for col, _ in spec], rows


def optimization_table(result: dict) -> tuple[list[str], list[list]]:
    """One row per chosen site, in order of marginal gain."""
    cols = ["order", "name", "lon", "lat", "marginal_weight", "makers_covered", "items_newly_covered",
            "distance_method", "snap_m", "makers"]
    rows = [[c["order"], c["name"], c["lon"], c["lat"], c["marginal_weight"], c["makers_covered"],
             c["items_newly_covered"], c["distance_method"], c["snap_m"], ";".join(m["id"] for m in c["makers"])]
            for c in result["chosen"]]
    return cols, rows


def to_csv(cols: list[str], rows: list[list]) -> str:
    return tabular.csv_text(cols, rows)


def _meta_rows(result: dict) -> list[list]:
    out = [["radius_km", result.get("radius_km")]]
    if "criteria" in result:
        out.append(["normalization", result["normalization"]])
        out.append(["bom", ",".join(result["bom"]["categories"])])
        out.append([])
        out.append(["criterion", "中文", "direction (better when)", "weight %", "effective weight %", "available",
                    "normalization"])
        for c in result["criteria"]:
            out.append([c["key"], c["zh"], c["direction"], c["weight"], c["effective_weight"], c["available"],
                        c["normalization"]])
        out.append([])
        out.append(["explanation (zh)", result["explanation"]["zh"]])
        out.append(["explanation (en)", result["explanation"]["en"]])
    else:
        for key in ("k", "candidate_source", "n_candidates", "objective", "objective_share", "bound", "gap",
                    "mip_gap", "method", "status", "solver"):
            out.append([key, result.get(key)])
        for key, v in result["demand"].items():
            out.append([f"demand.{key}", v])
        for key, v in result["runtime_s"].items():
            out.append([f"runtime_s.{key}", v])
    out.append([])
    for n in result.get("notes", []):
        out.append(["note", n])
    out.append(["attribution", "Road network © OpenStreetMap contributors (ODbL 1.0)"])
    return out


def to_xlsx(result: dict) -> bytes:
    """An XLSX workbook: the result table and a sheet describing criteria, weights and notes."""
    from openpyxl import Workbook  # only for XLSX: keeps the import of this module light
    from openpyxl.styles import Font

    is_eval = "criteria" in result
    cols, rows = evaluation_table(result) if is_eval else optimization_table(result)
    wb = Workbook()
    ws_ = wb.active
    ws_.title = "evaluation" if is_eval else "chosen_sites"
    tabular.xlsx_append(ws_, cols)
    for cell in ws_[1]:
        cell.font = Font(bold=True)
    for r in rows:
        tabular.xlsx_append(ws_, r)
    ws_.freeze_panes = "C2"
    meta = wb.create_sheet("about")
    for r in _meta_rows(result):
        tabular.xlsx_append(meta, r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
