"""高德 AMap Web服务 地理编码 v3: ``GET /v3/geocode/geo?address=&city=&key=``.

The answer (documented shape)::

    {"status": "1", "info": "OK", "infocode": "10000", "count": "1",
     "geocodes": [{"formatted_address": "...", "province": "江苏省", "city": "苏州市", "district": "吴中区",
                   "location": "120.631,31.262", "level": "门牌号"}]}

``status`` "0" is a refusal: ``info``/``infocode`` name it (10001 INVALID_USER_KEY, 10003
DAILY_QUERY_OVER_LIMIT, 10004 ACCESS_TOO_FREQUENT, 10019–10021 …QPS_HAS_EXCEEDED_THE_LIMIT, 10044
USER_DAILY_QUERY_OVER_LIMIT …). ``location`` is GCJ-02, converted to WGS84 with :mod:`supplychain.coords`;
``level`` gives the precision (:data:`LEVELS`); coarser levels are rejected.
"""

from __future__ import annotations

from .. import coords
from ..messages import N_, _
from . import Match
from .online import OnlineGeocoder

#: AMap match level -> our precision. Levels not listed (国家, 省, 市, 热点商圈, 公交地铁站点, 住宅区, 未知) are
#: rejected: the row stays unlocated with the level as the reason.
LEVELS = {
    "门牌号": "exact", "门址": "exact", "单元号": "exact", "兴趣点": "exact", "楼层": "exact", "房间": "exact",
    "道路": "street", "道路交叉路口": "street", "小巷": "street",
    "乡镇": "town", "村庄": "town", "开发区": "town",
    "区县": "district",
}

#: What the common refusals mean, in words a user can act on.
REFUSALS = {
    "10001": N_("the key is wrong or expired (SUPPLYCHAIN_AMAP_KEY)"),
    "10003": N_("the daily quota is used up"),
    "10004": N_("too many requests per minute"),
    "10009": N_("the key is not a Web服务 key"),
    "10019": N_("queries per second exceeded (lower --qps)"),
    "10020": N_("queries per second exceeded (lower --qps)"),
    "10021": N_("queries per second exceeded (lower --qps)"),
    "10044": N_("the daily quota is used up"),
}


class AMap(OnlineGeocoder):
    name = "amap"
    label = "高德 AMap"
    key_env = "SUPPLYCHAIN_AMAP_KEY"
    default_url = "https://restapi.amap.com"

    def request(self, address: str) -> tuple[str, dict]:
        return "/v3/geocode/geo", {"address": address, "city": self.city}

    def key_param(self) -> str:
        return "key"

    def refusal(self, answer: dict) -> str | None:
        if str(answer.get("status")) == "1":
            return None
        code = str(answer.get("infocode", ""))
        info = answer.get("info", "")
        return f"{_(REFUSALS.get(code, 'provider error'))} ({info} {code})".strip()

    def interpret(self, answer: dict) -> Match:
        found = answer.get("geocodes") or []
        if not found:
            return Match(None, reason=_("AMap found nothing for this address"))
        g = found[0]
        level = str(g.get("level") or "")
        precision = LEVELS.get(level)
        if precision is None:
            return Match(None, reason=_("AMap matched only at level {level} ({address}): too coarse to place",
                                        level=level or "?", address=g.get("formatted_address", "")))
        try:
            glon, glat = (float(v) for v in str(g["location"]).split(","))
        except (KeyError, ValueError):
            return Match(None, reason=_("AMap location unreadable: {location}", location=repr(g.get("location"))))
        lon, lat = coords.gcj02_to_wgs84(glon, glat)
        extra = f"; {len(found)} candidates, the first used" if len(found) > 1 else ""
        return Match(precision, lon, lat, crs="gcj02", lon_orig=glon, lat_orig=glat,
                     detail=f"AMap (高德) geocode v3, level {level}, {g.get('formatted_address', '')}, "
                            f"GCJ-02 {glon},{glat} converted to WGS84{extra}")
