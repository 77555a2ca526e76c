"""Chinese address parsing: province/city/district, sub-district (街道/镇), road and house number.

The administrative part (省/市/区 and the adcode) comes from ``cpca`` (a PyPI package that ships its own
administrative-division data and works offline). cpca knows nothing below the district and drops the text when
no district is named (``木渎镇木胥西路19号``), so the rest is this module's own small parser, run on the
original text: the first ``…街道``/``…镇``, then the road (``…大道|路|街|巷|弄``) and the number after it.
A 吴中 sub-district named without its district (``木渎镇…``) implies 吴中区.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

#: The 14 sub-districts of 吴中区 (7 街道, 7 镇; ../shared/facts/wuzhong-entities.md).
WUZHONG_SUBDISTRICTS = ("长桥街道", "城南街道", "越溪街道", "横泾街道", "郭巷街道", "香山街道", "太湖街道",
                        "甪直镇", "光福镇", "临湖镇", "木渎镇", "金庭镇", "东山镇", "胥口镇")
#: Areas cpca does not hold as districts (functional zones), named as districts in addresses.
ZONE_DISTRICTS = ("苏州工业园区",)
#: Zones inside a district, named instead of it: they imply the district.
ZONES_IN = {"吴中经济技术开发区": "吴中区", "吴中经开区": "吴中区", "吴中开发区": "吴中区", "吴中高新区": "吴中区"}

_CJK = r"\u4e00-\u9fff"
_TOWN = re.compile(rf"([{_CJK}]{{2,5}}?(?:街道|镇))")
# A road: Chinese characters (or digits, 322国道 aside) ending in a road word; "街道" is a sub-district.
_ROAD = re.compile(rf"([{_CJK}0-9]{{1,12}}?(?:大道|路|大街|街(?!道)|巷|弄))(?:(\d+)(?:[-－]\d+)?号)?")
# Words that end a place name before the road begins (吴淞江产业园 | 淞苇路): the road starts after them.
_BEFORE_ROAD = re.compile(r".*(?:园|区|镇|市|省|县|中心|大厦|广场|楼|栋|号|街道)")


@dataclass(frozen=True)
class Address:
    """The parts of one address; empty strings where the text does not say."""

    text: str
    province: str = ""
    city: str = ""
    district: str = ""
    adcode: str = ""
    town: str = ""
    road: str = ""
    number: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _cpca():
    import cpca  # noqa: PLC0415 (imports pandas and its data: only when an address is parsed)

    return cpca


def _admin(text: str) -> tuple[str, str, str, str]:
    df = _cpca().transform([text])
    row = df.iloc[0]

    def cell(name):
        v = row.get(name)
        return "" if v is None or v != v else str(v)

    return cell("省"), cell("市"), cell("区"), cell("adcode")


def strip_notes(text: str) -> str:
    """The address without notes in brackets: ``吴中区 (street unknown)`` -> ``吴中区``."""
    return re.sub(r"[(（][^)）]*[)）]", "", text or "").strip()


def _town_of(text: str) -> tuple[str, int]:
    """The sub-district named in ``text`` and where it ends: a known 吴中 one wherever it stands, else the first
    ``…街道``/``…镇`` (cut after a preceding 区/园/市/县: 经济开发区越溪街道 -> 越溪街道)."""
    known = [(text.find(n), n) for n in WUZHONG_SUBDISTRICTS if n in text]
    if known:
        i, name = min(known)
        return name, i + len(name)
    m = _TOWN.search(text)
    if not m:
        return "", 0
    name = re.sub(r"^.*[区园市县]", "", m.group(1))
    return (name, m.end()) if len(name) >= 3 else ("", 0)


def _road_of(text: str) -> tuple[str, str]:
    for m in _ROAD.finditer(text):
        road = m.group(1)
        cut = _BEFORE_ROAD.match(road[:-1])
        if cut and len(road) - cut.end() >= 3:
            road = road[cut.end():]
        if len(road) >= 2 and not road.isdigit():
            return road, m.group(2) or ""
    return "", ""


def parse(text: str) -> Address:
    """Split an address into its parts.

    Examples
    --------
    >>> a = parse("苏州市吴中区木渎镇木胥西路19号")
    >>> (a.district, a.town, a.road, a.number)
    ('吴中区', '木渎镇', '木胥西路', '19')
    """
    text = re.sub(r"\s+", "", text or "")
    if not text:
        return Address("")
    province, city, district, adcode = _admin(text)
    for zone in ZONE_DISTRICTS:
        # 苏州工业园区, or 工业园区 right after 苏州(市) / at the start; never 吴中区…工业园区
        if zone in text or (not district and re.match(r"^(?:江苏省)?(?:苏州市?)?" + zone[2:], text)):
            district = zone
            city = city or "苏州市"
    for zone, in_district in ZONES_IN.items():
        if not district and zone in text:
            district, city, province = in_district, city or "苏州市", province or "江苏省"
    rest = text
    zone_prefix = ("苏州工业园区", "工业园区") if district in ZONE_DISTRICTS else ()
    for prefix in (province, city, district, *zone_prefix):
        if prefix and prefix in rest:
            rest = rest.split(prefix, 1)[1]
    town, end = _town_of(rest)
    rest = rest[end:]
    if not district and town in WUZHONG_SUBDISTRICTS:
        district, city, province = "吴中区", city or "苏州市", province or "江苏省"
    road, number = _road_of(rest)
    return Address(text, province, city, district, adcode, town, road, number)
