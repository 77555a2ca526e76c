"""Registry review: the rows that need a person, and a person's edits (position, categories), each recorded.

A row needs a person when it is unlocated, only coarsely placed (``town``/``district``), has suggested
categories nobody confirmed, or a geocoder's answer lies outside the district the row states. An edit is one
transaction through :func:`supplychain.registry.update_entity`, which writes every changed field to
``entity_edits`` (when, who, field, old and new value).
"""

from __future__ import annotations

import datetime as _dt

from . import coords, registry, taxonomy
from .errors import InputError, parse_float
from .messages import _
from .registry import Entity
from .store import Store

COARSE = ("town", "district")
FAR_MARK = "far from the stated district"


def reasons(e: Entity) -> list[str]:
    """Why ``e`` needs a person (empty: it does not)."""
    out = []
    if not e.located:
        out.append(_("unlocated") + (f": {e.geocode_reason}" if e.geocode_reason else ""))
    elif e.precision in COARSE:
        out.append(_("coarse ({precision})", precision=e.precision))
    if e.suggested_categories:
        out.append(_("suggested categories to confirm") + ": " + ", ".join(e.suggested_categories)
                   + (f" ({e.suggested_words})" if e.suggested_words else ""))
    if FAR_MARK in e.geocode_reason:
        out.append(_("geocoder answer far from the stated district"))
    return out


def queue(entities: list[Entity]) -> list[dict]:
    """The rows that need a person, each as its ``to_dict()`` plus ``reasons``; unlocated first."""
    rows = []
    for e in entities:
        why = reasons(e)
        if why:
            rows.append(e.to_dict() | {"reasons": why})
    rows.sort(key=lambda r: (r["lon"] is not None, registry.PRECISION_RANK.get(r["precision"], 9) * -1, r["id"]))
    return rows


def edit(store: Store, entity_id: str, who: str, lon=None, lat=None, precision: str | None = None,
         categories=None, source: str | None = None, today: str | None = None) -> Entity:
    """A person's edit of one row.

    Parameters
    ----------
    store
        The data dir's store.
    entity_id
        The row to edit.
    who
        The editor as recorded (``token:…``).
    lon, lat
        A new WGS84 position (both or neither); its precision is ``precision`` (default ``exact``) and it is
        marked as set by a person, so no geocoder replaces it with a coarser answer.
    categories
        The row's categories as confirmed or changed (a list of category names); its pending suggestions
        are cleared.
    source
        Where the person's position comes from (default: "placed by hand on the review page").

    Raises
    ------
    InputError
        Naming the field at fault.
    """
    found = {e.id: e for e in registry.load_entities(store)}.get((entity_id or "").strip())
    if found is None:
        raise InputError("entity", _("unknown entity id {entity_id}", entity_id=repr(entity_id)), "not_found", 404)
    today = today or _dt.date.today().isoformat()
    changes: dict = {}
    if (lon is None) != (lat is None):
        raise InputError("lat" if lat is None else "lon", _("lon and lat go together"), "missing")
    if lon is not None:
        x = parse_float(lon, "lon", -180, 180)
        y = parse_float(lat, "lat", -90, 90)
        if not coords.in_china(x, y):
            raise InputError("lon", _("point lon={x}, lat={y} is outside China",
                                      x=format(x, 'g'), y=format(y, 'g')), "out_of_area")
        precision = precision or "exact"
        if precision not in registry.PRECISIONS:
            raise InputError("precision", _("precision must be one of {items}", items=', '.join(registry.PRECISIONS)))
        changes.update(lon=round(x, 7), lat=round(y, 7), lon_orig=round(x, 7), lat_orig=round(y, 7), crs="wgs84",
                       precision=precision, uncertainty_m=None, located_by="",
                       source=source or f"placed by hand on the review page {today} ({who})", geocode_reason="")
    if categories is not None:
        if not isinstance(categories, (list, tuple)) or not all(isinstance(c, str) for c in categories):
            raise InputError("categories", _("categories must be a list of category names"))
        for c in categories:
            if c not in taxonomy.CATEGORIES:
                raise InputError("categories", _("unknown category {c}; expected one of: {items}",
                                                 c=repr(c), items=', '.join(taxonomy.CATEGORIES)))
        changes.update(categories=tuple(c for c in taxonomy.CATEGORIES if c in categories), suggested_categories=())
    if not changes:
        raise InputError(None, _("nothing to change: give lon and lat, or categories"), "missing")
    with store.transaction() as conn:
        return registry.update_entity(conn, found, changes, who)
