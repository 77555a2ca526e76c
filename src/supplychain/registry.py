"""The entity registry: read, validate, import and export firms, institutes, parks, apartments and stops.

A registry file is CSV (UTF-8), XLSX or GeoJSON with the columns of CONTRACT.md. Validation reports every
bad row with file, line, column and reason; an import is one transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import coords, tabular, taxonomy, uncertainty
from .messages import _
from .store import ENTITY_COLUMNS, EXTRA_ENTITY_COLUMNS, Store

PRECISIONS = ("exact", "street", "town", "district")
#: Finer first; ``unknown`` (no coordinates) last.
PRECISION_RANK = {p: i for i, p in enumerate(PRECISIONS + ("unknown", ""))}

#: Default radius (m) of each precision's disc region (:mod:`supplychain.uncertainty`).
PRECISION_RADIUS_M = uncertainty.DEFAULT_RADIUS_M
MAX_UNCERTAINTY_M = 50_000.0

REQUIRED_COLUMNS = ("id", "name_zh", "kind", "lon", "lat", "precision", "source")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

# Swapped lon/lat is detected where the pair is impossible as given but plausible reversed.
_LAT_LIMIT = 90.0


@dataclass
class Entity:
    """One place in the registry. ``lon``/``lat`` are WGS84 (``None`` when the location is unknown)."""

    id: str
    name_zh: str
    kind: str
    name_en: str = ""
    categories: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    robot_types: tuple[str, ...] = ()
    address: str = ""
    district: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    lon_orig: float | None = None
    lat_orig: float | None = None
    precision: str = ""
    uncertainty_m: float | None = None  # a disc radius stated by the source; None: the precision's default
    source: str = ""
    note: str = ""
    # Kept in the database only (store.EXTRA_ENTITY_COLUMNS), not registry-file columns:
    located_by: str = ""  # '' = the registry file or a person; 'geocoder:NAME' = placed by that geocoder
    geocode_reason: str = ""  # why the last geocoding left it unlocated, coarse or doubtful
    suggested_categories: tuple[str, ...] = ()  # from taxonomy.suggest_categories, until a person confirms
    suggested_words: str = ""
    credit_code: str = ""  # 统一社会信用代码

    @property
    def located(self) -> bool:
        return self.lon is not None and self.lat is not None

    @property
    def is_maker(self) -> bool:
        return taxonomy.WHOLE_ROBOT in self.categories

    @property
    def bom(self) -> tuple[str, ...]:
        """Component categories this maker needs (its ``needs``, else its robot types' default BOM)."""
        return taxonomy.bill_of_materials(self.needs, self.robot_types)

    def label(self) -> str:
        return f"{self.name_zh} {self.name_en}".strip()

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("categories", "needs", "robot_types", "suggested_categories"):
            d[k] = list(d[k])
        d["region_radius_m"] = self.radius_m
        return d

    @property
    def radius_m(self) -> float | None:
        """The disc radius of its region: the stated ``uncertainty_m``, else the precision's default."""
        if not self.located:
            return None
        return self.uncertainty_m if self.uncertainty_m is not None else PRECISION_RADIUS_M.get(self.precision)


@dataclass
class RowError:
    """A reason a row (or the whole file, line 0) was rejected."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        col = " " + _("column") + f" {self.column!r}" if self.column else ""
        return f"{where}:{col} {self.reason}"


class RegistryError(ValueError):
    """A registry file was rejected; ``errors`` lists every reason."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} problem(s) in registry input:\n{shown}{more}")


@dataclass
class ImportReport:
    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.file}: {len(self.added)} added, {len(self.updated)} updated"


# ----------------------------------------------------------------------------------------------------
# Reading files into raw rows (line number, {column: text})

def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise RegistryError([RowError(name, 0, "", _("cannot decode as {encoding}: {exc}",
                                                         encoding=encoding, exc=exc))]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("gb18030")
            hint = (" It decodes as GBK/GB18030, the encoding Excel uses for 'CSV' on Chinese Windows: save it as"
                    " 'CSV UTF-8', or pass --encoding gbk.")
        except UnicodeDecodeError:
            pass
        raise RegistryError([RowError(name, line, "", _("file is not UTF-8 (byte {start}).{hint}",
                                                        start=exc.start, hint=hint))]) from None


def _read_csv(path: Path, encoding: str | None) -> tuple[list[str], list[tuple[int, dict]]]:
    text = _decode(path.read_bytes(), str(path), encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RegistryError([RowError(str(path), 0, "", _("file is empty (no header row)"))]) from None
    rows: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(RowError(str(path), line, "", _("has {n} fields, header has {n2}",
                                                          n=len(values), n2=len(header))))
            continue
        rows.append((line, dict(zip(header, map(tabular.restore_cell, values)))))
    if errors:
        raise RegistryError(errors)
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = ["" if h is None else str(h).strip() for h in next(it)]
    except StopIteration:
        raise RegistryError([RowError(str(path), 0, "", _("sheet is empty (no header row)"))]) from None
    rows = []
    for line, values in enumerate(it, start=2):
        cells = ["" if v is None else tabular.restore_cell(str(v)) for v in values]
        if any(c.strip() for c in cells):
            rows.append((line, dict(zip(header, cells))))
    wb.close()
    return header, rows


_DERIVED_PROPERTIES = ("categories_zh", "lon_orig", "lat_orig", "crs_orig", "region_radius_m", "region",
                       *EXTRA_ENTITY_COLUMNS)


def _read_geojson(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError([RowError(str(path), 0, "", _("not valid UTF-8 GeoJSON: {exc}", exc=exc))]) from None
    rows = []
    for i, feat in enumerate(data.get("features", []), start=1):
        props = {k: "" if v is None else (";".join(v) if isinstance(v, list) else str(v))
                 for k, v in (feat.get("properties") or {}).items()}
        geom = feat.get("geometry")
        if geom and geom.get("type") == "Point":
            lon, lat = geom["coordinates"][:2]
            props.setdefault("lon", str(lon))
            props.setdefault("lat", str(lat))
        else:
            props.setdefault("lon", "")
            props.setdefault("lat", "")
        rows.append((i, props))
    # Our own GeoJSON export adds derived properties; they are not registry columns.
    for _line, r in rows:
        for k in _DERIVED_PROPERTIES:
            r.pop(k, None)
    header = sorted({k for _, r in rows for k in r}) or list(REQUIRED_COLUMNS)
    return header, rows


def read_rows(path: str | Path, encoding: str | None = None) -> tuple[list[str], list[tuple[int, dict]]]:
    """Read a registry file into its header and ``(line, row)`` pairs, by file extension."""
    path = Path(path)
    if not path.is_file():
        raise RegistryError([RowError(str(path), 0, "", _("no such file"))])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path)
    return _read_csv(path, encoding)


# ----------------------------------------------------------------------------------------------------
# Validation

def _split(text: str) -> tuple[str, ...]:
    """A list cell: ``;``-separated, and the Chinese separators ``；`` and ``、`` too."""
    return tuple(p.strip() for p in re.split(r"[;；、]", text or "") if p.strip())


def _parse_float(text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)  # ValueError handled by caller
    if not math.isfinite(value):
        raise ValueError(_("not finite"))
    return value


def _validate_location(row: dict, err) -> tuple[float | None, float | None, str]:
    crs = (row.get("crs") or "wgs84").strip().lower()
    if crs not in coords.CRS_NAMES:
        err("crs", _("unknown crs {crs}; expected one of: {items}", crs=repr(crs), items=', '.join(coords.CRS_NAMES)))
        return None, None, crs
    try:
        lon = _parse_float(row.get("lon", ""))
    except ValueError:
        err("lon", _("not a number: {value}", value=repr(row.get('lon'))))
        return None, None, crs
    try:
        lat = _parse_float(row.get("lat", ""))
    except ValueError:
        err("lat", _("not a number: {value}", value=repr(row.get('lat'))))
        return None, None, crs
    if (lon is None) != (lat is None):
        err("lon" if lon is None else "lat", _("lon and lat must both be given or both be empty"))
        return None, None, crs
    if lon is None:
        return None, None, crs
    if abs(lat) > _LAT_LIMIT or abs(lon) > 180:
        if abs(lon) <= _LAT_LIMIT and abs(lat) <= 180 and bool(coords.in_china(lat, lon)):
            err("lon", _("lon/lat look swapped: lon={lon}, lat={lat} (did you mean lon={lat}, lat={lon}?)",
                         lon=lon, lat=lat))
        else:
            err("lat" if abs(lat) > _LAT_LIMIT else "lon", _("out of range: lon={lon}, lat={lat}", lon=lon, lat=lat))
        return None, None, crs
    if not bool(coords.in_china(lon, lat)):
        if bool(coords.in_china(lat, lon)):
            err("lon", _("lon/lat look swapped: lon={lon}, lat={lat} (did you mean lon={lat}, lat={lon}?)",
                         lon=lon, lat=lat))
        else:
            err("lon", _("outside China: lon={lon}, lat={lat}", lon=lon, lat=lat))
        return None, None, crs
    return lon, lat, crs


def _validate_row(file: str, line: int, row: dict, errors: list[RowError]) -> Entity | None:
    start = len(errors)

    def err(column: str, reason: str) -> None:
        errors.append(RowError(file, line, column, reason))

    get = lambda k: (row.get(k) or "").strip()  # noqa: E731
    eid = get("id")
    if not eid:
        err("id", _("empty id"))
    elif not _ID_RE.match(eid):
        err("id", _("id {eid} may hold only letters, digits, '_', '-', '.'", eid=repr(eid)))
    if not get("name_zh"):
        err("name_zh", _("empty name_zh (Chinese name is required)"))
    kind = taxonomy.resolve(get("kind"), taxonomy.KINDS) or get("kind")
    if kind not in taxonomy.KINDS:
        err("kind", taxonomy.unknown_message(kind, taxonomy.KINDS, "kind"))
    lists = {}
    for column, table, what in (("categories", taxonomy.CATEGORIES, "category"),
                                ("needs", taxonomy.COMPONENT_CATEGORIES, "component category"),
                                ("robot_types", taxonomy.ROBOT_TYPES, "robot type")):
        values = tuple(taxonomy.resolve(v, table) or v for v in _split(row.get(column, "")))
        for v in values:
            if v not in table:
                err(column, taxonomy.unknown_message(v, table, what))
        lists[column] = values
    lon, lat, crs = _validate_location(row, err)
    precision = get("precision").lower()
    if lon is not None:
        if precision not in PRECISIONS:
            err("precision", _("precision {precision} must be one of: {items} for a located entity",
                               precision=repr(precision), items=', '.join(PRECISIONS)))
    elif precision and precision not in PRECISIONS + ("unknown",):
        err("precision", _("unknown precision {precision}", precision=repr(precision)))
    unc = None
    if get("uncertainty_m"):
        try:
            unc = _parse_float(get("uncertainty_m"))
        except ValueError:
            err("uncertainty_m", _("not a number: {value}", value=repr(get('uncertainty_m'))))
        else:
            if not 0 <= unc <= MAX_UNCERTAINTY_M:
                err("uncertainty_m", _("uncertainty_m must be between 0 and {MAX_UNCERTAINTY_M} m, got {unc}",
                                       MAX_UNCERTAINTY_M=format(MAX_UNCERTAINTY_M, 'g'), unc=format(unc, 'g')))
    if lon is not None and not get("source"):
        err("source", _("a located entity needs a source for its coordinates"))
    if len(errors) > start:
        return None
    wlon, wlat = coords.to_wgs84(lon, lat, crs) if lon is not None else (None, None)
    return Entity(
        id=eid, name_zh=get("name_zh"), name_en=get("name_en"), kind=kind,
        categories=lists["categories"], needs=lists["needs"], robot_types=lists["robot_types"],
        address=get("address"), district=get("district"),
        lon=None if wlon is None else round(wlon, 7), lat=None if wlat is None else round(wlat, 7),
        crs=crs, lon_orig=lon, lat_orig=lat,
        precision=precision if lon is not None else (precision or "unknown"),
        uncertainty_m=unc if lon is not None else None, source=get("source"), note=get("note"),
    )


def validate_file(path: str | Path, encoding: str | None = None) -> list[Entity]:
    """Read and validate a registry file.

    Returns
    -------
    list of Entity
        The file's entities, coordinates converted to WGS84.

    Raises
    ------
    RegistryError
        With one :class:`RowError` per problem (every bad row is reported, not just the first).
    """
    name = str(path)
    header, rows = read_rows(path, encoding)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in ENTITY_COLUMNS]
    errors: list[RowError] = []
    if missing:
        errors.append(RowError(name, 1, ",".join(missing), _("missing required column(s): {items}",
                                                             items=', '.join(missing))))
    if unknown:
        errors.append(RowError(name, 1, ",".join(unknown),
                               _("unknown column(s): {items}; expected: {items2}",
                                 items=', '.join(unknown), items2=', '.join(ENTITY_COLUMNS))))
    if errors:
        raise RegistryError(errors)
    entities: list[Entity] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        entity = _validate_row(name, line, row, errors)
        if entity is None:
            continue
        if entity.id in first_line:
            errors.append(RowError(name, line, "id", _("duplicate id {id} (first on line {first})",
                                                       id=repr(entity.id), first=first_line[entity.id])))
            continue
        first_line[entity.id] = line
        entities.append(entity)
    if errors:
        raise RegistryError(errors)
    if not entities:
        raise RegistryError([RowError(name, 0, "", _("no entity rows"))])
    return entities


# ----------------------------------------------------------------------------------------------------
# Storage

_DB_FIELDS = ENTITY_COLUMNS + ("lon_orig", "lat_orig") + tuple(EXTRA_ENTITY_COLUMNS)
_LIST_FIELDS = ("categories", "needs", "robot_types", "suggested_categories")


def _to_db(e: Entity) -> tuple:
    d = asdict(e)
    for k in _LIST_FIELDS:
        d[k] = ";".join(d[k])
    return tuple(d[k] for k in _DB_FIELDS)


def _from_db(r) -> Entity:
    d = {k: r[k] for k in _DB_FIELDS}
    for k in _LIST_FIELDS:
        d[k] = _split(d[k])
    return Entity(**d)


def _db_value(field: str, value):
    return ";".join(value) if field in _LIST_FIELDS and not isinstance(value, str) else value


def update_entity(conn, entity: Entity, changes: dict, who: str) -> Entity:
    """Change some fields of a stored entity inside the caller's transaction, recording each change.

    Parameters
    ----------
    conn
        A connection inside :meth:`Store.transaction`.
    entity
        The entity as it is stored now.
    changes
        ``{field: new value}`` for fields of :class:`Entity` (lists as tuples or lists).
    who
        Who changes it, recorded in ``entity_edits`` (``geocoder:amap``, ``token:…``).

    Returns
    -------
    Entity
        The entity as stored afterwards.
    """
    unknown = [k for k in changes if k not in _DB_FIELDS]
    if unknown:
        raise ValueError(_("not an entity field: {items}", items=', '.join(unknown)))
    now = asdict(entity)
    changed = {k: v for k, v in changes.items() if _db_value(k, now[k]) != _db_value(k, v)}
    if not changed:
        return entity
    sets = ", ".join(f"{k} = ?" for k in changed)
    conn.execute(f"UPDATE entities SET {sets} WHERE id = ?", [_db_value(k, v) for k, v in changed.items()] + [entity.id])
    conn.executemany("INSERT INTO entity_edits (who, entity_id, field, old, new) VALUES (?, ?, ?, ?, ?)",
                     [(who, entity.id, k, _text(now[k]), _text(v)) for k, v in changed.items()])
    return _from_db(conn.execute("SELECT * FROM entities WHERE id = ?", (entity.id,)).fetchone())


def _text(value) -> str | None:
    if value is None:
        return None
    return ";".join(value) if isinstance(value, (list, tuple)) else str(value)


def edits(store: Store, entity_id: str | None = None) -> list[dict]:
    """The recorded changes (oldest first), of one entity or all."""
    sql = "SELECT seq, at, who, entity_id, field, old, new FROM entity_edits"
    rows = store.query(sql + (" WHERE entity_id = ? ORDER BY seq" if entity_id else " ORDER BY seq"),
                       (entity_id,) if entity_id else ())
    return [dict(r) for r in rows]


def store_entities(store: Store, entities: list[Entity], source_name: str) -> ImportReport:
    """Insert or replace ``entities`` in one transaction."""
    report = ImportReport(source_name)
    existing = {r[0] for r in store.query("SELECT id FROM entities")}
    cols = ", ".join(_DB_FIELDS) + ", imported_from"
    marks = ", ".join("?" * (len(_DB_FIELDS) + 1))
    with store.transaction() as conn:
        for e in entities:
            conn.execute(f"INSERT OR REPLACE INTO entities ({cols}) VALUES ({marks})", _to_db(e) + (source_name,))
            (report.updated if e.id in existing else report.added).append(e.id)
    return report


def import_file(store: Store, path: str | Path, encoding: str | None = None) -> ImportReport:
    """Validate ``path`` and add its entities to the store (all or nothing)."""
    entities = validate_file(path, encoding)
    return store_entities(store, entities, Path(path).name)


def load_entities(store: Store) -> list[Entity]:
    """All stored entities, ordered by id."""
    return [_from_db(r) for r in store.query("SELECT * FROM entities ORDER BY id")]


# ----------------------------------------------------------------------------------------------------
# Export

def _csv_row(e: Entity) -> dict:
    d = asdict(e)
    for k in ("categories", "needs", "robot_types"):
        d[k] = ";".join(d[k])
    # Export WGS84: the stored coordinates, labelled as such.
    d["crs"] = "wgs84"
    return {k: "" if d[k] is None else d[k] for k in ENTITY_COLUMNS}


def to_csv(entities: list[Entity]) -> str:
    return tabular.csv_text(ENTITY_COLUMNS, tabular.dict_rows(map(_csv_row, entities), ENTITY_COLUMNS))


def to_geojson(entities: list[Entity], include_unlocated: bool = True) -> dict:
    """GeoJSON FeatureCollection (WGS84); unlocated entities get ``geometry: null``."""
    feats = []
    for e in entities:
        if not e.located and not include_unlocated:
            continue
        props = e.to_dict()
        props.pop("lon"), props.pop("lat")
        # The geometry is WGS84 (RFC 7946); keep the CRS of the original coordinates beside it.
        props["crs_orig"], props["crs"] = props["crs"], "wgs84"
        props["categories_zh"] = [taxonomy.CATEGORIES[c].zh for c in e.categories]
        geom = {"type": "Point", "coordinates": [e.lon, e.lat]} if e.located else None
        feats.append({"type": "Feature", "id": e.id, "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


EDIT_COLUMNS = ("seq", "at", "who", "entity_id", "field", "old", "new")


def to_xlsx(entities: list[Entity], path: str | Path, edit_log: list[dict] | None = None) -> None:
    """The registry as XLSX (sheet ``entities``); with ``edit_log`` (:func:`edits`) a second sheet ``edits``."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "entities"
    tabular.xlsx_append(ws, ENTITY_COLUMNS)
    for row in tabular.dict_rows(map(_csv_row, entities), ENTITY_COLUMNS):
        tabular.xlsx_append(ws, row)
    if edit_log is not None:
        log = wb.create_sheet("edits")
        tabular.xlsx_append(log, EDIT_COLUMNS)
        for row in tabular.dict_rows(edit_log, EDIT_COLUMNS):
            tabular.xlsx_append(log, row)
    wb.save(path)


def export(entities: list[Entity], fmt: str, path: str | Path | None = None,
           edit_log: list[dict] | None = None) -> str | None:
    """Export as ``csv``, ``geojson`` or ``xlsx``; returns text when no path is given (not for xlsx).
    ``edit_log`` (xlsx only) adds the recorded changes as a second sheet."""
    if fmt == "xlsx":
        if path is None:
            raise ValueError(_("xlsx export needs an output path (--output)"))
        to_xlsx(entities, path, edit_log)
        return None
    if fmt == "csv":
        text = to_csv(entities)
    elif fmt == "geojson":
        text = json.dumps(to_geojson(entities), ensure_ascii=False, indent=1)
    else:
        raise ValueError(_("unknown export format {fmt}; expected csv, geojson or xlsx", fmt=repr(fmt)))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
        return None
    return text
