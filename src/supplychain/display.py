"""One style of uncertainty for every face (CLI tables, page templates, map popups, CSV notes).

- a distance known exactly: ``3.21 km``; estimated: ``≈3.21 km``;
- a distance with bounds: ``≈3.2 km (2.9–5.4 km)``; with no best estimate (two positions on one reference
  point): ``0–24 km``; an open upper bound: ``≥5.0 km``;
- a rate: ``40%`` when certain, ``≈33–67%`` when it is a range;
- verdicts: 确定在内 within, 无法判定 undetermined, 确定在外 beyond.

``webapp/static/sc.js`` (``SC.range``, ``SC.rate``) follows the same rules for what the pages draw in the browser.
"""

from __future__ import annotations

from .messages import N_, _

#: msgids of the three verdicts (Chinese from the catalog: 确定在内, 无法判定, 确定在外).
VERDICT_MSGIDS = {"within": N_("within"), "undetermined": N_("undetermined"), "beyond": N_("beyond")}



def _km(m: float, digits: int) -> str:
    if m < 1000:
        return f"{m:.0f} m"
    return f"{m / 1000:.{digits}f} km"


def _bare(m: float, digits: int) -> str:
    """A range end: kilometres without the unit (the unit follows the range)."""
    return f"{m / 1000:.{digits}f}"


def distance(road_m: float | None, road_m_range=None, method: str | None = None) -> str:
    """A distance in the product's one style (see the module docstring)."""
    lo, hi = (road_m_range or (road_m, road_m))
    if lo is None and road_m is None:
        return "–"
    if hi is not None and lo is not None and abs(hi - lo) < 0.05:
        return ("≈" if method == "estimated" else "") + _km(road_m if road_m is not None else lo, 2)
    if hi is None:
        return f"≥{_km(lo, 1)}" if road_m is None else f"≈{_km(road_m, 1)} (≥{_km(lo, 1)})"
    span = f"{_bare(lo, 1)}–{_bare(hi, 1)} km"
    return span if road_m is None else f"≈{_km(road_m, 1)} ({span})"


def rate(certain: float | None, possible: float | None) -> str:
    """A sourcing rate: one figure when certain, a range marked ≈ when not."""
    if certain is None:
        return "–"
    a, b = round(certain * 100), round((possible if possible is not None else certain) * 100)
    return f"{a}%" if a == b else f"≈{a}–{b}%"


def region(r: dict | None) -> str:
    """An uncertainty region as text: ``±300 m``, ``±5 km``, ``吴中区内任意位置 anywhere in 吴中区``, or '' for a point."""
    if not r or r.get("kind") == "point":
        return ""
    if r.get("kind") == "polygon":
        return _("anywhere in {district}", district=r["district_zh"])
    m = r.get("radius_m") or r.get("extent_m") or 0
    return f"±{m / 1000:g} km" if m >= 1000 else f"±{m:.0f} m"


def verdict(v: str | None) -> str:
    if v is None:
        return "–"
    return _(VERDICT_MSGIDS[v])
