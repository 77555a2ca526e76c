"""天地图 Tianditu geocoder: ``GET /geocoder?ds={"keyWord":"…"}&tk=KEY``.

The answer (documented shape)::

    {"msg": "ok", "status": "0", "searchVersion": "…",
     "location": {"lon": 120.63, "lat": 31.26, "level": "门址", "score": 100, "keyWord": "…"}}

``lon``/``lat`` may come as strings ("120.630000"). ``status`` other than "0" is a refusal or a failure, ``msg``
says which; "0" without ``location`` is an empty answer. Coordinates are CGCS2000, which this
product treats as WGS84 (they differ by centimetres; no conversion is applied and the source says so).
"""

from __future__ import annotations

import json

from . import Match
from ..messages import _
from .online import OnlineGeocoder

#: Tianditu match level -> our precision; other levels are rejected (the row stays unlocated).
LEVELS = {
    "门址": "exact", "门牌号": "exact", "兴趣点": "exact", "POI": "exact",
    "道路": "street", "道路交叉口": "street", "道路交叉路口": "street", "街道": "street",
    "乡镇": "town", "村庄": "town", "开发区": "town",
    "区县": "district",
}


class Tianditu(OnlineGeocoder):
    name = "tianditu"
    label = "天地图 Tianditu"
    key_env = "SUPPLYCHAIN_TIANDITU_KEY"
    default_url = "https://api.tianditu.gov.cn"

    def request(self, address: str) -> tuple[str, dict]:
        return "/geocoder", {"ds": json.dumps({"keyWord": address}, ensure_ascii=False, separators=(",", ":"))}

    def key_param(self) -> str:
        return "tk"

    def refusal(self, answer: dict) -> str | None:
        """Any ``status`` other than "0" (an empty result is status "0" without ``location``)."""
        status = str(answer.get("status", ""))
        if status == "0":
            return None
        return _("provider error") + f" ({answer.get('msg', '')} status {status})"

    def interpret(self, answer: dict) -> Match:
        loc = answer.get("location") or {}
        if not loc or loc.get("lon") in (None, "") or loc.get("lat") in (None, ""):
            return Match(None, reason=_("Tianditu found nothing for this address"))
        level = str(loc.get("level") or "")
        precision = LEVELS.get(level)
        if precision is None:
            return Match(None, reason=_("Tianditu matched only at level {level}: too coarse to place",
                                        level=level or "?"))
        lon, lat = float(loc["lon"]), float(loc["lat"])
        return Match(precision, lon, lat, detail=f"Tianditu (天地图) geocoder, level {level}, score "
                                                 f"{loc.get('score', '?')}, CGCS2000 treated as WGS84")
