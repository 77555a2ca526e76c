"""Addresses to positions: one batch runner and one provider per module.

- :mod:`.offline` (the default; no internet): the address parsed (:mod:`supplychain.address`) and looked up
  among the named places (:mod:`supplychain.places`): a known road -> ``street``, a sub-district or town of the
  gazetteer -> ``town``, the district -> ``district``; otherwise unlocated, with the reason.
- :mod:`.amap` (高德 Web服务 地理编码 v3) and :mod:`.tianditu` (天地图), online, off unless chosen; their answers are
  cached in the store (:mod:`.online`) so a rerun asks nothing twice.

:func:`geocode_entities` places the registry's rows one transaction each, so a batch that stops (a provider's
bad key, quota or QPS error, an interruption) keeps everything placed so far and a rerun resumes. A geocoded
position never replaces a position that is as precise or more, whoever set it; it replaces a coarser one.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable

from .. import registry, studyarea, uncertainty
from ..messages import _
from ..registry import PRECISION_RANK, Entity
from ..store import Store

PROVIDERS = ("offline", "amap", "tianditu")


class ProviderError(RuntimeError):
    """A provider refused the batch (bad key, quota, QPS exceeded, unreachable): one line, Chinese first."""


@dataclass
class Match:
    """A provider's answer for one address: a WGS84 position and its precision, or why there is none."""

    precision: str | None  # exact/street/town/district, or None: stays unlocated
    lon: float | None = None
    lat: float | None = None
    uncertainty_m: float | None = None  # a disc radius the answer implies, else the precision's default
    detail: str = ""  # what was matched, with its provenance (goes into the entity's source)
    reason: str = ""  # why unlocated or only coarse (goes into geocode_reason)
    crs: str = "wgs84"  # the CRS of lon_orig/lat_orig as the provider gave them
    lon_orig: float | None = None
    lat_orig: float | None = None


@dataclass
class Report:
    """What a batch did."""

    provider: str
    placed: dict[str, list[str]] = field(default_factory=dict)  # precision -> ids
    unlocated: dict[str, str] = field(default_factory=dict)  # id -> reason
    kept: dict[str, str] = field(default_factory=dict)  # id -> why the existing position stayed
    asked: int = 0  # requests actually sent to the provider (0 on a rerun: the cache answered)
    stopped: str = ""  # the provider error that stopped the batch

    def to_dict(self) -> dict:
        return {"provider": self.provider, "placed": self.placed, "unlocated": self.unlocated, "kept": self.kept,
                "asked": self.asked, "stopped": self.stopped or None}

    def __str__(self) -> str:
        counts = ", ".join(f"{p} {len(ids)}" for p, ids in self.placed.items()) or "0"
        text = _("geocoded ({provider}): placed {placed}; unlocated {unlocated}; kept {kept}; requests sent {asked}",
                 provider=self.provider, placed=counts, unlocated=len(self.unlocated), kept=len(self.kept),
                 asked=self.asked)
        return text + ("\n" + _("stopped: {why}", why=self.stopped) if self.stopped else "")


def make_provider(name: str, store: Store, base_url: str | None = None, qps: float | None = None, **kw):
    """The provider object for ``name`` (``offline``, ``amap``, ``tianditu``)."""
    if name == "offline":
        from .offline import OfflineGeocoder

        return OfflineGeocoder.of_store(store)
    if name == "amap":
        from .amap import AMap

        return AMap(store, base_url=base_url, qps=qps, **kw)
    if name == "tianditu":
        from .tianditu import Tianditu

        return Tianditu(store, base_url=base_url, qps=qps, **kw)
    raise ValueError(_("unknown geocoder {name}; expected one of: {choices}", name=repr(name),
                       choices=", ".join(PROVIDERS)))


def needs_geocoding(e: Entity, only_unlocated: bool = False) -> bool:
    """Whether a batch should ask about ``e``: it has an address or a district, and (with
    ``only_unlocated``) no position yet; an exact position is never asked about again."""
    if not (e.address or e.district):
        return False
    if only_unlocated:
        return not e.located
    return not (e.located and e.precision == "exact")


def far_from_district(name: str, lon: float, lat: float) -> bool:
    """A position outside the polygon of the district ``name`` (``False`` where we have no polygon for it)."""
    polys = [d for d in uncertainty.districts() if name and name in (d.name_zh, d.name_en)]
    if not polys:
        return False
    x, y = studyarea.to_metric(lon, lat)
    return uncertainty.district_index(name, float(x), float(y)) < 0


def apply_match(store: Store, e: Entity, m: Match, provider: str, today: str | None = None) -> tuple[str, str]:
    """Store one answer; returns ``(outcome, text)`` with outcome ``placed``, ``kept`` or ``unlocated``."""
    today = today or _dt.date.today().isoformat()
    who = f"geocoder:{provider}"
    with store.transaction() as conn:
        if m.precision is None:
            changes = {"geocode_reason": m.reason}
            if not e.located:
                changes["precision"] = "unknown"
            registry.update_entity(conn, e, changes, who)
            return "unlocated", m.reason
        if e.located and PRECISION_RANK.get(e.precision, 9) <= PRECISION_RANK[m.precision]:
            by = "a person" if not e.located_by else e.located_by
            why = _("kept: its {precision} position (set by {by}) is at least as precise as the {answer} answer of "
                    "{provider}", precision=e.precision, by=by, answer=m.precision, provider=provider)
            if e.located_by == who:
                return "kept", why  # this provider placed it already: nothing to record
            registry.update_entity(conn, e, {"geocode_reason": why + (f"; {m.reason}" if m.reason else "")}, who)
            return "kept", why
        reason = m.reason
        if far_from_district(e.district, m.lon, m.lat):
            reason = (reason + "; " if reason else "") + (
                _("far from the stated district {district}: please check", district=e.district))
        source = f"geocoded {today} by {provider}: {m.detail}"
        registry.update_entity(conn, e, {
            "lon": round(m.lon, 7), "lat": round(m.lat, 7), "crs": m.crs,
            "lon_orig": m.lon if m.lon_orig is None else m.lon_orig,
            "lat_orig": m.lat if m.lat_orig is None else m.lat_orig,
            "precision": m.precision, "uncertainty_m": m.uncertainty_m, "source": source,
            "located_by": who, "geocode_reason": reason}, who)
        return "placed", m.precision


def geocode_entities(store: Store, provider: str = "offline", only_unlocated: bool = False,
                     ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
                     base_url: str | None = None, qps: float | None = None, **kw) -> Report:
    """Geocode the registry's rows that have an address.

    Parameters
    ----------
    store
        The data dir's store.
    provider
        ``offline`` (default), ``amap`` or ``tianditu``.
    only_unlocated
        Only rows without a position.
    ids
        Only these entity ids (e.g. the rows an import just added).
    progress
        Called with one line per row (``[i/n] id: outcome``).
    base_url, qps
        The online provider's base URL (an intranet proxy, a test server) and queries per second.

    Returns
    -------
    Report
        Placed, unlocated and kept rows; ``stopped`` names a provider error that ended the batch early
        (everything placed before it is kept).
    """
    geocoder = make_provider(provider, store, base_url=base_url, qps=qps, **kw)
    todo = [e for e in registry.load_entities(store)
            if needs_geocoding(e, only_unlocated) and (ids is None or e.id in ids)]
    report = Report(provider)
    for i, e in enumerate(todo, start=1):
        try:
            m = geocoder.locate(e)
        except ProviderError as exc:
            report.stopped = str(exc)
            break
        finally:
            report.asked = getattr(geocoder, "asked", 0)
        outcome, text = apply_match(store, e, m, provider)
        if outcome == "placed":
            report.placed.setdefault(text, []).append(e.id)
        elif outcome == "kept":
            report.kept[e.id] = text
        else:
            report.unlocated[e.id] = text
        if progress:
            progress(f"[{i}/{len(todo)}] {e.id}: {outcome} {text}")
    return report
