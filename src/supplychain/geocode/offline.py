"""The offline geocoder: an address placed from the named places in the data dir, with no internet.

Order of attempts, finest first (each failure adds to the reason the row keeps):

1. the road (``淞苇路``) among the imported places of kind ``road`` (road labels, OSM way centres) ->
   ``street``, at the road's medoid, with a disc holding every point of that name (at least 300 m). A road
   known only outside the district the address names, or whose points spread more than
   :data:`supplychain.places.MAX_ROAD_EXTENT_M`, is not used. (The loaded road network keeps no way names
   today, so only imported places count.)
2. the sub-district or town (``郭巷街道``, ``木渎镇``) in the gazetteer -> ``town``, with the radius the
   gazetteer states (胥口 5 km, 东山 6 km), else the town default;
3. the district (``吴中区``) -> ``district`` (its polygon is the region where ``geo/districts.geojson`` has it);
4. otherwise unlocated, with the reason.

Nothing is asked of anyone, so nothing is cached: a rerun after importing more places can do better.
"""

from __future__ import annotations

from .. import address as addr
from .. import places
from ..messages import _
from ..registry import Entity
from ..store import Store
from . import Match, far_from_district


class OfflineGeocoder:
    """Locates entities from an :class:`supplychain.places.Index`."""

    asked = 0  # never asks anyone

    def __init__(self, index: places.Index):
        self.index = index

    @classmethod
    def of_store(cls, store: Store) -> "OfflineGeocoder":
        return cls(places.Index.of_store(store))

    def locate_address(self, text: str, district: str = "") -> Match:
        """Locate an address; ``district`` is used when the text names none."""
        a = addr.parse(addr.strip_notes(text))
        district = a.district or district
        why: list[str] = []
        if a.road:
            ref = self.index.road(a.road)
            if ref is None:
                why.append(_("road {road} is not among the imported places", road=a.road))
            elif ref.ambiguous:
                why.append(_("road {road}: its {n} points spread {km} km", road=ref.name, n=ref.points,
                             km=f"{ref.extent_m / 1000:.1f}"))
            elif district and far_from_district(district, ref.lon, ref.lat):
                why.append(_("road {road} is known only outside {district}", road=ref.name, district=district))
            else:
                num = f" (house number {a.number} not located)" if a.number else ""
                if ref.points < 3 and ref.place.osm_type == "way":
                    why.append(_("road {road} is known from {n} OSM way centre(s) only: the road may extend well "
                                 "beyond them, please check", road=ref.name, n=ref.points))
                return Match("street", ref.lon, ref.lat, uncertainty_m=float(ref.radius_m),
                             detail=f"road {ref.name}{num}: {ref.points} point(s) of that name, reference "
                                    f"{ref.place.cite()}", reason="; ".join(why))
        area = self.index.area(a.town) if a.town else self.index.area_in(a.text)
        if area is not None and (not district or not area.district or area.district == district):
            return Match("town", area.lon, area.lat, uncertainty_m=area.radius_m,
                         detail=f"{area.name} reference point: {area.cite()}", reason="; ".join(why))
        if a.town:
            why.append(_("no reference point for {town} in the gazetteer", town=a.town))
        ref = self.index.district(district)
        if ref is not None:
            return Match("district", ref.lon, ref.lat, detail=f"{ref.name} reference point: {ref.cite()}",
                         reason="; ".join(why))
        if district:
            why.append(_("no reference point for the district {district}", district=district))
        elif not why:
            why.append(_("the address names no road, sub-district or district we know"))
        return Match(None, reason="; ".join(why))

    def locate(self, e: Entity) -> Match:
        return self.locate_address(e.address, e.district)
