"""What an OSM way's tags say about driving on it: drivable or not, one-way, speed, class.

The rules are osmnx's (2.x), written out so that a streaming reader can apply them without osmnx:

- **drivable**: osmnx's Overpass filters for ``network_type="drive"`` (no service roads) and
  ``"drive_service"``; each rule is an Overpass ``[key!~"regex"]`` test, i.e. an *unanchored, case-sensitive*
  regular-expression search (``highway=services`` is refused by ``service``), and an absent key passes.
- **one-way**: ``oneway`` in ``yes|true|1|-1|reverse|T|F`` or ``junction=roundabout``; ``-1|reverse|T``
  run against the node order. ``oneway=reversible`` (and ``alternating``) is *two-way*, as in osmnx: each
  direction is open at some time of day.
- **speed**: ``maxspeed`` in its OSM forms (:func:`parse_maxspeed`), else the class default the product has
  always used (:data:`supplychain.network.DEFAULT_SPEEDS_KPH`).
"""

from __future__ import annotations

import re

#: (key, regex) pairs a way must *not* match, after requiring a ``highway`` tag (osmnx ``_get_network_filter``).
_COMMON = (
    ("area", "yes"),
    ("access", "private"),
    ("motor_vehicle", "no"),
    ("motorcar", "no"),
)
_HIGHWAY_NO = ("abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|footway|no|"
               "path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|{service}services|steps|track")
FILTERS: dict[str, tuple[tuple[str, re.Pattern], ...]] = {
    "drive": tuple((k, re.compile(r)) for k, r in _COMMON + (
        ("highway", _HIGHWAY_NO.format(service="service|")),
        ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"))),
    "drive_service": tuple((k, re.compile(r)) for k, r in _COMMON + (
        ("highway", _HIGHWAY_NO.format(service="")),
        ("service", "emergency_access|parking|parking_aisle|private"))),
}
NETWORK_TYPES = tuple(FILTERS)

ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})

#: Implicit ``maxspeed`` values ("zone" codes, ``CC:type``) in km/h. ``None`` means "no fixed limit":
#: the class default applies. Sources: the OSM wiki page *Default speed limits*; for China (CN) the
#: Road Traffic Safety Law implementing regulations art. 45/46 (roads with one lane each way: 50 urban,
#: 70 rural; expressway 120). A code not listed falls back to its type in :data:`ZONE_TYPES`.
ZONE_SPEEDS_KPH: dict[str, float | None] = {
    "CN:urban": 50, "CN:rural": 70, "CN:motorway": 120, "CN:trunk": 100, "CN:living_street": 20,
    "DE:urban": 50, "DE:rural": 100, "DE:motorway": None, "DE:living_street": 7, "DE:bicycle_road": 30,
    "FR:urban": 50, "FR:rural": 80, "FR:motorway": 130,
    "RU:urban": 60, "RU:rural": 90, "RU:motorway": 110, "RU:living_street": 20,
    "IT:urban": 50, "IT:rural": 90, "IT:motorway": 130,
    "GB:nsl_single": 96.56, "GB:nsl_dual": 112.65, "GB:motorway": 112.65,
    "US:urban": None, "US:rural": None,
}
#: Fallback by the part after the colon, for country codes not in :data:`ZONE_SPEEDS_KPH`.
ZONE_TYPES: dict[str, float | None] = {"urban": 50, "rural": 80, "motorway": None, "living_street": 20,
                                       "zone30": 30, "zone:30": 30}
#: Words meaning "no number here": the class default applies.
NO_NUMBER = frozenset({"none", "signals", "variable", "unposted", "implicit", "no", "default"})
_UNITS = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852, "kn": 1.852}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z/]*)\s*$")


def drivable(tags, network_type: str = "drive") -> bool:
    """Whether a way with these tags (a mapping, or pyosmium's TagList) belongs to the drive network."""
    if "highway" not in tags:
        return False
    for key, pattern in FILTERS[network_type]:
        value = tags.get(key)
        if value is not None and pattern.search(value):
            return False
    return True


def oneway(tags) -> int:
    """``0`` two-way, ``1`` one-way along the node order, ``-1`` one-way against it."""
    value = tags.get("oneway")
    if value in ONEWAY_VALUES:
        return -1 if value in REVERSED_VALUES else 1
    if tags.get("junction") == "roundabout":
        return 1
    return 0


def _one_speed(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if text.lower() in NO_NUMBER:
        return None
    m = _NUMBER.match(text.lower())
    if m:
        unit = _UNITS.get(m.group(2))
        value = float(m.group(1)) * unit if unit else None
        return value if value and value > 0 else None
    if ":" in text:
        if text in ZONE_SPEEDS_KPH:
            return ZONE_SPEEDS_KPH[text]
        return ZONE_TYPES.get(text.split(":", 1)[1].lower())
    return None


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM ``maxspeed`` value, or ``None`` when it gives no number.

    Forms: ``50`` (km/h), ``50 km/h``/``50 kmh``/``50 kph``, ``30 mph``, ``10 knots``, zone codes such as
    ``CN:urban``/``DE:rural``/``RU:motorway`` (:data:`ZONE_SPEEDS_KPH`, else :data:`ZONE_TYPES` by type),
    ``none``/``signals``/``variable`` (``None``: no fixed number), and lists ``50;70`` or ``50|70`` (the mean
    of the parts that give a number, as osmnx does).
    """
    if value is None:
        return None
    parts = [_one_speed(p) for p in re.split(r"[;|]", str(value))]
    numbers = [p for p in parts if p is not None]
    return round(sum(numbers) / len(numbers), 3) if numbers else None


def highway_value(tags) -> str:
    """The way's ``highway`` value (first of a ``;`` list)."""
    return (tags.get("highway") or "").split(";")[0].strip()


#: Default speeds (km/h) by OSM highway class, used where a way has no ``maxspeed`` (urban Suzhou;
#: the SIP file carries no maxspeed at all). Classes not listed fall back to :data:`FALLBACK_SPEED_KPH`.
DEFAULT_SPEEDS_KPH = {
    "motorway": 80, "motorway_link": 40, "trunk": 60, "trunk_link": 40, "primary": 50, "primary_link": 30,
    "secondary": 40, "secondary_link": 30, "tertiary": 30, "tertiary_link": 25, "unclassified": 30,
    "residential": 20, "living_street": 10, "service": 15, "road": 30,
}
FALLBACK_SPEED_KPH = 30.0

#: The cache's ``highway`` code per edge is an index into this tuple (links share their road's class).
HIGHWAY_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
                   "service", "other")


def highway_class(highway: str) -> int:
    """Index into :data:`HIGHWAY_CLASSES` of a ``highway`` value (``primary_link`` -> ``primary``)."""
    hw = highway.replace("_link", "")
    return HIGHWAY_CLASSES.index(hw) if hw in HIGHWAY_CLASSES else len(HIGHWAY_CLASSES) - 1


def speed_kph(tags) -> float:
    """The way's speed: its ``maxspeed`` when that gives a number, else its class default."""
    parsed = parse_maxspeed(tags.get("maxspeed"))
    if parsed is not None:
        return parsed
    return float(DEFAULT_SPEEDS_KPH.get(highway_value(tags), FALLBACK_SPEED_KPH))
